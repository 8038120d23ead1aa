// onyx AddLayerNormalization (docs/fused-ops.md): a transformer's residual sum and the
// LayerNormalization that reads it, in one pass over each row.
//
//   S = A + B (numpy broadcasting)        Y = LayerNormalization(S, Scale, Bias, axis, epsilon)
//
// Outputs Y and, when the graph reads the sum elsewhere (the next residual), S. Each row's sum
// is normalized while it is in L1, instead of an Add writing the whole tensor and the
// normalization reading it back. Float only; the same row arithmetic as LayerNormalization's
// float path (float_row_norm.h), so the results are those of the two ops.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/common/axes.h"
#include "ops/common/broadcast.h"
#include "ops/normalization/float_row_norm.h"
#include "ops/normalization/norm_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class AddLayerNorm final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -1));
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-5f));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale, ctx.required_input(2));
    const Tensor* bias = ctx.has_input(3) ? ctx.input(3) : nullptr;
    for (const Tensor* t : {a, b, scale, bias}) {
      if (t != nullptr && t->dtype() != DataType::kFloat) {
        return ctx.invalid_argument("AddLayerNormalization takes float tensors");
      }
    }
    auto shape = broadcast_shapes({a->shape(), b->shape()});
    if (!shape.ok()) return ctx.invalid_argument(shape.status().message());
    const int64_t rank = static_cast<int64_t>(shape->size());
    auto ax = normalize_axis(axis_, rank);
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const size_t axis = static_cast<size_t>(*ax);
    const int64_t rows = norm::span_numel(*shape, 0, axis);
    const int64_t D = norm::span_numel(*shape, axis, shape->size());
    // Scale and Bias hold exactly the D normalized values (the fusion makes this op only for
    // 1-D constants on the last axis; anything else is the input's error, as for the two ops).
    for (const Tensor* t : {scale, bias}) {
      if (t != nullptr && t->numel() != D) {
        return ctx.invalid_argument("Scale and B must hold the ", D, " normalized values of ",
                                    shape_to_string(*shape), " from axis ", axis, ", got ",
                                    shape_to_string(t->shape()));
      }
    }
    // In place where the executor allows: the sum into A's or B's buffer (the residual stream),
    // Y into the other. Each row reads A and B wholly before writing S, and S before Y.
    Tensor* s = ctx.output_requested(1)
                    ? &ctx.allocate_output_in_place(1, {0, 1}, DataType::kFloat, *shape)
                    : nullptr;
    Tensor& y = ctx.allocate_output_in_place(0, {0, 1}, DataType::kFloat, *shape);
    if (y.numel() == 0) return Status::OK();
    const float* sc = scale->data<float>();
    const float* bs = bias != nullptr ? bias->data<float>() : nullptr;
    const float eps = epsilon_;
    if (a->shape() == *shape && b->shape() == *shape && D > 0) {
      // The transformer case: row by row, the sum goes to S (or straight into Y) and is
      // normalized from there while in cache.
      const float* pa = a->data<float>();
      const float* pb = b->data<float>();
      float* py = y.data<float>();
      float* ps = s != nullptr ? s->data<float>() : nullptr;
      parallel_for(ctx.pool(), rows, std::max<int64_t>(1, 16384 / D), [&](int64_t r0, int64_t r1) {
        simd::with_widest_simd([&]() ONYX_SIMD_BODY {
          for (int64_t r = r0; r < r1; ++r) {
            const float* ar = pa + r * D;
            const float* br = pb + r * D;
            float* yr = py + r * D;
            float* sr = ps != nullptr ? ps + r * D : yr;
            int64_t i = 0;
            for (; i + 16 <= D; i += 16) {
              simd::store<16>(sr + i, simd::load<16>(ar + i) + simd::load<16>(br + i));
            }
            for (; i < D; ++i) sr[i] = ar[i] + br[i];
            norm::normalize_float_row(sr, yr, D, eps, true, sc, bs, NAN, nullptr, nullptr);
          }
        });
      });
      return Status::OK();
    }
    // Broadcasting operands: the whole sum first, then the rows.
    std::vector<float> scratch;
    float* sum = s != nullptr ? s->data<float>() : nullptr;
    if (sum == nullptr) {
      scratch.resize(static_cast<size_t>(y.numel()));
      sum = scratch.data();
    }
    const std::vector<int64_t> strides[2] = {broadcast_strides(a->shape(), *shape),
                                             broadcast_strides(b->shape(), *shape)};
    const float* pa = a->data<float>();
    const float* pb = b->data<float>();
    for_each_broadcast<2>(*shape, strides,
                          [&](int64_t o, const int64_t* idx) { sum[o] = pa[idx[0]] + pb[idx[1]]; });
    float* py = y.data<float>();
    parallel_for(ctx.pool(), rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1)),
                 [&](int64_t r0, int64_t r1) {
                   simd::with_widest_simd([&]() ONYX_SIMD_BODY {
                     for (int64_t r = r0; r < r1; ++r) {
                       norm::normalize_float_row(sum + r * D, py + r * D, D, eps, true, sc, bs, NAN,
                                                 nullptr, nullptr);
                     }
                   });
                 });
    return Status::OK();
  }

 private:
  int64_t axis_ = -1;
  float epsilon_ = 1e-5f;
};

}  // namespace

void register_add_layer_norm_kernels(KernelRegistry& r) {
  r.add<AddLayerNorm, TypeList<float>>("onyx", "AddLayerNormalization", 1, 1);
}

}  // namespace onyx
