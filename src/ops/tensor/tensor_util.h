// Helpers shared by the tensor (shape and indexing) kernels: dtype-generic element copies by
// element size, a strided-view copy used by Transpose / Slice / Expand / Tile, and readers for
// the small integer tensors (shapes, axes, repeats) these ops take as inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data_type.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/common/block_copy.h"

namespace onyx::tensor_ops {

// Data movement ops are generic by element size, so they also serve complex types.
using MovableTypes = TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t, int64_t,
                              uint8_t, uint16_t, uint32_t, uint64_t, bool, std::string,
                              std::complex<float>, std::complex<double>>;

// Bytes per element for memcpy-able dtypes; 0 for strings (copied element-wise) and for types
// we cannot move (sub-byte types).
size_t element_bytes(DataType dt);
// Whether element-generic copies support dt.
bool movable(DataType dt);

// A trivially copyable stand-in for 16-byte elements (complex128).
struct Bytes16 {
  uint64_t lo, hi;
};

// Calls f.template operator()<E>() with E a type of dt's element size (uint8_t .. uint64_t,
// Bytes16) or std::string, so element moves compile once per size instead of once per dtype.
// Does nothing for types that movable() rejects.
template <typename F>
void visit_element_type(DataType dt, F&& f) {
  if (dt == DataType::kString) return f.template operator()<std::string>();
  switch (data_type_size(dt)) {
    case 1: return f.template operator()<uint8_t>();
    case 2: return f.template operator()<uint16_t>();
    case 4: return f.template operator()<uint32_t>();
    case 8: return f.template operator()<uint64_t>();
    case 16: return f.template operator()<Bytes16>();
    default: return;
  }
}

// Copies `count` contiguous elements (strings by assignment).
void copy_elements(DataType dt, const void* src, int64_t src_offset, void* dst,
                   int64_t dst_offset, int64_t count);

// Writes the view of `src` with `shape` and element `strides` (any sign, 0 = broadcast),
// starting at element `src_offset`, into the contiguous `dst`. Adjacent dims that are
// contiguous in the source are merged so the inner loop is a memcpy when possible.
void strided_copy(DataType dt, const void* src, int64_t src_offset, const Shape& shape,
                  const std::vector<int64_t>& strides, void* dst, ThreadPool* pool);

// Row-major element strides of a shape.
std::vector<int64_t> contiguous_strides(const Shape& shape);

// The values of a 1-D (or scalar) int32/int64 tensor, e.g. a shape or axes input.
Result<std::vector<int64_t>> read_int_tensor(const Tensor& t, const char* what);

// All values of an int32/int64 tensor of any shape (Gather / Scatter indices), widened.
Result<std::vector<int64_t>> read_indices(const Tensor& t);

// idx in [-dim, dim) -> [0, dim); false when out of range.
inline bool wrap_index(int64_t& idx, int64_t dim) {
  if (idx < -dim || idx >= dim) return false;
  if (idx < 0) idx += dim;
  return true;
}

using onyx::dims_product;

}  // namespace onyx::tensor_ops
