// Widening of 16-bit floats to float (and back) so that kernels can run float16/bfloat16
// through the float BLAS paths: one conversion pass costs far less than a scalar GEMM.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/data_type.h"
#include "core/thread_pool.h"

namespace onyx::linalg {

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;

// The BLAS type a T is computed in: float for the 16-bit floats, T otherwise.
template <typename T>
using blas_t = std::conditional_t<is_half_v<T>, float, T>;

template <typename From, typename To>
void convert_buffer(const From* in, To* out, int64_t n, ThreadPool* pool = nullptr) {
  parallel_for(pool, n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      if constexpr (is_half_v<From> || is_half_v<To>) {
        out[i] = static_cast<To>(static_cast<float>(in[i]));
      } else {
        out[i] = static_cast<To>(in[i]);  // same type, or float <-> double
      }
    }
  });
}

template <typename T>
std::vector<float> widen(const T* in, int64_t n, ThreadPool* pool = nullptr) {
  std::vector<float> v(static_cast<size_t>(n));
  convert_buffer(in, v.data(), n, pool);
  return v;
}

}  // namespace onyx::linalg
