// Small helpers shared by the image kernels: reading int/float operand vectors from tensors.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/data_type.h"
#include "core/status.h"
#include "core/tensor.h"

namespace onyx::image_detail {

// All elements of an int32/int64 tensor as int64.
inline Result<std::vector<int64_t>> ints_of(const Tensor& t, const char* what) {
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kInt64) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = t.data<int64_t>()[i];
  } else if (t.dtype() == DataType::kInt32) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = t.data<int32_t>()[i];
  } else {
    return InvalidArgument(what, " must be int32 or int64, got ", data_type_name(t.dtype()));
  }
  return out;
}

// All elements of a floating-point tensor as double.
inline Result<std::vector<double>> floats_of(const Tensor& t, const char* what) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  Status s = dispatch<FloatTypes>(t.dtype(), [&]<typename T>() {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<double>(static_cast<compute_t<T>>(t.data<T>()[i]));
    }
    return Status::OK();
  });
  if (!s.ok()) return InvalidArgument(what, ": ", s.message());
  return out;
}

}  // namespace onyx::image_detail

namespace onyx::image_detail {

// True when a tensor of `shape` and `dtype` would pass the Tensor allocation limit. Checked
// before building per-axis tables sized by the output, so an absurd size read from an input is
// refused before any allocation.
inline bool fits_allocation_limit(const Shape& shape, DataType dtype) {
  const int64_t n = shape_numel(shape);
  if (n < 0) return false;
  const size_t elem = std::max<size_t>(1, data_type_size(dtype));
  return static_cast<size_t>(n) <= max_allocation_bytes() / elem;
}

}  // namespace onyx::image_detail
