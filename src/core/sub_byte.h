// Packed sub-byte element types: int4, uint4, float4e2m1 (two per byte) and int2, uint2 (four per
// byte). Element i lives in byte i / k at bit offset (i % k) * bits, low bits first, exactly as
// ONNX's TensorProto raw_data packs them; the unused high bits of a last, partly used byte are 0.
//
// float4e2m1: sign, 2 exponent bits (bias 1), 1 mantissa bit; magnitudes 0, 0.5, 1, 1.5, 2, 3,
// 4, 6; no infinity, no NaN. From float it rounds to nearest even and saturates to +-6
// (infinities included); NaN becomes 0x8 (the -0 code), as ONNX's reference (ml_dtypes) does.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/data_type.h"

namespace onyx {

// The raw `bits`-wide code of element i.
inline uint8_t packed_get(const void* data, int64_t i, int bits) {
  const int per_byte = 8 / bits;
  const uint8_t byte = static_cast<const uint8_t*>(data)[i / per_byte];
  const int shift = static_cast<int>(i % per_byte) * bits;
  return static_cast<uint8_t>((byte >> shift) & ((1 << bits) - 1));
}

// Stores the low `bits` of `code` as element i, leaving the other elements of that byte alone.
inline void packed_set(void* data, int64_t i, int bits, uint8_t code) {
  const int per_byte = 8 / bits;
  uint8_t& byte = static_cast<uint8_t*>(data)[i / per_byte];
  const int shift = static_cast<int>(i % per_byte) * bits;
  const uint8_t mask = static_cast<uint8_t>(((1 << bits) - 1) << shift);
  byte = static_cast<uint8_t>((byte & ~mask) | ((code << shift) & mask));
}

// Integer value of a code of int4/uint4/int2/uint2 (signed types sign-extended).
inline int32_t sub_byte_int_value(uint8_t code, DataType dt) {
  switch (dt) {
    case DataType::kInt4: return (code & 0x8) ? static_cast<int32_t>(code) - 16 : code;
    case DataType::kInt2: return (code & 0x2) ? static_cast<int32_t>(code) - 4 : code;
    default: return code;
  }
}

inline bool is_sub_byte_integer(DataType dt) { return is_sub_byte(dt) && dt != DataType::kFloat4E2M1; }

inline float float4e2m1_to_float(uint8_t code) {
  static constexpr float kMagnitudes[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  const float m = kMagnitudes[code & 0x7];
  return (code & 0x8) ? -m : m;
}

inline uint8_t float_to_float4e2m1(double x) {
  if (std::isnan(x)) return 0x8;
  const uint8_t sign = std::signbit(x) ? 0x8 : 0x0;
  const double a = std::fabs(x);
  uint8_t mag;
  if (a > 5.0) {  // nearer to 6 than to 4; beyond 6 saturates
    mag = 7;
  } else if (a >= 2.0) {  // steps of 1 (codes 4, 5, 6 = 2, 3, 4); ties 2.5 -> 2, 3.5 -> 4, 5 -> 4
    const double r = std::nearbyint(a);
    mag = static_cast<uint8_t>(r <= 2.0 ? 4 : (r == 3.0 ? 5 : 6));
  } else {  // steps of 0.5 (codes 0..4 = 0 .. 2); ties to the even code
    mag = static_cast<uint8_t>(std::nearbyint(a * 2.0));
  }
  return static_cast<uint8_t>(sign | mag);
}

// Packs n one-byte codes (their low `bits` used) into packed storage of ceil(n * bits / 8) bytes;
// the padding bits of the last byte become 0.
inline void pack_codes(const uint8_t* codes, int64_t n, int bits, void* out) {
  const int64_t per_byte = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1 << bits) - 1);
  auto* bytes = static_cast<uint8_t*>(out);
  for (int64_t j = 0; j * per_byte < n; ++j) {
    uint8_t byte = 0;
    for (int64_t k = 0; k < per_byte && j * per_byte + k < n; ++k) {
      byte = static_cast<uint8_t>(byte | (codes[j * per_byte + k] & mask) << (k * bits));
    }
    bytes[j] = byte;
  }
}

}  // namespace onyx
