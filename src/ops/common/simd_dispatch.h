// Run-time SIMD dispatch for our own loops. The library is built for the baseline x86-64 ISA
// (SSE2), so a loop written plainly vectorizes to 4-lane SSE. with_widest_simd(body) compiles
// `body` three times — for AVX-512, for AVX2 + FMA and for the baseline — and runs the copy the
// CPU supports: the body is a lambda marked ONYX_SIMD_BODY (always inlined), so GCC inlines it
// into each target-specific caller and vectorizes it for that caller's ISA.
//
//   simd::with_widest_simd([&]() ONYX_SIMD_BODY {
//     for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s + b;
//   });
//
// The body must not call non-inline functions that should be vectorized (they keep the baseline
// ISA), and should copy values it reads through pointers that might alias the output into locals
// first, so the vectorizer does not reload them. Results may differ from the baseline copy in
// the last bits (FMA contraction); tests compare every ISA against the reference kernels with a
// tolerance (set_simd_limit_for_testing).
#pragma once

#include <cstdint>

namespace onyx::simd {

enum class Isa { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

// The widest ISA of the three this CPU runs (AVX-512 means F, VL, BW and DQ), capped by
// set_simd_limit_for_testing.
Isa widest_isa();
const char* isa_name(Isa isa);

// Makes with_widest_simd use at most `limit` (tests run each copy on one machine). Not for use
// while other threads run kernels.
void set_simd_limit_for_testing(Isa limit);

#define ONYX_SIMD_BODY __attribute__((always_inline))

// B floats as one GCC vector, for bodies whose loops the vectorizer would leave scalar (a select
// such as max, or a reduction): each target lowers it to its own registers (one zmm, two ymm,
// four xmm for B = 16). load / store are unaligned.
// GCC warns that passing such vectors by value depends on the ISA; they only ever live inside
// always-inlined SIMD bodies, never cross a real call, so the warning is off where this header is
// included.
#pragma GCC diagnostic ignored "-Wpsabi"
template <int64_t B>
struct FloatVec {
  typedef float type __attribute__((vector_size(B * sizeof(float))));
};
template <int64_t B>
using floatv = typename FloatVec<B>::type;

template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> load(const float* p) {
  floatv<B> v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}
template <int64_t B>
ONYX_SIMD_BODY inline void store(float* p, floatv<B> v) {
  __builtin_memcpy(p, &v, sizeof(v));
}
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> broadcast(float x) {
  return floatv<B>{} + x;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ONYX_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi2")))
#define ONYX_TARGET_AVX2 __attribute__((target("avx2,fma,bmi2")))

template <typename F>
ONYX_TARGET_AVX512 __attribute__((noinline)) void run_avx512(const F& body) {
  body();
}
template <typename F>
ONYX_TARGET_AVX2 __attribute__((noinline)) void run_avx2(const F& body) {
  body();
}
template <typename F>
__attribute__((noinline)) void run_baseline(const F& body) {
  body();
}

template <typename F>
void with_widest_simd(const F& body) {
  switch (widest_isa()) {
    case Isa::kAvx512: return run_avx512(body);
    case Isa::kAvx2: return run_avx2(body);
    case Isa::kBaseline: return run_baseline(body);
  }
}
#else
template <typename F>
void with_widest_simd(const F& body) {
  body();
}
#endif

}  // namespace onyx::simd
