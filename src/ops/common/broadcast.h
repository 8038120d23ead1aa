// Numpy-style (multidirectional) broadcasting shared by every kernel that needs it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace onyx {

// The broadcast of several shapes, or InvalidArgument naming the incompatible dims.
Result<Shape> broadcast_shapes(const std::vector<Shape>& shapes);

// Element strides for reading a tensor of shape `in` as if it had shape `out`
// (right-aligned; 0 on broadcast dims). out.size() >= in.size().
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls f(out_index, in_index[0..N)) for every element of `out`, walking N inputs with their
// broadcast strides. The innermost dim runs as a tight loop.
template <size_t N, typename F>
void for_each_broadcast(const Shape& out, const std::vector<int64_t> (&strides)[N], F&& f) {
  const int64_t total = shape_numel(out);
  if (total <= 0) return;
  const size_t rank = out.size();
  if (rank == 0) {
    int64_t idx[N] = {};
    f(int64_t{0}, idx);
    return;
  }
  std::vector<int64_t> counter(rank, 0);
  int64_t idx[N] = {};
  const int64_t inner = out[rank - 1];
  int64_t inner_stride[N];
  for (size_t k = 0; k < N; ++k) inner_stride[k] = strides[k][rank - 1];
  for (int64_t o = 0; o < total; o += inner) {
    int64_t cur[N];
    for (size_t k = 0; k < N; ++k) cur[k] = idx[k];
    for (int64_t j = 0; j < inner; ++j) {
      f(o + j, cur);
      for (size_t k = 0; k < N; ++k) cur[k] += inner_stride[k];
    }
    // advance the outer dims
    for (size_t d = rank - 1; d-- > 0;) {
      ++counter[d];
      for (size_t k = 0; k < N; ++k) idx[k] += strides[k][d];
      if (counter[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) idx[k] -= strides[k][d] * out[d];
      counter[d] = 0;
    }
  }
}

}  // namespace onyx
