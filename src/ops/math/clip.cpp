// Clip: min/max attributes before opset 11, optional scalar inputs since.
#include <limits>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

class ClipKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    from_attrs_ = info.opset() < 11;
    if (from_attrs_) {
      ONYX_ASSIGN_OR_RETURN(min_attr_, info.attr_float("min", -std::numeric_limits<float>::max()));
      ONYX_ASSIGN_OR_RETURN(max_attr_, info.attr_float("max", std::numeric_limits<float>::max()));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const Tensor* lo = from_attrs_ ? nullptr : ctx.input(1);
    const Tensor* hi = from_attrs_ ? nullptr : ctx.input(2);
    for (const Tensor* t : {lo, hi}) {
      if (t == nullptr) continue;
      if (t->dtype() != x->dtype()) {
        return ctx.invalid_argument("min/max have element type ", data_type_name(t->dtype()),
                                    ", input has ", data_type_name(x->dtype()));
      }
      // The spec asks for scalars; a 1-element tensor is accepted (exporters emit [1]).
      if (t->numel() != 1) {
        return ctx.invalid_argument("min/max must be scalars, got shape ",
                                    shape_to_string(t->shape()));
      }
    }
    return dispatch<NumericTypes>(x->dtype(), [&]<typename T>() -> Status {
      using C = compute_t<T>;
      C lo_v, hi_v;
      if (from_attrs_) {
        lo_v = static_cast<C>(min_attr_);
        hi_v = static_cast<C>(max_attr_);
      } else {
        lo_v = lo ? load(*lo->data<T>()) : std::numeric_limits<C>::lowest();
        hi_v = hi ? load(*hi->data<T>()) : std::numeric_limits<C>::max();
      }
      Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
      // min(max(x, lo), hi): when lo > hi every element becomes hi, as the spec says.
      unary_loop(ctx.pool(), x->data<T>(), y.data<T>(), x->numel(), [lo_v, hi_v](const T& v) {
        C c = load(v);
        c = c < lo_v ? lo_v : c;
        c = c > hi_v ? hi_v : c;
        return store<T>(c);
      });
      return Status::OK();
    });
  }

 private:
  bool from_attrs_ = false;
  float min_attr_ = 0;
  float max_attr_ = 0;
};

}  // namespace

void register_clip(KernelRegistry& r) {
  r.add_versions<ClipKernel, NumericTypes>("", "Clip", {1, 6, 11, 12, 13});
}

}  // namespace onyx::math
