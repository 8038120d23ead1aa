// LayerNormalization (17) and RMSNormalization (23).
//
// X is viewed as [prod(dims[:axis])] x [prod(dims[axis:])]; each row is normalized, then scaled
// (and shifted) by Scale (B) broadcast to dims[axis:]. LayerNormalization may also output the
// row Mean and InvStdDev, shaped dims[:axis] + [1] * (rank - axis), in the stash type (float).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/common/axes.h"
#include "ops/normalization/float_row_norm.h"
#include "ops/normalization/row_norm.h"
#include "ops/registry.h"

namespace onyx {
namespace {

// The float path of transformer models: Scale and B of exactly D float values (no broadcast to
// expand). Rows run in parallel, each vectorized for the widest SIMD (float_row_norm.h).
void normalize_float_rows(const float* x, float* y, int64_t rows, int64_t D, float epsilon,
                          bool center, const float* scale, const float* bias, double* mean,
                          double* inv, ThreadPool* pool) {
  parallel_for(pool, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1)),
               [&](int64_t r0, int64_t r1) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      for (int64_t r = r0; r < r1; ++r) {
        norm::normalize_float_row(x + r * D, y + r * D, D, epsilon, center, scale, bias, NAN,
                                  mean + r, inv + r);
      }
    });
  });
}

// A float tensor holding exactly the D values of the normalized dims (its shape is theirs, maybe
// without some leading ones), so no broadcast is needed.
bool covers(const Tensor& t, const Shape& norm_shape) {
  if (t.dtype() != DataType::kFloat || t.rank() > norm_shape.size()) return false;
  const size_t lead = norm_shape.size() - t.rank();
  for (size_t i = 0; i < norm_shape.size(); ++i) {
    const int64_t want = norm_shape[i];
    if (i < lead ? want != 1 : t.dim(i - lead) != want) return false;
  }
  return true;
}

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
    std::vector<double> mean(rows), inv(rows);
    const Tensor* bias_t = !kRms && ctx.has_input(2) ? ctx.input(2) : nullptr;
    if (x->dtype() == DataType::kFloat && D > 0 && covers(*scale_t, norm_shape) &&
        (bias_t == nullptr || covers(*bias_t, norm_shape))) {
      Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
      normalize_float_rows(x->data<float>(), y.data<float>(), rows, D, epsilon_, !kRms,
                           scale_t->data<float>(), bias_t ? bias_t->data<float>() : nullptr,
                           mean.data(), inv.data(), ctx.pool());
      return write_stats(ctx, *x, axis, mean, inv);
    }
    auto scale = norm::expand_to(*scale_t, norm_shape);
    if (!scale.ok()) return ctx.invalid_argument("Scale: ", scale.status().message());
    std::vector<double> bias;
    if (!kRms && ctx.has_input(2)) {
      auto b = norm::expand_to(*ctx.input(2), norm_shape);
      if (!b.ok()) return ctx.invalid_argument("B: ", b.status().message());
      bias = std::move(*b);
    }
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
    return write_stats(ctx, *x, axis, mean, inv);
  }

 private:
  // LayerNormalization's optional Mean and InvStdDev outputs.
  Status write_stats(KernelContext& ctx, const Tensor& x, int64_t axis,
                     const std::vector<double>& mean, const std::vector<double>& inv) const {
    if constexpr (!kRms) {
      const int64_t rank = static_cast<int64_t>(x.rank());
      const int64_t rows = static_cast<int64_t>(mean.size());
      Shape stat_shape(x.shape().begin(), x.shape().begin() + axis);
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
