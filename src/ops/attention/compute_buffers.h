// Buffers in the compute type of the attention family's kernels: float for float and the 16-bit
// floats, double for double. float/double tensors are used in place; 16-bit ones are widened
// once (cheaper than converting inside every product) and results narrowed at the end.
#pragma once

#include <type_traits>
#include <vector>

#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/linalg/convert.h"

namespace onyx::attention {

// Tensor `t` (element type T) as compute-type values, same layout: in place when T is already
// the compute type, else widened into `store`.
template <typename T, typename C = compute_t<T>>
const C* compute_view(const Tensor& t, std::vector<C>& store, ThreadPool* pool) {
  if constexpr (std::is_same_v<T, C>) {
    (void)store;
    (void)pool;
    return t.data<T>();
  } else {
    store.resize(static_cast<size_t>(t.numel()));
    linalg::convert_buffer(t.data<T>(), store.data(), t.numel(), pool);
    return store.data();
  }
}

// Where to write results that end up in `t` (element type T): `t` itself when T is the compute
// type, else `store` (sized here); finish_output() then narrows `store` into `t`.
template <typename T, typename C = compute_t<T>>
C* compute_target(Tensor& t, std::vector<C>& store) {
  if constexpr (std::is_same_v<T, C>) {
    (void)store;
    return t.data<T>();
  } else {
    store.assign(static_cast<size_t>(t.numel()), C(0));
    return store.data();
  }
}

template <typename T, typename C = compute_t<T>>
void finish_output(Tensor& t, const std::vector<C>& store, ThreadPool* pool) {
  if constexpr (!std::is_same_v<T, C>) {
    linalg::convert_buffer(store.data(), t.data<T>(), t.numel(), pool);
  } else {
    (void)t;
    (void)store;
    (void)pool;
  }
}

}  // namespace onyx::attention
