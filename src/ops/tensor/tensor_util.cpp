#include "ops/tensor/tensor_util.h"

#include <algorithm>
#include <cstring>

namespace onyx::tensor_ops {
namespace {


constexpr int64_t kBlock = 64;

// The transposing case: the innermost output dim is strided in the source while an outer dim p
// is contiguous there. Walking the output row by row would touch a new cache line per element,
// so copy [p, inner] in kBlock x kBlock tiles, the other dims being an outer batch loop.
template <typename E>
void blocked_transpose_copy(const E* src, const Shape& shape, const std::vector<int64_t>& strides,
                            size_t p, E* dst, ThreadPool* pool) {
  const size_t rank = shape.size();
  const std::vector<int64_t> dst_strides = contiguous_strides(shape);
  Shape bshape;
  std::vector<int64_t> bsrc, bdst;
  for (size_t d = 0; d + 1 < rank; ++d) {
    if (d == p) continue;
    bshape.push_back(shape[d]);
    bsrc.push_back(strides[d]);
    bdst.push_back(dst_strides[d]);
  }
  const int64_t rows = shape[p], cols = shape[rank - 1];
  const int64_t col_stride = strides[rank - 1], row_dst = dst_strides[p];
  const int64_t row_blocks = (rows + kBlock - 1) / kBlock;
  const int64_t batches = shape_numel(bshape);
  parallel_for(pool, batches * row_blocks, 4, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t b = t / row_blocks, so = 0, dof = 0;
      for (size_t d = bshape.size(); d-- > 0;) {
        const int64_t c = b % bshape[d];
        b /= bshape[d];
        so += c * bsrc[d];
        dof += c * bdst[d];
      }
      const int64_t i0 = (t % row_blocks) * kBlock, i1 = std::min(rows, i0 + kBlock);
      const int64_t ni = i1 - i0;
      // Stage each tile in a small buffer: every source run and every destination run is then
      // touched once, which matters when power-of-two strides alias in the cache.
      E tile[kBlock * kBlock];
      for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
        const int64_t nj = std::min(cols, j0 + kBlock) - j0;
        for (int64_t j = 0; j < nj; ++j) {
          const E* in = src + so + i0 + (j0 + j) * col_stride;
          for (int64_t i = 0; i < ni; ++i) tile[j * kBlock + i] = in[i];
        }
        for (int64_t i = 0; i < ni; ++i) {
          E* out = dst + dof + (i0 + i) * row_dst + j0;
          for (int64_t j = 0; j < nj; ++j) out[j] = tile[j * kBlock + i];
        }
      }
    }
  });
}

// Copies a strided view with element type E (a same-size stand-in for the real dtype).
template <typename E>
void strided_copy_typed(const E* src, const Shape& shape, const std::vector<int64_t>& strides,
                        E* dst, ThreadPool* pool) {
  const size_t rank = shape.size();
  const int64_t inner = shape[rank - 1];
  const int64_t inner_stride = strides[rank - 1];
  const int64_t rows = shape_numel(shape) / inner;
  if (std::is_trivially_copyable_v<E> && inner_stride != 1 && inner >= 8 && rank >= 2) {
    for (size_t p = 0; p + 1 < rank; ++p) {
      if (strides[p] == 1 && shape[p] >= 8) {
        if constexpr (std::is_trivially_copyable_v<E>) {
          blocked_transpose_copy(src, shape, strides, p, dst, pool);
          return;
        }
      }
    }
  }
  // Rows are independent: split them across threads, each chunk walking its own counter.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(inner, 1));
  parallel_for(pool, rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> counter(rank, 0);
    int64_t off = 0;
    int64_t rem = r0;
    for (size_t d = rank - 1; d-- > 0;) {
      counter[d] = rem % shape[d];
      rem /= shape[d];
      off += counter[d] * strides[d];
    }
    for (int64_t r = r0; r < r1; ++r) {
      E* out = dst + r * inner;
      const E* in = src + off;
      if constexpr (std::is_trivially_copyable_v<E>) {
        if (inner_stride == 1) {
          std::memcpy(out, in, static_cast<size_t>(inner) * sizeof(E));
        } else {
          for (int64_t j = 0; j < inner; ++j) out[j] = in[j * inner_stride];
        }
      } else {
        for (int64_t j = 0; j < inner; ++j) out[j] = in[j * inner_stride];
      }
      for (size_t d = rank - 1; d-- > 0;) {
        off += strides[d];
        if (++counter[d] < shape[d]) break;
        off -= strides[d] * shape[d];
        counter[d] = 0;
      }
    }
  });
}

}  // namespace

size_t element_bytes(DataType dt) {
  if (dt == DataType::kString) return 0;
  return data_type_size(dt);
}

bool movable(DataType dt) {
  if (dt == DataType::kString) return true;
  const size_t n = data_type_size(dt);
  return n == 1 || n == 2 || n == 4 || n == 8 || n == 16;
}

void copy_elements(DataType dt, const void* src, int64_t src_offset, void* dst,
                   int64_t dst_offset, int64_t count) {
  if (count <= 0) return;
  if (dt == DataType::kString) {
    const auto* s = static_cast<const std::string*>(src) + src_offset;
    auto* d = static_cast<std::string*>(dst) + dst_offset;
    std::copy(s, s + count, d);
    return;
  }
  const size_t e = element_bytes(dt);
  std::memcpy(static_cast<char*>(dst) + static_cast<size_t>(dst_offset) * e,
              static_cast<const char*>(src) + static_cast<size_t>(src_offset) * e,
              static_cast<size_t>(count) * e);
}

void strided_copy(DataType dt, const void* src, int64_t src_offset, const Shape& shape,
                  const std::vector<int64_t>& strides, void* dst, ThreadPool* pool) {
  const int64_t total = shape_numel(shape);
  if (total <= 0) return;
  // Drop size-1 dims, then merge a dim into its inner neighbour when the pair is contiguous.
  Shape s;
  std::vector<int64_t> st;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s.empty() && st.back() == strides[d] * shape[d]) {
      s.back() *= shape[d];
      st.back() = strides[d];
    } else {
      s.push_back(shape[d]);
      st.push_back(strides[d]);
    }
  }
  if (s.empty()) {
    s.push_back(1);
    st.push_back(1);
  }
  visit_element_type(dt, [&]<typename E>() {
    strided_copy_typed<E>(static_cast<const E*>(src) + src_offset, s, st, static_cast<E*>(dst),
                          pool);
  });
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> st(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) st[d - 1] = st[d] * shape[d];
  return st;
}

Result<std::vector<int64_t>> read_int_tensor(const Tensor& t, const char* what) {
  if (t.rank() > 1) {
    return InvalidArgument(what, " must be a 1-D tensor, got shape ", shape_to_string(t.shape()));
  }
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kInt64) {
    std::copy(t.data<int64_t>(), t.data<int64_t>() + t.numel(), v.begin());
  } else if (t.dtype() == DataType::kInt32) {
    std::copy(t.data<int32_t>(), t.data<int32_t>() + t.numel(), v.begin());
  } else {
    return InvalidArgument(what, " must be int32 or int64, got ", data_type_name(t.dtype()));
  }
  return v;
}

Result<std::vector<int64_t>> read_indices(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kInt64) {
    std::copy(t.data<int64_t>(), t.data<int64_t>() + t.numel(), v.begin());
  } else if (t.dtype() == DataType::kInt32) {
    std::copy(t.data<int32_t>(), t.data<int32_t>() + t.numel(), v.begin());
  } else {
    return InvalidArgument("indices must be int32 or int64, got ", data_type_name(t.dtype()));
  }
  return v;
}

}  // namespace onyx::tensor_ops
