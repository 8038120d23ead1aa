// Unary math: Neg Abs Sqrt Exp Log Reciprocal Floor Ceil Round Sign Erf, the trigonometric and
// hyperbolic functions, IsNaN and IsInf.
#include <cmath>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

// A functor from a plain function of the compute type (floating types only).
#define ONYX_FLOAT_UNARY(NAME, EXPR)  \
  struct NAME : NoAttrs {             \
    template <typename C>             \
    C operator()(C x) const {         \
      return static_cast<C>(EXPR);    \
    }                                 \
  };

// The same, with a oneDNN equivalent for large float tensors.
#define ONYX_FLOAT_UNARY_DNNL(NAME, EXPR, ELTWISE)                                     \
  struct NAME : NoAttrs {                                                              \
    template <typename C>                                                              \
    C operator()(C x) const {                                                          \
      return static_cast<C>(EXPR);                                                     \
    }                                                                                  \
    std::optional<DnnlEltwiseCall> dnnl() const { return DnnlEltwiseCall{ELTWISE}; } \
  };

ONYX_FLOAT_UNARY_DNNL(SqrtOp, std::sqrt(x), dnnl_ops::Eltwise::kSqrt)
ONYX_FLOAT_UNARY_DNNL(ExpOp, std::exp(x), dnnl_ops::Eltwise::kExp)
ONYX_FLOAT_UNARY_DNNL(LogOp, std::log(x), dnnl_ops::Eltwise::kLog)
#undef ONYX_FLOAT_UNARY_DNNL
ONYX_FLOAT_UNARY(ReciprocalOp, C(1) / x)
ONYX_FLOAT_UNARY(FloorOp, std::floor(x))
ONYX_FLOAT_UNARY(CeilOp, std::ceil(x))
ONYX_FLOAT_UNARY(RoundOp, std::nearbyint(x))  // half to even (default rounding mode)
ONYX_FLOAT_UNARY(SinOp, std::sin(x))
ONYX_FLOAT_UNARY(CosOp, std::cos(x))
ONYX_FLOAT_UNARY(TanOp, std::tan(x))
ONYX_FLOAT_UNARY(AsinOp, std::asin(x))
ONYX_FLOAT_UNARY(AcosOp, std::acos(x))
ONYX_FLOAT_UNARY(AtanOp, std::atan(x))
ONYX_FLOAT_UNARY(SinhOp, std::sinh(x))
ONYX_FLOAT_UNARY(CoshOp, std::cosh(x))
ONYX_FLOAT_UNARY(AsinhOp, std::asinh(x))
ONYX_FLOAT_UNARY(AcoshOp, std::acosh(x))
ONYX_FLOAT_UNARY(AtanhOp, std::atanh(x))
#undef ONYX_FLOAT_UNARY

struct NegOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return wrap_neg(x);
  }
};
struct AbsOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x;
    } else {
      return x < C(0) ? wrap_neg(x) : x;
    }
  }
};
struct SignOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_unsigned_v<C>) {
      return x > C(0) ? C(1) : C(0);
    } else {
      if (x != x) return x;  // NaN stays NaN
      return x > C(0) ? C(1) : (x < C(0) ? C(-1) : C(0));
    }
  }
};
// Erf also accepts integer tensors: compute in double and truncate.
struct ErfOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    if constexpr (std::is_integral_v<C>) {
      return static_cast<C>(std::erf(static_cast<double>(x)));
    } else {
      return std::erf(x);
    }
  }
};

struct IsNaNOp : NoAttrs {
  template <typename C>
  bool operator()(C x) const {
    return std::isnan(x);
  }
};
struct IsInfOp {
  bool negative = true;
  bool positive = true;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(const int64_t n, info.attr_int("detect_negative", 1));
    ONYX_ASSIGN_OR_RETURN(const int64_t p, info.attr_int("detect_positive", 1));
    negative = n != 0;
    positive = p != 0;
    return Status::OK();
  }
  template <typename C>
  bool operator()(C x) const {
    return std::isinf(x) && (x > 0 ? positive : negative);
  }
};

}  // namespace

void register_unary(KernelRegistry& r) {
  r.add_versions<UnaryKernel<NegOp, SignedNumericTypes>, SignedNumericTypes>("", "Neg",
                                                                             {1, 6, 13});
  r.add_versions<UnaryKernel<AbsOp, NumericTypes>, NumericTypes>("", "Abs", {1, 6, 13});
  r.add_versions<UnaryKernel<SignOp, NumericTypes>, NumericTypes>("", "Sign", {9, 13});
  r.add_versions<UnaryKernel<ErfOp, NumericTypes>, NumericTypes>("", "Erf", {9, 13});
  r.add_versions<UnaryKernel<SqrtOp, FloatTypes>, FloatTypes>("", "Sqrt", {1, 6, 13});
  r.add_versions<UnaryKernel<ExpOp, FloatTypes>, FloatTypes>("", "Exp", {1, 6, 13});
  r.add_versions<UnaryKernel<LogOp, FloatTypes>, FloatTypes>("", "Log", {1, 6, 13});
  r.add_versions<UnaryKernel<ReciprocalOp, FloatTypes>, FloatTypes>("", "Reciprocal",
                                                                    {1, 6, 13});
  r.add_versions<UnaryKernel<FloorOp, FloatTypes>, FloatTypes>("", "Floor", {1, 6, 13});
  r.add_versions<UnaryKernel<CeilOp, FloatTypes>, FloatTypes>("", "Ceil", {1, 6, 13});
  r.add_versions<UnaryKernel<RoundOp, FloatTypes>, FloatTypes>("", "Round", {11, 22});
  r.add_versions<UnaryKernel<SinOp, FloatTypes>, FloatTypes>("", "Sin", {7, 22});
  r.add_versions<UnaryKernel<CosOp, FloatTypes>, FloatTypes>("", "Cos", {7, 22});
  r.add_versions<UnaryKernel<TanOp, FloatTypes>, FloatTypes>("", "Tan", {7, 22});
  r.add_versions<UnaryKernel<AsinOp, FloatTypes>, FloatTypes>("", "Asin", {7, 22});
  r.add_versions<UnaryKernel<AcosOp, FloatTypes>, FloatTypes>("", "Acos", {7, 22});
  r.add_versions<UnaryKernel<AtanOp, FloatTypes>, FloatTypes>("", "Atan", {7, 22});
  r.add_versions<UnaryKernel<SinhOp, FloatTypes>, FloatTypes>("", "Sinh", {9, 22});
  r.add_versions<UnaryKernel<CoshOp, FloatTypes>, FloatTypes>("", "Cosh", {9, 22});
  r.add_versions<UnaryKernel<AsinhOp, FloatTypes>, FloatTypes>("", "Asinh", {9, 22});
  r.add_versions<UnaryKernel<AcoshOp, FloatTypes>, FloatTypes>("", "Acosh", {9, 22});
  r.add_versions<UnaryKernel<AtanhOp, FloatTypes>, FloatTypes>("", "Atanh", {9, 22});
  r.add_versions<UnaryPredicateKernel<IsNaNOp, FloatTypes>, FloatTypes>("", "IsNaN",
                                                                        {9, 13, 20});
  r.add_versions<UnaryPredicateKernel<IsInfOp, FloatTypes>, FloatTypes>("", "IsInf", {10, 20});
}

}  // namespace onyx::math
