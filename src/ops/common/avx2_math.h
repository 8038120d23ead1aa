// AVX2 + FMA building blocks for our own float kernels (LSTM cells, attention softmax): exp and
// reciprocal on 8 lanes. Functions carry a target attribute instead of the file being compiled
// with -mavx2, so callers must check has_avx2() at run time and keep a portable path.
#pragma once

#include <immintrin.h>

namespace onyx::simd {

#define ONYX_AVX2 __attribute__((target("avx2,fma")))

inline bool has_avx2() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

// exp(x), Cephes' expf scheme (range reduction by ln 2 in two parts, degree-5 polynomial), within
// about 2 ulp. x is clamped to [-87.3, 88] so that 2^n stays a normal float; NaN propagates
// (min / max return their second operand when one is NaN).
ONYX_AVX2 inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.0f), x);
  x = _mm256_max_ps(_mm256_set1_ps(-87.33654f), x);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// 1 / d from the approximate reciprocal and one Newton step (relative error about 2e-7), a
// quarter of a division's cost; d beyond 2^126 gives 0.
ONYX_AVX2 inline __m256 reciprocal8(__m256 d) {
  const __m256 r = _mm256_rcp_ps(d);
  return _mm256_fmadd_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(1.0f)), r);
}

}  // namespace onyx::simd
