// Small helpers shared by the generator kernels: reading integer/scalar operands from tensors.
#pragma once

#include <cstdint>
#include <vector>

#include "core/data_type.h"
#include "core/status.h"
#include "core/tensor.h"

namespace onyx::generator_detail {

// The single element of a rank-0 or one-element tensor of any numeric type, as double.
inline Result<double> scalar_as_double(const Tensor& t, const char* what) {
  if (t.numel() != 1) {
    return InvalidArgument(what, " must hold exactly one element, got shape ",
                           shape_to_string(t.shape()));
  }
  double v = 0;
  Status s = dispatch<NumericAndBoolTypes>(t.dtype(), [&]<typename T>() {
    v = static_cast<double>(static_cast<compute_t<T>>(t.data<T>()[0]));
    return Status::OK();
  });
  if (!s.ok()) return InvalidArgument(what, ": ", s.message());
  return v;
}

// The single element of an int32/int64 tensor with one element.
inline Result<int64_t> scalar_as_int(const Tensor& t, const char* what) {
  if (t.numel() != 1) {
    return InvalidArgument(what, " must hold exactly one element, got shape ",
                           shape_to_string(t.shape()));
  }
  if (t.dtype() == DataType::kInt64) return t.data<int64_t>()[0];
  if (t.dtype() == DataType::kInt32) return static_cast<int64_t>(t.data<int32_t>()[0]);
  return InvalidArgument(what, " must be int32 or int64, got ", data_type_name(t.dtype()));
}

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

}  // namespace onyx::generator_detail
