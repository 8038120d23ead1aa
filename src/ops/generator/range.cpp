// Range: start, start + delta, ... up to (excluding) limit.
#include <cmath>

#include "ops/generator/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_double;

class Range final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* start, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* limit, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* delta, ctx.required_input(2));
    const DataType dt = start->dtype();
    if (limit->dtype() != dt || delta->dtype() != dt) {
      return ctx.invalid_argument("start, limit and delta must have the same type");
    }
    for (const Tensor* t : {start, limit, delta}) {
      if (t->numel() != 1) {
        return ctx.invalid_argument("start, limit and delta must be scalars, got shape ",
                                    shape_to_string(t->shape()));
      }
    }
    return dispatch<SignedNumericTypes>(dt, [&]<typename T>() -> Status {
      using C = compute_t<T>;
      const C s = static_cast<C>(start->data<T>()[0]);
      const C l = static_cast<C>(limit->data<T>()[0]);
      const C d = static_cast<C>(delta->data<T>()[0]);
      if (d == C(0)) return ctx.invalid_argument("delta must not be zero");
      int64_t n = 0;
      if constexpr (std::is_integral_v<C>) {
        // Exact ceil((l - s) / d) in 128-bit arithmetic: no overflow, no rounding.
        const __int128 diff = static_cast<__int128>(l) - static_cast<__int128>(s);
        const __int128 dd = d;
        __int128 q = diff / dd;
        if (q * dd != diff && ((diff > 0) == (dd > 0))) ++q;
        if (q > (__int128{1} << 62)) return ctx.invalid_argument("range is too long");
        n = q > 0 ? static_cast<int64_t>(q) : 0;
      } else {
        const double q = std::ceil((static_cast<double>(l) - static_cast<double>(s)) /
                                   static_cast<double>(d));
        if (std::isnan(q)) return ctx.invalid_argument("start, limit and delta must not be NaN");
        if (q > 4.0e18) return ctx.invalid_argument("range is too long");
        n = q > 0 ? static_cast<int64_t>(q) : 0;
      }
      Tensor& out = ctx.allocate_output(0, dt, {n});
      T* o = out.data<T>();
      // start + i * delta (not repeated addition) so errors do not accumulate.
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(s + static_cast<C>(i) * d);
      return Status::OK();
    });
  }
};

}  // namespace

void register_range(KernelRegistry& r) {
  r.add_versions<Range, SignedNumericTypes>("", "Range", {11});
}

}  // namespace onyx
