// Activation functions: Relu LeakyRelu Elu Selu Celu Gelu Sigmoid HardSigmoid HardSwish Tanh
// Softplus Softsign Mish Swish ThresholdedRelu Shrink, and PRelu (binary: slope broadcasts).
#include <cmath>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

// Numerically stable logistic function.
template <typename C>
inline C sigmoid(C x) {
  if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
  const C e = std::exp(x);
  return e / (C(1) + e);
}
// log(1 + e^x) without overflow.
template <typename C>
inline C softplus(C x) {
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

struct ReluOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? C(0) : x;  // NaN passes through
  }
};
struct TanhOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return std::tanh(x);
  }
  std::optional<DnnlEltwiseCall> dnnl() const { return DnnlEltwiseCall{dnnl_ops::Eltwise::kTanh}; }
};
struct SigmoidOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return sigmoid(x);
  }
  std::optional<DnnlEltwiseCall> dnnl() const { return DnnlEltwiseCall{dnnl_ops::Eltwise::kLogistic}; }
};
struct SoftplusOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return softplus(x);
  }
  // No oneDNN path: its soft_relu loses relative accuracy for very negative x (log(1 + e^x)).
};
struct SoftsignOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return x / (C(1) + std::abs(x));
  }
};
struct MishOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return x * std::tanh(softplus(x));
  }
  std::optional<DnnlEltwiseCall> dnnl() const { return DnnlEltwiseCall{dnnl_ops::Eltwise::kMish}; }
};
struct HardSwishOp : NoAttrs {
  template <typename C>
  C operator()(C x) const {
    return x * std::max(C(0), std::min(C(1), x / C(6) + C(0.5)));
  }
};

// Functors with float attributes alpha (and beta/gamma/...).
struct LeakyReluOp {
  float alpha = 0.01f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 0.01f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? static_cast<C>(alpha) * x : x;
  }
};
struct EluOp {
  float alpha = 1.0f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 1.0f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    return x < C(0) ? static_cast<C>(alpha) * std::expm1(x) : x;
  }
  std::optional<DnnlEltwiseCall> dnnl() const { return DnnlEltwiseCall{dnnl_ops::Eltwise::kElu, alpha}; }
};
struct SeluOp {
  float alpha = 1.67326319217681884765625f;
  float gamma = 1.05070102214813232421875f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", alpha));
    ONYX_ASSIGN_OR_RETURN(gamma, info.attr_float("gamma", gamma));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha), g = static_cast<C>(gamma);
    return x <= C(0) ? g * (a * std::exp(x) - a) : g * x;
  }
};
struct CeluOp {
  float alpha = 1.0f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 1.0f));
    if (alpha == 0.0f) return info.error(StatusCode::kInvalidArgument, "alpha must not be 0");
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha);
    return std::max(C(0), x) + std::min(C(0), a * std::expm1(x / a));
  }
};
struct GeluOp {
  bool tanh_approx = false;
  Status init(const KernelInfo& info) {
    // (Result<std::string> by reference: GCC 12 warns falsely on the moved-out string.)
    const auto r = info.attr_string("approximate", "none");
    if (!r.ok()) return r.status();
    const std::string& a = *r;
    if (a != "none" && a != "tanh") {
      return info.error(StatusCode::kInvalidArgument, "approximate must be 'none' or 'tanh', got '",
                        a, "'");
    }
    tanh_approx = a == "tanh";
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    if (tanh_approx) {
      const C k = static_cast<C>(0.7978845608028654);  // sqrt(2/pi)
      return C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x)));
    }
    return C(0.5) * x * (C(1) + std::erf(x * static_cast<C>(0.7071067811865476)));
  }
  std::optional<DnnlEltwiseCall> dnnl() const {
    return DnnlEltwiseCall{tanh_approx ? dnnl_ops::Eltwise::kGeluTanh : dnnl_ops::Eltwise::kGeluErf};
  }
};
struct HardSigmoidOp {
  float alpha = 0.2f;
  float beta = 0.5f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 0.2f));
    ONYX_ASSIGN_OR_RETURN(beta, info.attr_float("beta", 0.5f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    return std::max(C(0), std::min(C(1), static_cast<C>(alpha) * x + static_cast<C>(beta)));
  }
};
struct ThresholdedReluOp {
  float alpha = 1.0f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 1.0f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    return x > static_cast<C>(alpha) ? x : C(0);
  }
};
struct SwishOp {
  float alpha = 1.0f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(alpha, info.attr_float("alpha", 1.0f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    return x * sigmoid(static_cast<C>(alpha) * x);
  }
};
// Shrink also takes integers: compute in double, convert back.
struct ShrinkOp {
  float bias = 0.0f;
  float lambd = 0.5f;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(bias, info.attr_float("bias", 0.0f));
    ONYX_ASSIGN_OR_RETURN(lambd, info.attr_float("lambd", 0.5f));
    return Status::OK();
  }
  template <typename C>
  C operator()(C x) const {
    const double v = static_cast<double>(x);
    const double r = v < -lambd ? v + bias : (v > lambd ? v - bias : 0.0);
    return static_cast<C>(r);
  }
};

// PRelu: Y = X < 0 ? slope * X : X, slope broadcasting to X.
struct PReluOp : NoAttrs {
  static constexpr bool kBool = false;
  static constexpr bool kDivides = false;
  static constexpr bool kChannelSlope = true;
  template <typename C>
  C operator()(C x, C slope) const {
    if constexpr (std::is_unsigned_v<C>) {
      (void)slope;
      return x;
    } else {
      return x < C(0) ? wrap_mul(slope, x) : x;
    }
  }
};

using PReluTypes = TypeList<float, double, float16, bfloat16, int32_t, int64_t, uint32_t, uint64_t>;

}  // namespace

void register_activations(KernelRegistry& r) {
  // Relu on integers since opset 14; NaN must pass through for floats.
  r.add_versions<UnaryKernel<ReluOp, SignedNumericTypes>, SignedNumericTypes>(
      "", "Relu", {1, 6, 13, 14});
  r.add_versions<UnaryKernel<TanhOp, FloatTypes>, FloatTypes>("", "Tanh", {1, 6, 13});
  r.add_versions<UnaryKernel<SigmoidOp, FloatTypes>, FloatTypes>("", "Sigmoid", {1, 6, 13});
  r.add_versions<UnaryKernel<LeakyReluOp, FloatTypes>, FloatTypes>("", "LeakyRelu", {1, 6, 16});
  r.add_versions<UnaryKernel<EluOp, FloatTypes>, FloatTypes>("", "Elu", {1, 6, 22});
  r.add_versions<UnaryKernel<SeluOp, FloatTypes>, FloatTypes>("", "Selu", {1, 6, 22});
  r.add_versions<UnaryKernel<CeluOp, FloatTypes>, FloatTypes>("", "Celu", {12});
  r.add_versions<UnaryKernel<GeluOp, FloatTypes>, FloatTypes>("", "Gelu", {20});
  // The optimizer's fused GELU for models older than opset 20 (docs/fused-ops.md).
  r.add<UnaryKernel<GeluOp, FloatTypes>, FloatTypes>("onyx", "Gelu", 1, 1);
  r.add_versions<UnaryKernel<HardSigmoidOp, FloatTypes>, FloatTypes>("", "HardSigmoid",
                                                                     {1, 6, 22});
  r.add_versions<UnaryKernel<HardSwishOp, FloatTypes>, FloatTypes>("", "HardSwish", {14, 22});
  r.add_versions<UnaryKernel<SoftplusOp, FloatTypes>, FloatTypes>("", "Softplus", {1, 22});
  r.add_versions<UnaryKernel<SoftsignOp, FloatTypes>, FloatTypes>("", "Softsign", {1, 22});
  r.add_versions<UnaryKernel<MishOp, FloatTypes>, FloatTypes>("", "Mish", {18, 22});
  r.add_versions<UnaryKernel<SwishOp, FloatTypes>, FloatTypes>("", "Swish", {24});
  r.add_versions<UnaryKernel<ThresholdedReluOp, FloatTypes>, FloatTypes>(
      "", "ThresholdedRelu", {10, 22});
  r.add_versions<UnaryKernel<ShrinkOp, NumericTypes>, NumericTypes>("", "Shrink", {9});
  r.add_versions<BinaryKernel<PReluOp, PReluTypes>, PReluTypes>("", "PRelu", {1, 6, 7, 9, 16});
}

}  // namespace onyx::math
