// CumSum and CumProd: a running sum or product along an axis (a scalar int32/int64 input);
// `exclusive` shifts by one (the first output is the identity), `reverse` runs from the end.
#include <type_traits>

#include "ops/common/axes.h"
#include "ops/generator/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_int;

struct SumOp {
  template <typename C>
  static C identity() { return C(0); }
  template <typename C>
  static C apply(C a, C b) { return static_cast<C>(a + b); }
};

struct ProductOp {
  template <typename C>
  static C identity() { return C(1); }
  template <typename C>
  static C apply(C a, C b) { return static_cast<C>(a * b); }
};

template <typename Op>
class Cumulative final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(exclusive_, info.attr_int("exclusive", 0));
    ONYX_ASSIGN_OR_RETURN(reverse_, info.attr_int("reverse", 0));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* axis_t, ctx.required_input(1));
    if (axis_t->rank() > 1) return ctx.invalid_argument("axis must be a scalar");
    auto axis_v = scalar_as_int(*axis_t, "axis");
    if (!axis_v.ok()) return ctx.invalid_argument(axis_v.status().message());
    const int64_t rank = static_cast<int64_t>(x->rank());
    // A scalar input is treated as 1-D (axis 0 or -1).
    auto axis_r = normalize_axis(*axis_v, rank == 0 ? 1 : rank);
    if (!axis_r.ok()) return ctx.invalid_argument(axis_r.status().message());
    const int64_t axis = *axis_r;
    int64_t outer = 1, inner = 1;
    const int64_t n = rank == 0 ? 1 : x->dim(static_cast<size_t>(axis));
    for (int64_t i = 0; i < axis; ++i) outer *= x->dim(static_cast<size_t>(i));
    for (int64_t i = axis + 1; i < rank; ++i) inner *= x->dim(static_cast<size_t>(i));
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    const bool exclusive = exclusive_ != 0, reverse = reverse_ != 0;
    return dispatch<NumericTypes>(x->dtype(), [&]<typename T>() {
      // 16-bit floats accumulate in float; integers in the unsigned type of their width, so
      // overflow wraps instead of being undefined behaviour.
      using C = typename std::conditional_t<std::is_integral_v<T>, std::make_unsigned<T>,
                                            std::type_identity<compute_t<T>>>::type;
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          C acc = Op::template identity<C>();
          for (int64_t jj = 0; jj < n; ++jj) {
            const int64_t j = reverse ? n - 1 - jj : jj;
            const int64_t at = (o * n + j) * inner + i;
            if (exclusive) out[at] = static_cast<T>(acc);
            acc = Op::apply(acc, static_cast<C>(in[at]));
            if (!exclusive) out[at] = static_cast<T>(acc);
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  int64_t exclusive_ = 0;
  int64_t reverse_ = 0;
};

}  // namespace

void register_cumulative(KernelRegistry& r) {
  r.add_versions<Cumulative<SumOp>, NumericTypes>("", "CumSum", {11, 14});
  r.add_versions<Cumulative<ProductOp>, NumericTypes>("", "CumProd", {26});
}

}  // namespace onyx
