// Where: Y = cond ? X : Y with three-way broadcasting; any element type.
#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

class WhereKernel final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* c, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* y, ctx.required_input(2));
    if (c->dtype() != DataType::kBool) {
      return ctx.invalid_argument("condition must be bool, got ", data_type_name(c->dtype()));
    }
    if (x->dtype() != y->dtype()) {
      return ctx.invalid_argument("X and Y have different element types (",
                                  data_type_name(x->dtype()), " and ",
                                  data_type_name(y->dtype()), ")");
    }
    auto plan = plan_broadcast({c->shape(), x->shape(), y->shape()});
    if (!plan.ok()) return node_error(ctx, plan.status());
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() -> Status {
      Tensor& out = ctx.allocate_output(0, x->dtype(), plan->out_shape);
      ternary_loop(ctx.pool(), *plan, c->data<bool>(), x->data<T>(), y->data<T>(), out.data<T>(),
                   [](bool cond, const T& a, const T& b) -> const T& { return cond ? a : b; });
      return Status::OK();
    });
  }
};

}  // namespace

void register_where(KernelRegistry& r) {
  // The kernel is chosen by X's type (input 1).
  r.add_versions<WhereKernel, AllTypes>("", "Where", {9, 16}, kMaxOnnxOpset, /*type_input=*/1);
}

}  // namespace onyx::math
