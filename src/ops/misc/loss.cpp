// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss.
//
// Both take scores of shape [N, C] or [N, C, D1, ..., Dk] and integer labels of shape [N] or
// [N, D1, ..., Dk]. NegativeLogLikelihoodLoss reads the scores as log-probabilities;
// SoftmaxCrossEntropyLoss first applies log-softmax over the class axis (and can return it as a
// second output). Each element's loss is -logp[n, label, d] * weight[label], zero where the label
// equals ignore_index. Reduction "none" keeps [N, D...]; "sum" adds everything; "mean" divides
// the sum by the total weight of the non-ignored elements (their count when no weights).
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

enum class Reduction { kNone, kSum, kMean };

class LossBase : public OpKernel {
 public:
  explicit LossBase(bool softmax) : softmax_(softmax) {}

  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const std::string red, info.attr_string("reduction", "mean"));
    if (red == "none") {
      reduction_ = Reduction::kNone;
    } else if (red == "sum") {
      reduction_ = Reduction::kSum;
    } else if (red == "mean") {
      reduction_ = Reduction::kMean;
    } else {
      return info.error(StatusCode::kInvalidGraph, "reduction must be none, sum or mean, got '",
                        red, "'");
    }
    ONYX_ASSIGN_OR_RETURN(ignore_index_, info.attr_optional_int("ignore_index"));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* scores, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* labels, ctx.required_input(1));
    const Tensor* weights = ctx.input(2);
    if (scores->rank() < 2) {
      return ctx.invalid_argument("scores must have rank >= 2 ([N, C, ...]), got shape ",
                                  shape_to_string(scores->shape()));
    }
    const int64_t n = scores->dim(0), c = scores->dim(1);
    Shape label_shape{n};
    for (size_t i = 2; i < scores->rank(); ++i) label_shape.push_back(scores->dim(i));
    if (labels->shape() != label_shape) {
      return ctx.invalid_argument("labels must have shape ", shape_to_string(label_shape),
                                  " for scores of shape ", shape_to_string(scores->shape()),
                                  ", got ", shape_to_string(labels->shape()));
    }
    std::vector<int64_t> label_values(static_cast<size_t>(labels->numel()));
    if (labels->dtype() == DataType::kInt64) {
      for (size_t i = 0; i < label_values.size(); ++i) label_values[i] = labels->data<int64_t>()[i];
    } else if (labels->dtype() == DataType::kInt32) {
      for (size_t i = 0; i < label_values.size(); ++i) label_values[i] = labels->data<int32_t>()[i];
    } else {
      return ctx.invalid_argument("labels must be int32 or int64, got ",
                                  data_type_name(labels->dtype()));
    }
    for (int64_t v : label_values) {
      if (ignore_index_ && v == *ignore_index_) continue;
      if (v < 0 || v >= c) {
        return ctx.invalid_argument("label ", v, " is out of range for ", c, " classes");
      }
    }
    if (weights != nullptr) {
      if (weights->dtype() != scores->dtype()) {
        return ctx.invalid_argument("weights must have the scores' type ",
                                    data_type_name(scores->dtype()), ", got ",
                                    data_type_name(weights->dtype()));
      }
      if (weights->shape() != Shape{c}) {
        return ctx.invalid_argument("weights must have shape [", c, "], got ",
                                    shape_to_string(weights->shape()));
      }
    }
    int64_t d = 1;  // elements per (sample, class): the product of D1..Dk
    for (size_t i = 2; i < scores->rank(); ++i) d *= scores->dim(i);

    return dispatch<FloatTypes>(scores->dtype(), [&]<typename T>() -> Status {
      const T* x = scores->data<T>();
      // Log-probabilities, computed in double (log-softmax over the class axis when needed).
      std::vector<double> logp(static_cast<size_t>(scores->numel()));
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t j = 0; j < d; ++j) {
          const int64_t base = b * c * d + j;
          if (!softmax_) {
            for (int64_t k = 0; k < c; ++k) {
              logp[base + k * d] = static_cast<double>(static_cast<compute_t<T>>(x[base + k * d]));
            }
            continue;
          }
          double mx = -INFINITY;
          for (int64_t k = 0; k < c; ++k) {
            mx = std::max(mx, static_cast<double>(static_cast<compute_t<T>>(x[base + k * d])));
          }
          double sum = 0;
          for (int64_t k = 0; k < c; ++k) {
            sum += std::exp(static_cast<double>(static_cast<compute_t<T>>(x[base + k * d])) - mx);
          }
          const double lse = mx + std::log(sum);
          for (int64_t k = 0; k < c; ++k) {
            logp[base + k * d] = static_cast<double>(static_cast<compute_t<T>>(x[base + k * d])) - lse;
          }
        }
      }
      std::vector<double> loss(label_values.size());
      double total = 0, total_weight = 0;
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t j = 0; j < d; ++j) {
          const size_t at = static_cast<size_t>(b * d + j);
          const int64_t label = label_values[at];
          if (ignore_index_ && label == *ignore_index_) {
            loss[at] = 0;
            continue;
          }
          const double w = weights == nullptr
                               ? 1.0
                               : static_cast<double>(static_cast<compute_t<T>>(weights->data<T>()[label]));
          loss[at] = -logp[static_cast<size_t>(b * c * d + label * d + j)] * w;
          total += loss[at];
          total_weight += w;
        }
      }
      if (reduction_ == Reduction::kNone) {
        Tensor& out = ctx.allocate_output(0, scores->dtype(), label_shape);
        for (size_t i = 0; i < loss.size(); ++i) out.data<T>()[i] = static_cast<T>(loss[i]);
      } else {
        Tensor& out = ctx.allocate_output(0, scores->dtype(), Shape{});
        // Mean over zero total weight is 0/0: NaN, as in the ONNX reference.
        out.data<T>()[0] = static_cast<T>(reduction_ == Reduction::kSum ? total : total / total_weight);
      }
      if (softmax_ && ctx.output_requested(1)) {
        Tensor& lp = ctx.allocate_output(1, scores->dtype(), scores->shape());
        for (size_t i = 0; i < logp.size(); ++i) lp.data<T>()[i] = static_cast<T>(logp[i]);
      }
      return Status::OK();
    });
  }

 private:
  bool softmax_;
  Reduction reduction_ = Reduction::kMean;
  std::optional<int64_t> ignore_index_;
};

class SoftmaxCrossEntropyLoss final : public LossBase {
 public:
  SoftmaxCrossEntropyLoss() : LossBase(true) {}
};

class NegativeLogLikelihoodLoss final : public LossBase {
 public:
  NegativeLogLikelihoodLoss() : LossBase(false) {}
};

}  // namespace

void register_loss(KernelRegistry& r) {
  r.add_versions<SoftmaxCrossEntropyLoss, FloatTypes>("", "SoftmaxCrossEntropyLoss", {12, 13});
  r.add_versions<NegativeLogLikelihoodLoss, FloatTypes>("", "NegativeLogLikelihoodLoss",
                                                        {12, 13, 22});
}

}  // namespace onyx
