// 8-bit float formats (stored as one byte each): float8e4m3fn, float8e4m3fnuz, float8e5m2,
// float8e5m2fnuz, as defined by ONNX (Cast / QuantizeLinear, "saturate" semantics).
//
//   format     bias  max       inf    NaN            -0
//   e4m3fn      7    448       none   0x7F / 0xFF    yes
//   e4m3fnuz    8    240       none   0x80           no
//   e5m2       15    57344     0x7C   0x7D..0x7F     yes
//   e5m2fnuz   16    57344     none   0x80           no
//
// Float -> float8 rounds to nearest even. With saturate, values beyond the largest finite value
// (infinities included) become +-max; without, they become NaN (or +-inf for e5m2).
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

#include "core/data_type.h"

namespace onyx::quant {

struct Float8Format {
  int mbits;           // mantissa bits
  int bias;            // exponent bias
  bool uz;             // no negative zero, single NaN 0x80
  bool has_inf;        // e5m2 only
  uint8_t max_code;    // largest finite magnitude code
};

inline std::optional<Float8Format> float8_format(DataType dt) {
  switch (dt) {
    case DataType::kFloat8E4M3FN: return Float8Format{3, 7, false, false, 0x7E};
    case DataType::kFloat8E4M3FNUZ: return Float8Format{3, 8, true, false, 0x7F};
    case DataType::kFloat8E5M2: return Float8Format{2, 15, false, true, 0x7B};
    case DataType::kFloat8E5M2FNUZ: return Float8Format{2, 16, true, false, 0x7F};
    default: return std::nullopt;
  }
}

inline bool is_float8(DataType dt) { return float8_format(dt).has_value(); }

inline float float8_to_float(uint8_t code, const Float8Format& f) {
  const bool neg = (code & 0x80) != 0;
  const int mag = code & 0x7F;
  if (f.uz) {
    if (code == 0x80) return std::nanf("");
  } else if (f.has_inf) {
    if (mag > 0x7C) return std::nanf("");
    if (mag == 0x7C) return neg ? -INFINITY : INFINITY;
  } else if (mag == 0x7F) {
    return std::nanf("");
  }
  const int exp = mag >> f.mbits;
  const int mant = mag & ((1 << f.mbits) - 1);
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), 1 - f.bias - f.mbits);
  } else {
    v = std::ldexp(static_cast<float>(mant + (1 << f.mbits)), exp - f.bias - f.mbits);
  }
  return neg ? -v : v;
}

inline uint8_t float_to_float8(float x, const Float8Format& f, bool saturate) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  const uint8_t nan_code = f.uz ? 0x80 : static_cast<uint8_t>(sign | 0x7F);
  if (std::isnan(x)) return nan_code;
  const uint8_t overflow_code =
      saturate ? static_cast<uint8_t>(sign | f.max_code)
               : (f.has_inf ? static_cast<uint8_t>(sign | 0x7C) : nan_code);
  const double a = std::fabs(static_cast<double>(x));
  if (std::isinf(a)) return overflow_code;
  const int emin = 1 - f.bias;  // exponent of the smallest normal
  const double unit = static_cast<double>(int64_t{1} << f.mbits);
  int code;
  if (a < std::ldexp(1.0, emin)) {
    // Subnormal range: multiples of 2^(emin - mbits). Rounding up to 2^mbits gives the smallest
    // normal, whose code is the same integer.
    code = static_cast<int>(std::nearbyint(std::ldexp(a, f.mbits - emin)));
  } else {
    int e2;
    (void)std::frexp(a, &e2);
    int e = e2 - 1;  // a in [2^e, 2^(e+1))
    if (e - emin + 1 > 64) return overflow_code;  // far beyond any float8 range
    double m = std::nearbyint(std::ldexp(a, f.mbits - e));  // in [2^mbits, 2^(mbits+1)]
    if (m >= 2 * unit) {
      m = unit;
      ++e;
    }
    const int field = e + f.bias;
    if (field > (0x7F >> f.mbits)) return overflow_code;
    code = (field << f.mbits) | (static_cast<int>(m) - (1 << f.mbits));
  }
  if (code > f.max_code) return overflow_code;
  if (code == 0 && f.uz) return 0;  // no negative zero
  return static_cast<uint8_t>(sign | code);
}

}  // namespace onyx::quant
