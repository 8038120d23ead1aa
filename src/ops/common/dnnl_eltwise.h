// Vectorized float kernels from oneDNN for the transcendental element-wise functions and
// softmax: oneDNN JIT-compiles them for the CPU it runs on (AVX2, AVX-512, ...), which is the
// run-time SIMD dispatch our own reference loops lack. Each call returns false when oneDNN has
// no implementation (or the size is too small to be worth a library call); the caller then
// runs its reference loop, which stays the definition the tests compare against.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace onyx::dnnl_ops {

enum class Eltwise {
  kExp,
  kLog,
  kSqrt,
  kTanh,
  kLogistic,   // sigmoid
  kSwish,      // x * sigmoid(x) (SiLU)
  kGeluErf,    // x * Phi(x)
  kGeluTanh,   // GELU's tanh approximation
  kMish,       // x * tanh(softplus(x))
  kElu,        // alpha: x < 0 ? alpha (e^x - 1) : x
};

// Below this many elements a reference loop is as fast as a library call.
inline constexpr int64_t kMinElements = 2048;

// y[i] = f(x[i]), i < n (x == y allowed).
bool eltwise(Eltwise f, float alpha, const float* x, float* y, int64_t n, const ThreadPool* pool);

// Softmax (or log-softmax) over the middle axis of a contiguous [outer, n, inner] tensor.
bool softmax(bool log, const float* x, float* y, int64_t outer, int64_t n, int64_t inner,
             const ThreadPool* pool);

}  // namespace onyx::dnnl_ops
