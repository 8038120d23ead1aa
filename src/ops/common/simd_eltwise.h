// Our own vectorized kernels for transcendental element-wise functions the models spend time
// in (sigmoid, SiLU, tanh, GELU's tanh form), compiled for AVX-512, AVX2 and the baseline and
// chosen at run time (simd_dispatch.h). oneDNN 2.6 JIT-compiles the same functions, but on some
// CPUs its kernels are much slower than these (AMD Zen 4, one thread: SiLU 2.4x, GELU-tanh 1.5x,
// sigmoid 1.2-1.6x, tanh 1.1x; docs/performance.md), so dnnl_ops::eltwise and the convolution
// post-ops use them where own_eltwise_preferred() says so. GELU's erf form stays with oneDNN:
// an erf accurate enough for it cost us more than oneDNN's (57 vs 46 us per 64K floats).
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "ops/common/dnnl_eltwise.h"

namespace onyx::simd_eltwise {

// True for the functions below that have a kernel here.
bool supports(dnnl_ops::Eltwise f);

// y[i] = f(x[i]) for i < n (x == y allowed), on the calling thread; false when unsupported.
// Accuracy: sigmoid, SiLU and tanh within a few ulp (exp to 2 ulp); GELU-tanh within 1e-6
// relative near the origin, 1e-5 in the far negative tail (the exponent's argument, up to 60,
// carries its own float rounding).
bool run(dnnl_ops::Eltwise f, const float* x, float* y, int64_t n);

// The same over `pool` (inline when null).
bool run(dnnl_ops::Eltwise f, const float* x, float* y, int64_t n, const ThreadPool* pool);

// Whether these kernels beat oneDNN's on this CPU: measured once per process (SiLU over an
// L1-resident buffer, each side's best of a few runs; ours must win by 25%, since oneDNN's
// post-ops save a pass over memory that ours need). ONYX_ELTWISE=own or =dnnl overrides it.
bool own_eltwise_preferred();

// For tests: force the choice (true: ours, false: oneDNN's).
void set_own_eltwise_preferred_for_testing(bool own);

}  // namespace onyx::simd_eltwise
