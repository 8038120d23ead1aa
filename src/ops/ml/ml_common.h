// Shared helpers of the ai.onnx.ml family: post transforms, class labels, reading numeric
// inputs and tensor attributes as doubles.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/data_type.h"
#include "core/tensor.h"
#include "ops/kernel.h"
#include "ops/registry.h"

namespace onyx::ml {

inline constexpr int kMl = kMaxOnnxMlOpset;  // last ml opset served by ops unchanged since 1

// Element types of numeric ml inputs (float, double, int64, int32).
using MlNumericTypes = TypeList<float, double, int64_t, int32_t>;

enum class PostTransform { kNone = 0, kSoftmax = 1, kLogistic = 2, kSoftmaxZero = 3, kProbit = 4 };

// Parses "NONE", "SOFTMAX", ... (the legacy string attribute).
Result<PostTransform> parse_post_transform(const KernelInfo& info);
// Validates the integer encoding of TreeEnsemble-5.
Result<PostTransform> post_transform_from_int(const KernelInfo& info, int64_t v);

double logistic(double x);
// Inverse of the standard normal CDF: sqrt(2) * erfinv(2p - 1).
double probit(double p);
// Applies `t` in place to one row of `n` scores.
void apply_post_transform(PostTransform t, double* scores, int64_t n);

// Class labels: int64 or strings (exactly one of the attributes, or neither).
struct ClassLabels {
  bool strings = false;
  std::vector<int64_t> ints;
  std::vector<std::string> strs;
  size_t size() const { return strings ? strs.size() : ints.size(); }
  bool empty() const { return size() == 0; }
  DataType dtype() const { return strings ? DataType::kString : DataType::kInt64; }
  // Writes label k into element i of `out` (of dtype()).
  void write(Tensor& out, int64_t i, size_t k) const {
    if (strings) {
      out.data<std::string>()[i] = strs[k];
    } else {
      out.data<int64_t>()[i] = ints[k];
    }
  }
};
// Reads `<prefix>_ints`/`<prefix>_int64s` and `<prefix>_strings`; both present is an error.
Result<ClassLabels> read_class_labels(const KernelInfo& info, const std::string& ints_name,
                                      const std::string& strings_name);

// The numeric tensor `t` converted to doubles (float, double, integer types).
Result<std::vector<double>> tensor_to_doubles(const Tensor& t);

// A float list attribute, or its `<name>_as_tensor` double form when present.
Result<std::vector<double>> floats_or_tensor(const KernelInfo& info, const std::string& name);

// An optional tensor attribute (nullptr when absent; error when present with another type).
Result<const Tensor*> optional_tensor_attr(const KernelInfo& info, const std::string& name);

// Interprets X as [N, F] (1-D: [1, F]); error for other ranks.
Status rows_and_cols(const KernelContext& ctx, const Tensor& x, int64_t* n, int64_t* f);

}  // namespace onyx::ml
