// Pow: base of type T, exponent of type T1 (equal before opset 12, any numeric since), output T.
#include <cmath>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

// Integer power by squaring with wrap-around; negative exponents give 1/base^-e truncated.
template <typename B>
B int_pow(B base, int64_t e) {
  if (e < 0) {
    if (base == B(1)) return B(1);
    if constexpr (std::is_signed_v<B>) {
      if (base == B(-1)) return (e % 2 == 0) ? B(1) : B(-1);
    }
    return B(0);  // |1/base^-e| < 1 truncates to 0 (base 0: undefined, choose 0)
  }
  B result = 1;
  while (e > 0) {
    if (e & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    e >>= 1;
  }
  return result;
}

// Converts a double to an integer type without UB for out-of-range values.
template <typename I>
I saturate_to(double v) {
  if (std::isnan(v)) return I(0);
  if (v <= static_cast<double>(std::numeric_limits<I>::lowest())) return std::numeric_limits<I>::lowest();
  if (v >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(v);
}

template <typename T, typename E>
T pow_one(const T& x, const E& y) {
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_integral_v<E>) {
      if constexpr (std::is_unsigned_v<E>) {
        const uint64_t e = static_cast<uint64_t>(y);
        return int_pow<T>(x, e > uint64_t{1} << 62 ? int64_t{1} << 62 : static_cast<int64_t>(e));
      } else {
        return int_pow<T>(x, static_cast<int64_t>(y));
      }
    } else {
      return saturate_to<T>(std::pow(static_cast<double>(x), static_cast<double>(y)));
    }
  } else {
    using C = compute_t<T>;
    // pow(float, int) promotes to double in C++: compute in C explicitly.
    return store<T>(static_cast<C>(std::pow(load(x), static_cast<C>(load(y)))));
  }
}

class PowKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override { return legacy_.init(info); }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    auto plan = legacy_.plan(a->shape(), b->shape());
    if (!plan.ok()) return node_error(ctx, plan.status());
    return dispatch<NumericTypes>(a->dtype(), [&]<typename T>() -> Status {
      return dispatch<NumericTypes>(b->dtype(), [&]<typename E>() -> Status {
        Tensor& y = ctx.allocate_output(0, a->dtype(), plan->out_shape);
        if constexpr (std::is_same_v<T, float> && std::is_same_v<E, float>) {
          // Fast path for the exponent models use most (x^2 in hand-written norms).
          if (b->numel() == 1 && *b->data<float>() == 2.0f && plan->out_shape == a->shape()) {
            unary_loop(ctx.pool(), a->data<float>(), y.data<float>(), a->numel(),
                       [](float v) { return v * v; });
            return Status::OK();
          }
        }
        binary_loop(ctx.pool(), *plan, a->data<T>(), b->data<E>(), y.data<T>(),
                    [](const T& u, const E& v) { return pow_one<T, E>(u, v); });
        return Status::OK();
      });
    });
  }

 private:
  LegacyBroadcast legacy_;
};

}  // namespace

void register_pow(KernelRegistry& r) {
  r.add_versions<PowKernel, NumericTypes>("", "Pow", {1, 7, 12, 13, 15});
}

}  // namespace onyx::math
