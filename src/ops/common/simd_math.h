// Transcendental functions on simd::floatv<B>, for use inside with_widest_simd bodies: plain
// vector arithmetic that each ISA copy lowers to its own registers (no intrinsics, so the AVX-512,
// AVX2 and baseline copies share one source). Files using them should be compiled with
// -ffp-contract=fast (CMakeLists.txt: ONYX_SIMD_MATH_SOURCES) so that the polynomials become FMAs
// on the targets that have them; without it the results are the same to an ulp, only slower.
#pragma once

#include <cstdint>

#include "ops/common/simd_dispatch.h"

namespace onyx::simd {

template <int64_t B>
struct IntVec {
  typedef int32_t type __attribute__((vector_size(B * sizeof(int32_t))));
};
template <int64_t B>
using intv = typename IntVec<B>::type;

// e^c for c in [ln 2^-126, 88.8]: c = n ln2 + r with |r| <= ln2 / 2, e^r from a degree-5
// polynomial (Cephes' expf coefficients; about 2 ulp), 2^n built in the exponent field directly
// (n = 128, exponent field 255, is +inf).
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> exp_in_range(floatv<B> c) {
  // n = round(c / ln2) by adding 1.5 * 2^23 (+ 127, the exponent bias): the low mantissa bits
  // of t then hold n + 127, which shifted into the exponent field is 2^n.
  const floatv<B> magic = broadcast<B>(12583039.0f);  // 1.5 * 2^23 + 127
  const floatv<B> t = c * 1.44269504088896341f + magic;
  const floatv<B> n = t - magic;
  floatv<B> r = c - n * 0.693359375f;  // ln2 in two parts, the first exact in float
  r = r - n * -2.12194440e-4f;
  floatv<B> p = broadcast<B>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + (r + 1.0f);
  return p * __builtin_bit_cast(floatv<B>, __builtin_bit_cast(intv<B>, t) << 23);
}

// e^x for x <= 0 (softmax's x - max), lane by lane. x below -87.3 (results that would be
// subnormal, under 1.2e-38) gives exactly 0, so masked (-inf) scores contribute nothing and never
// make subnormal operands for the next GEMM; NaN stays NaN. Positive x give wrong results:
// callers guarantee x <= 0.
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> exp_nonpositive(floatv<B> x) {
  const floatv<B> lo = broadcast<B>(-87.3365479f);  // ln(2^-126): n stays >= -126
  const floatv<B> c = lo > x ? lo : x;  // one vmaxps; NaN passes through
  const floatv<B> p = exp_in_range<B>(c);
  return x < lo ? floatv<B>{} : p;
}

// e^z for any z, lane by lane, z clamped to [ln 2^-126, 88.8] first: results past FLT_MAX
// (z > 88.72) are +inf, those under 2^-126 are 2^-126 times the polynomial (tiny, never
// subnormal), NaN stays NaN (the clamps compare false and pass it on).
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> exp_clamped(floatv<B> z) {
  const floatv<B> lo = broadcast<B>(-87.3365479f), hi = broadcast<B>(88.8f);
  floatv<B> c = lo > z ? lo : z;
  c = c > hi ? hi : c;
  return exp_in_range<B>(c);
}

// 1 / (1 + e^-v). No cancellation on either side: for v << 0 the quotient is 1 / e^-v to the
// exponential's accuracy, for v >> 0 it rounds to 1. v < -88.8 gives 0 (e^-v is +inf), so the
// result is within 1e-38 of the true value everywhere; NaN stays NaN.
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> sigmoid(floatv<B> v) {
  return 1.0f / (1.0f + exp_clamped<B>(-v));
}

// v sigmoid(v) (SiLU) as one quotient, v / (1 + e^-v): one operation fewer than the product,
// and -inf / +inf = NaN at v = -inf, as -inf * sigmoid(-inf) = -inf * 0 is.
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> swish(floatv<B> v) {
  return v / (1.0f + exp_clamped<B>(-v));
}

// Horizontal reductions of one vector.
template <int64_t B>
ONYX_SIMD_BODY inline float reduce_max(floatv<B> v) {
  float m = v[0];
  for (int64_t i = 1; i < B; ++i) m = v[i] > m ? v[i] : m;
  return m;
}
template <int64_t B>
ONYX_SIMD_BODY inline float reduce_add(floatv<B> v) {
  float s = 0;
  for (int64_t i = 0; i < B; ++i) s += v[i];
  return s;
}

}  // namespace onyx::simd
