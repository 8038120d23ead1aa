// im2col / col2im for N-d convolutions (channels-first, one image, one group).
//
// col has Cg * prod(kernel) rows and one column per output position (im2col) or input
// position (col2im, the adjoint used by ConvTranspose). Row r is (channel c, kernel tap k).
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "ops/nn/geometry.h"

namespace onyx::nn {

// Decodes kernel tap index `k` into per-dim offsets (row-major over w.kernel).
inline void decode_tap(const Window& w, int64_t k, int64_t* tap) {
  for (size_t d = w.rank(); d-- > 0;) {
    tap[d] = k % w.kernel[d];
    k /= w.kernel[d];
  }
}

// Calls f(out_pos_base, in_offset_of_outer_dims_or_-1, inner_begin_coordinate) per run of the
// innermost output dim for one kernel tap: the shared walk of im2col and col2im.
// `grid` is the output grid (im2col) walked over `src` dims (`space`).
template <typename F>
void walk_tap(const Window& w, const std::vector<int64_t>& grid, const std::vector<int64_t>& space,
              const std::vector<int64_t>& grid_strides, const std::vector<int64_t>& offsets,
              const int64_t* tap, F&& f) {
  const size_t r = w.rank();
  const size_t last = r - 1;
  int64_t outer = 1;
  for (size_t d = 0; d < last; ++d) outer *= grid[d];
  std::vector<int64_t> counter(r, 0);
  const int64_t inner = grid[last];
  for (int64_t o = 0; o < outer; ++o) {
    // Input offset of the outer dims, or -1 when any of them falls into padding.
    int64_t off = 0;
    bool valid = true;
    for (size_t d = 0; d < last; ++d) {
      const int64_t c = counter[d] * grid_strides[d] + offsets[d] + tap[d] * w.dilations[d];
      if (c < 0 || c >= space[d]) {
        valid = false;
        break;
      }
      off = off * space[d] + c;
    }
    f(o * inner, valid ? off * space[last] : int64_t{-1},
      offsets[last] + tap[last] * w.dilations[last]);
    for (size_t d = last; d-- > 0;) {
      if (++counter[d] < grid[d]) break;
      counter[d] = 0;
    }
  }
}

// col[c*K + k][o] = x[c][o*stride - pad_begin + tap(k)*dilation] (0 outside the input).
template <typename T>
void im2col(const T* x, int64_t channels, const Window& w, T* col, ThreadPool* pool) {
  const int64_t K = w.kernel_numel(), O = w.out_numel(), I = w.in_numel();
  const size_t r = w.rank(), last = r - 1;
  std::vector<int64_t> offsets(r);
  for (size_t d = 0; d < r; ++d) offsets[d] = -w.pad_begin[d];
  const int64_t inner = w.out[last], in_last = w.in[last], s_last = w.strides[last];
  parallel_for(pool, channels * K, 4, [&](int64_t b, int64_t e) {
    std::vector<int64_t> tap(r);
    for (int64_t row = b; row < e; ++row) {
      const T* xc = x + (row / K) * I;
      T* dst = col + row * O;
      decode_tap(w, row % K, tap.data());
      walk_tap(w, w.out, w.in, w.strides, offsets, tap.data(),
               [&](int64_t pos, int64_t off, int64_t start) {
                 T* out = dst + pos;
                 if (off < 0) {
                   for (int64_t j = 0; j < inner; ++j) out[j] = T(0);
                   return;
                 }
                 const T* src = xc + off;
                 for (int64_t j = 0, c = start; j < inner; ++j, c += s_last) {
                   out[j] = (c >= 0 && c < in_last) ? src[c] : T(0);
                 }
               });
    }
  });
}

// The adjoint: y[c][i*stride - pad_begin + tap(k)*dilation] += col[c*K + k][i] over input
// positions i, for ConvTranspose (here `w.in` is the ConvTranspose input grid and `w.out` its
// output). Parallel over channels: each channel's rows write only that channel's plane.
template <typename T>
void col2im(const T* col, int64_t channels, const Window& w, T* y, ThreadPool* pool) {
  const int64_t K = w.kernel_numel(), I = w.in_numel(), O = w.out_numel();
  const size_t r = w.rank(), last = r - 1;
  std::vector<int64_t> offsets(r);
  for (size_t d = 0; d < r; ++d) offsets[d] = -w.pad_begin[d];
  const int64_t inner = w.in[last], out_last = w.out[last], s_last = w.strides[last];
  parallel_for(pool, channels, 1, [&](int64_t b, int64_t e) {
    std::vector<int64_t> tap(r);
    for (int64_t c = b; c < e; ++c) {
      T* yc = y + c * O;
      for (int64_t k = 0; k < K; ++k) {
        const T* src = col + (c * K + k) * I;
        decode_tap(w, k, tap.data());
        walk_tap(w, w.in, w.out, w.strides, offsets, tap.data(),
                 [&](int64_t pos, int64_t off, int64_t start) {
                   if (off < 0) return;
                   T* dst = yc + off;
                   const T* s = src + pos;
                   for (int64_t j = 0, p = start; j < inner; ++j, p += s_last) {
                     if (p >= 0 && p < out_last) dst[p] += s[j];
                   }
                 });
      }
    }
  });
}

}  // namespace onyx::nn
