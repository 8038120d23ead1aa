// LayerNormalization (17) and RMSNormalization (23).
//
// X is viewed as [prod(dims[:axis])] x [prod(dims[axis:])]; each row is normalized, then scaled
// (and shifted) by Scale (B) broadcast to dims[axis:]. LayerNormalization may also output the
// row Mean and InvStdDev, shaped dims[:axis] + [1] * (rank - axis), in the stash type (float).
#include <vector>

#include "ops/common/axes.h"
#include "ops/normalization/row_norm.h"
#include "ops/registry.h"

namespace onyx {
namespace {

template <bool kRms>
class RowNorm final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -1));
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-5f));
    ONYX_ASSIGN_OR_RETURN(int64_t stash, info.attr_int("stash_type", 1));
    auto dt = data_type_from_onnx(static_cast<int32_t>(stash));
    if (!dt || !is_floating(*dt)) {
      return info.error(StatusCode::kInvalidGraph, "stash_type ", stash, " is not a float type");
    }
    stash_ = *dt;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale_t, ctx.required_input(1));
    const int64_t rank = static_cast<int64_t>(x->rank());
    auto ax = normalize_axis(axis_, rank);
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const int64_t axis = *ax;
    const Shape norm_shape(x->shape().begin() + axis, x->shape().end());
    const int64_t rows = norm::span_numel(x->shape(), 0, axis);
    const int64_t D = shape_numel(norm_shape);
    auto scale = norm::expand_to(*scale_t, norm_shape);
    if (!scale.ok()) return ctx.invalid_argument("Scale: ", scale.status().message());
    std::vector<double> bias;
    if (!kRms && ctx.has_input(2)) {
      auto b = norm::expand_to(*ctx.input(2), norm_shape);
      if (!b.ok()) return ctx.invalid_argument("B: ", b.status().message());
      bias = std::move(*b);
    }
    std::vector<double> mean(rows), inv(rows);
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    const std::vector<double>& s = *scale;
    ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      norm::normalize_rows<T>(x->data<T>(), y.data<T>(), rows, D, epsilon_, !kRms, ctx.pool(),
                              [&](int64_t, int64_t i, double v) {
                                return bias.empty() ? v * s[i] : v * s[i] + bias[i];
                              },
                              mean.data(), inv.data());
      return Status::OK();
    }));
    if constexpr (!kRms) {
      Shape stat_shape(x->shape().begin(), x->shape().begin() + axis);
      stat_shape.resize(static_cast<size_t>(rank), 1);
      const std::vector<double>* stats[2] = {&mean, &inv};
      for (size_t k = 0; k < 2; ++k) {
        if (!ctx.output_requested(k + 1)) continue;
        Tensor& t = ctx.allocate_output(k + 1, stash_, stat_shape);
        ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(stash_, [&]<typename T>() {
          for (int64_t r = 0; r < rows; ++r) {
            t.data<T>()[r] = static_cast<T>(static_cast<norm::calc_t<T>>((*stats[k])[r]));
          }
          return Status::OK();
        }));
      }
    }
    return Status::OK();
  }

 private:
  int64_t axis_ = -1;
  float epsilon_ = 1e-5f;
  DataType stash_ = DataType::kFloat;
};

}  // namespace

void register_layer_norm_kernels(KernelRegistry& r) {
  r.add_versions<RowNorm<false>, FloatTypes>("", "LayerNormalization", {17});
  r.add_versions<RowNorm<true>, FloatTypes>("", "RMSNormalization", {23});
}

}  // namespace onyx
