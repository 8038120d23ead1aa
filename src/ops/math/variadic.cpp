// Min, Max, Sum, Mean: variadic elementwise ops with broadcasting over all inputs.
#include <cmath>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

// NaN propagates as in numpy.minimum/maximum.
struct MinOp {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return b < a ? b : a;
  }
};
struct MaxOp {
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return a < b ? b : a;
  }
};
struct SumOp {
  template <typename C>
  C operator()(C a, C b) const {
    return wrap_add(a, b);
  }
};

// Folds Op over the inputs into the output: out = in0 broadcast, then out = Op(out, in_k).
// kMean divides by the input count at the end.
template <typename Op, typename Types, bool kMean = false>
class VariadicKernel final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    if (ctx.num_inputs() == 0) return ctx.invalid_argument("needs at least one input");
    std::vector<const Tensor*> in;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* t, ctx.required_input(i));
      if (t->dtype() != ctx.input(0)->dtype()) {
        return ctx.invalid_argument("input ", i, " has element type ", data_type_name(t->dtype()),
                                    ", input 0 has ", data_type_name(ctx.input(0)->dtype()));
      }
      in.push_back(t);
      shapes.push_back(t->shape());
    }
    auto all = plan_broadcast(shapes);
    if (!all.ok()) return node_error(ctx, all.status());
    const Shape out_shape = all->out_shape;
    return dispatch<Types>(in[0]->dtype(), [&]<typename T>() -> Status {
      Tensor& y = ctx.allocate_output(0, in[0]->dtype(), out_shape);
      T* out = y.data<T>();
      const Op op;
      auto f = [&op](const T& u, const T& v) { return store<T>(op(load(u), load(v))); };
      if (in.size() == 1) {
        auto p = plan_broadcast({out_shape, in[0]->shape()});
        if (!p.ok()) return node_error(ctx, p.status());
        binary_loop(ctx.pool(), *p, in[0]->data<T>(), in[0]->data<T>(), out,
                    [](const T& u, const T&) { return u; });
      } else {
        // First pair straight into the output, then accumulate in place.
        auto p = plan_broadcast({in[0]->shape(), in[1]->shape()});
        if (!p.ok()) return node_error(ctx, p.status());
        if (p->out_shape == out_shape) {
          binary_loop(ctx.pool(), *p, in[0]->data<T>(), in[1]->data<T>(), out, f);
        } else {
          // in0 op in1 is smaller than the output: broadcast in0 first, then fold in1.
          auto p0 = plan_broadcast({out_shape, in[0]->shape()});
          if (!p0.ok()) return node_error(ctx, p0.status());
          binary_loop(ctx.pool(), *p0, out, in[0]->data<T>(), out,
                      [](const T&, const T& v) { return v; });
          auto p1 = plan_broadcast({out_shape, in[1]->shape()});
          if (!p1.ok()) return node_error(ctx, p1.status());
          binary_loop(ctx.pool(), *p1, out, in[1]->data<T>(), out, f);
        }
        for (size_t k = 2; k < in.size(); ++k) {
          auto pk = plan_broadcast({out_shape, in[k]->shape()});
          if (!pk.ok()) return node_error(ctx, pk.status());
          binary_loop(ctx.pool(), *pk, out, in[k]->data<T>(), out, f);
        }
      }
      if constexpr (kMean) {
        using C = compute_t<T>;
        const C n = static_cast<C>(in.size());
        unary_loop(ctx.pool(), out, out, y.numel(),
                   [n](const T& v) { return store<T>(load(v) / n); });
      }
      return Status::OK();
    });
  }
};

}  // namespace

void register_variadic(KernelRegistry& r) {
  // Integer types since opset 12 (Min/Max); Sum/Mean are float-only in every version.
  r.add_versions<VariadicKernel<MinOp, NumericTypes>, NumericTypes>("", "Min", {1, 6, 8, 12, 13});
  r.add_versions<VariadicKernel<MaxOp, NumericTypes>, NumericTypes>("", "Max", {1, 6, 8, 12, 13});
  r.add_versions<VariadicKernel<SumOp, FloatTypes>, FloatTypes>("", "Sum", {1, 6, 8, 13});
  r.add_versions<VariadicKernel<SumOp, FloatTypes, true>, FloatTypes>("", "Mean", {1, 6, 8, 13});
}

}  // namespace onyx::math
