// InstanceNormalization (1, 6, 22) and GroupNormalization (18, 21).
//
// Instance: statistics per (n, c) over the spatial dims; scale/B per channel.
// Group: channels split in num_groups groups; statistics per (n, group) over the group's
// channels and spatial dims. GroupNormalization-18 has scale/bias per group, -21 per channel;
// both are accepted in both versions (numel G or C; when G == C they coincide).
#include <vector>

#include "ops/normalization/row_norm.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class InstanceNorm final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-5f));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* bias_t, ctx.required_input(2));
    if (x->rank() < 2) return ctx.invalid_argument("input must have rank >= 2 (N x C x ...)");
    const int64_t N = x->dim(0), C = x->dim(1), S = norm::span_numel(x->shape(), 2, x->rank());
    ONYX_ASSIGN_OR_RETURN(std::vector<double> scale, norm::to_doubles(*scale_t));
    ONYX_ASSIGN_OR_RETURN(std::vector<double> bias, norm::to_doubles(*bias_t));
    if (static_cast<int64_t>(scale.size()) != C || static_cast<int64_t>(bias.size()) != C) {
      return ctx.invalid_argument("scale and B must have C = ", C, " elements");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      norm::normalize_rows<T>(x->data<T>(), y.data<T>(), N * C, S, epsilon_, true, ctx.pool(),
                              [&](int64_t r, int64_t, double v) { return v * scale[r % C] + bias[r % C]; });
      return Status::OK();
    });
  }

 private:
  float epsilon_ = 1e-5f;
};

class GroupNorm final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-5f));
    ONYX_ASSIGN_OR_RETURN(groups_, info.required_int("num_groups"));
    if (groups_ <= 0) return info.error(StatusCode::kInvalidGraph, "num_groups must be positive");
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* bias_t, ctx.required_input(2));
    if (x->rank() < 2) return ctx.invalid_argument("input must have rank >= 2 (N x C x ...)");
    const int64_t N = x->dim(0), C = x->dim(1), S = norm::span_numel(x->shape(), 2, x->rank());
    const int64_t G = groups_;
    if (C % G != 0) return ctx.invalid_argument("C = ", C, " is not divisible by num_groups = ", G);
    ONYX_ASSIGN_OR_RETURN(std::vector<double> scale, norm::to_doubles(*scale_t));
    ONYX_ASSIGN_OR_RETURN(std::vector<double> bias, norm::to_doubles(*bias_t));
    const int64_t ns = static_cast<int64_t>(scale.size());
    if ((ns != C && ns != G) || static_cast<int64_t>(bias.size()) != ns) {
      return ctx.invalid_argument("scale and bias must have C = ", C, " (or num_groups = ", G,
                                  ") elements");
    }
    const bool per_channel = ns == C;
    const int64_t cpg = C / G;  // channels per group
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      norm::normalize_rows<T>(x->data<T>(), y.data<T>(), N * G, cpg * S, epsilon_, true, ctx.pool(),
                              [&](int64_t r, int64_t i, double v) {
                                const int64_t g = r % G;
                                const int64_t k = per_channel ? g * cpg + (S > 0 ? i / S : 0) : g;
                                return v * scale[k] + bias[k];
                              });
      return Status::OK();
    });
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t groups_ = 1;
};

}  // namespace

void register_instance_group_norm_kernels(KernelRegistry& r) {
  r.add_versions<InstanceNorm, FloatTypes>("", "InstanceNormalization", {1, 6, 22});
  r.add_versions<GroupNorm, FloatTypes>("", "GroupNormalization", {18, 21});
}

}  // namespace onyx
