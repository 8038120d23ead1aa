// Exact integer GEMM for MatMulInteger / QLinearMatMul / ConvInteger / QLinearConv.
//
// Operands are widened once to (v - zero_point) in float or double and multiplied with BLAS:
// every product and partial sum is an integer of magnitude <= K * max|a| * max|b|, so the result
// is exact in float when that bound is <= 2^24 and in double when it is <= 2^53 (always, for
// any tensor that fits in memory). The exact sums are then wrapped to int32, as an int32
// accumulator would.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/common/broadcast.h"
#include "ops/linalg/gemm.h"
#include "ops/quant/quant_util.h"

namespace onyx::quant {

// A quantization parameter (zero point or scale) indexed per tensor, per row/column of a
// matrix, or per (batch, row/column).
struct VecParam {
  enum class Kind { kScalar, kVector, kBatched } kind = Kind::kScalar;
  int64_t len = 1;
  int64_t index(int64_t batch, int64_t i) const {
    return kind == Kind::kScalar ? 0 : kind == Kind::kVector ? i : batch * len + i;
  }
};

// `t` may be: one element (per tensor); 1-D of `len`; or `batch` + [len, 1] (rows) /
// `batch` + [1, len] (columns).
inline Result<VecParam> make_vec_param(const Tensor& t, const Shape& batch, int64_t len,
                                       bool rows, const char* what) {
  VecParam p;
  p.len = len;
  if (t.numel() == 1 && t.rank() <= 1) return p;
  if (t.rank() == 1 && t.dim(0) == len) {
    p.kind = VecParam::Kind::kVector;
    return p;
  }
  Shape want = batch;
  want.push_back(rows ? len : 1);
  want.push_back(rows ? 1 : len);
  if (t.shape() == want) {
    p.kind = VecParam::Kind::kBatched;
    return p;
  }
  if (t.numel() == 1) return p;
  return InvalidArgument(what, " has shape ", shape_to_string(t.shape()),
                         "; expected a scalar, [", len, "] or ", shape_to_string(want));
}

// Integer value of element i of an int8/uint8/int32 tensor.
template <typename T>
inline int64_t int_at(const Tensor& t, int64_t i) {
  return static_cast<int64_t>(t.data<T>()[i]);
}

// Reads an integer tensor's elements (uint8/int8/int32/...) as int64.
inline Result<std::vector<int64_t>> int_values(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  Status st = dispatch<TypeList<uint8_t, int8_t, uint16_t, int16_t, int32_t>>(
      t.dtype(), [&]<typename T>() -> Status {
        const T* p = t.data<T>();
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(p[i]);
        return Status::OK();
      });
  if (!st.ok()) return st;
  return v;
}

// dst[(b * rows + r) * cols + c] = src[same] - zp[param.index(b, rows_are_param ? r : c)]
// for an int8/uint8 source; returns max |dst|. With dst == nullptr only the maximum is computed.
template <typename F>
int64_t widen_minus_zp(const Tensor& src, const std::vector<int64_t>& zp, const VecParam& param,
                       bool rows_are_param, int64_t batches, int64_t rows, int64_t cols, F* dst,
                       ThreadPool* pool) {
  int64_t max_abs = 0;
  (void)dispatch<TypeList<uint8_t, int8_t>>(src.dtype(), [&]<typename T>() -> Status {
    const T* s = src.data<T>();
    std::vector<int64_t> part(static_cast<size_t>(batches * rows), 0);
    parallel_for(pool, batches * rows, 16, [&](int64_t lo, int64_t hi) {
      for (int64_t br = lo; br < hi; ++br) {
        const int64_t b = br / rows, r = br % rows;
        const T* in = s + br * cols;
        F* out = dst != nullptr ? dst + br * cols : nullptr;
        int64_t m = 0;
        if (rows_are_param || param.kind == VecParam::Kind::kScalar) {
          const int64_t z = zp.empty() ? 0 : zp[static_cast<size_t>(param.index(b, r))];
          for (int64_t c = 0; c < cols; ++c) {
            const int64_t v = static_cast<int64_t>(in[c]) - z;
            if (out != nullptr) out[c] = static_cast<F>(v);
            m = std::max(m, v < 0 ? -v : v);
          }
        } else {
          for (int64_t c = 0; c < cols; ++c) {
            const int64_t z = zp.empty() ? 0 : zp[static_cast<size_t>(param.index(b, c))];
            const int64_t v = static_cast<int64_t>(in[c]) - z;
            if (out != nullptr) out[c] = static_cast<F>(v);
            m = std::max(m, v < 0 ? -v : v);
          }
        }
        part[static_cast<size_t>(br)] = m;
      }
    });
    for (int64_t v : part) max_abs = std::max(max_abs, v);
    return Status::OK();
  });
  return max_abs;
}

// True when a float GEMM over K terms bounded by max_a * max_b is exact.
inline bool float_gemm_exact(int64_t K, int64_t max_a, int64_t max_b) {
  const double bound = static_cast<double>(K) * static_cast<double>(max_a) *
                       static_cast<double>(max_b);
  return bound <= 16777216.0;
}

}  // namespace onyx::quant
