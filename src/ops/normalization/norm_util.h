// Helpers shared by the normalization kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "core/data_type.h"
#include "core/tensor.h"

namespace onyx::norm {

// Type of an element when computing: float for 16-bit floats and float, double for double.
template <typename T>
using calc_t = compute_t<T>;

// The elements of a floating tensor of any float dtype as doubles (parameters such as scale,
// bias, running mean may have a different float type than X from BatchNormalization-14 on).
Result<std::vector<double>> to_doubles(const Tensor& t);

// `t` broadcast (numpy rules, unidirectional) to `target`, as doubles. Leading size-1 dims of t
// beyond target's rank are ignored. Error when t does not broadcast to target.
Result<std::vector<double>> expand_to(const Tensor& t, const Shape& target);

// Element count of shape[begin, end).
int64_t span_numel(const Shape& shape, size_t begin, size_t end);

}  // namespace onyx::norm
