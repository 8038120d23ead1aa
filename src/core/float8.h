// 8-bit float formats (stored as one byte each): float8e4m3fn, float8e4m3fnuz, float8e5m2,
// float8e5m2fnuz, as defined by ONNX (Cast / QuantizeLinear, "saturate" semantics), and the
// exponent-only float8e8m0 (at the end of this file). Shared by Cast and the quant kernels.
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
#include <cstring>
#include <optional>

#include "core/data_type.h"

namespace onyx {

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

// Rounds once, from the exact double value (so float and double inputs round alike).
inline uint8_t float_to_float8(double x, const Float8Format& f, bool saturate) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  const uint8_t nan_code = f.uz ? 0x80 : static_cast<uint8_t>(sign | 0x7F);
  if (std::isnan(x)) return nan_code;
  const uint8_t overflow_code =
      saturate ? static_cast<uint8_t>(sign | f.max_code)
               : (f.has_inf ? static_cast<uint8_t>(sign | 0x7C) : nan_code);
  const double a = std::fabs(x);
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

// ---- float8e8m0: a power of two 2^(code - 127), no sign, no zero; 0xFF is NaN ---------------
//
// From float (ONNX Cast-24+): the sign is ignored; NaN and infinities give 0xFF. round_mode
// "up" takes the next power of two when any mantissa bit is set, "down" truncates to the float's
// exponent, "nearest" goes up from the midpoint 1.5 * 2^e (ties up). With saturate, rounding never
// goes past the largest code 0xFE; without, 0xFE rounds up to 0xFF (NaN).

enum class E8M0Rounding { kUp, kDown, kNearest };

inline float float8e8m0_to_float(uint8_t code) {
  if (code == 0xFF) return std::nanf("");
  return std::ldexp(1.0f, static_cast<int>(code) - 127);
}

inline uint8_t float_to_float8e8m0(float x, E8M0Rounding mode, bool saturate) {
  uint32_t bits;
  static_assert(sizeof(bits) == sizeof(x));
  std::memcpy(&bits, &x, sizeof(bits));
  const uint32_t exponent = (bits >> 23) & 0xFF;
  if (exponent == 0xFF) return 0xFF;
  const uint32_t mantissa = bits & 0x7FFFFF;
  bool up = false;
  switch (mode) {
    case E8M0Rounding::kUp: up = mantissa != 0; break;
    case E8M0Rounding::kDown: break;
    case E8M0Rounding::kNearest: {
      const bool guard = (mantissa & 0x400000) != 0;
      const bool rest = (mantissa & 0x3FFFFF) != 0;
      // With exponent 0 (float subnormals) the guard bit alone is exactly 2^-127: code 0.
      up = guard && (rest || exponent > 0);
      break;
    }
  }
  if (up && exponent == 0xFE && saturate) up = false;
  return static_cast<uint8_t>(exponent + (up ? 1 : 0));
}

}  // namespace onyx
