// onyx QLinearAdd (docs/fused-ops.md): the residual sum of a QDQ graph,
//   Y = QuantizeLinear(act(DequantizeLinear(A) + DequantizeLinear(B)), y_scale, y_zero_point)
// with per-tensor float scales and 8-bit zero points, A and B of one shape, act none or Relu.
// It runs the very arithmetic of those nodes (linear_quant.h: add_quantized_8bit), so it equals
// the unfused graph bit for bit while reading two 8-bit tensors and writing one instead of
// passing floats through memory five times.
#include <algorithm>
#include <cmath>

#include "ops/quant/linear_quant.h"
#include "ops/quant/quant_util.h"
#include "ops/quant/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class QLinearAdd final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    auto act = info.attr_string("activation", "none");
    if (!act.ok()) return act.status();
    relu_ = act->compare("Relu") == 0;
    if (!relu_ && act->compare("none") != 0) {
      return info.error(StatusCode::kInvalidArgument, "activation must be Relu or absent, got '",
                        *act, "'");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(3));
    quant::QuantParams8 pa, pb, py;
    ONYX_RETURN_IF_ERROR(params(ctx, 1, 2, pa));
    ONYX_RETURN_IF_ERROR(params(ctx, 4, 5, pb));
    ONYX_RETURN_IF_ERROR(params(ctx, 6, 7, py));
    if (a->dtype() != (pa.is_signed ? DataType::kInt8 : DataType::kUInt8) ||
        b->dtype() != (pb.is_signed ? DataType::kInt8 : DataType::kUInt8)) {
      return ctx.invalid_argument("A and B must have their zero points' types");
    }
    if (a->shape() != b->shape()) {
      return ctx.invalid_argument("A and B must have one shape, got ", shape_to_string(a->shape()),
                                  " and ", shape_to_string(b->shape()));
    }
    if (!(py.scale > 0.f) || !std::isfinite(py.scale)) {
      return ctx.invalid_argument("y_scale must be positive and finite, got ", py.scale);
    }
    Tensor& y = ctx.allocate_output(0, py.is_signed ? DataType::kInt8 : DataType::kUInt8,
                                    a->shape());
    quant::add_quantized_8bit(a->raw_data(), pa, b->raw_data(), pb, a->numel(), relu_,
                              y.raw_data(), py, ctx.pool());
    return Status::OK();
  }

 private:
  static Status params(KernelContext& ctx, size_t scale_at, size_t zp_at, quant::QuantParams8& p) {
    ONYX_ASSIGN_OR_RETURN(const Tensor* s, ctx.required_input(scale_at));
    ONYX_ASSIGN_OR_RETURN(const Tensor* z, ctx.required_input(zp_at));
    if (s->dtype() != DataType::kFloat || s->numel() != 1 || z->numel() != 1 ||
        (z->dtype() != DataType::kUInt8 && z->dtype() != DataType::kInt8)) {
      return ctx.invalid_argument("scales must be float scalars and zero points 8-bit scalars");
    }
    p.scale = s->data<float>()[0];
    p.is_signed = z->dtype() == DataType::kInt8;
    p.zero_point = p.is_signed ? z->data<int8_t>()[0] : z->data<uint8_t>()[0];
    return Status::OK();
  }

  bool relu_ = false;
};

}  // namespace

void register_qlinear_add(KernelRegistry& r) {
  r.add(KernelDef{"onyx", "QLinearAdd", 1, 1, {DataType::kUInt8, DataType::kInt8}, 0,
                  kernel_factory<QLinearAdd>()});
}

}  // namespace onyx
