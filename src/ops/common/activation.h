// The activations fused kernels (onyx FusedConv / FusedGemm / FusedMatMul) apply to their
// result, as the optimizer names them in the `activation` attribute, with a reference
// implementation for the paths that cannot hand them to a library.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "ops/kernel.h"

namespace onyx {

enum class Activation {
  kNone,
  kRelu,
  kLeakyRelu,
  kClip,
  kSigmoid,
  kTanh,
  kHardSigmoid,
  kSwish,
  kHardSwish,  // x * clip(x / 6 + 1/2, 0, 1)
  kGelu,      // x * Phi(x), with erf
  kGeluTanh,  // the tanh approximation
};

struct ActivationSpec {
  Activation kind = Activation::kNone;
  float alpha = 0.f;  // LeakyRelu slope, Clip min, HardSigmoid alpha
  float beta = 0.f;   // Clip max, HardSigmoid beta
};

// "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "Swish" (x * sigmoid(x)),
// "HardSwish", "Gelu", "GeluTanh" with
// `params` as the optimizer writes them (activation_params); nullopt for an unknown name or a
// wrong parameter count.
std::optional<ActivationSpec> parse_activation(const std::string& name,
                                               const std::vector<float>& params);
const char* activation_name(Activation kind);

// True when apply_activation_vectorized runs `a` over n elements through oneDNN (the
// transcendental activations, on enough elements to be worth it).
bool dnnl_activation_applies(const ActivationSpec& a, int64_t n);
// In place over p[0, n); call only when dnnl_activation_applies.
void apply_activation_vectorized(const ActivationSpec& a, float* p, int64_t n,
                                 const ThreadPool* pool);

// The `activation` / `activation_params` attributes of a fused op (none when absent).
Result<ActivationSpec> read_activation_attrs(const KernelInfo& info);

inline float apply_activation(const ActivationSpec& a, float x) {
  switch (a.kind) {
    case Activation::kNone: return x;
    case Activation::kRelu: return x > 0.f ? x : 0.f;
    case Activation::kLeakyRelu: return x >= 0.f ? x : a.alpha * x;
    case Activation::kClip: return x < a.alpha ? a.alpha : (x > a.beta ? a.beta : x);
    case Activation::kSigmoid: return 1.f / (1.f + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kHardSigmoid: {
      const float v = a.alpha * x + a.beta;
      return v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
    }
    case Activation::kSwish: return x / (1.f + std::exp(-x));
    case Activation::kHardSwish: {
      const float v = x * (1.f / 6.f) + 0.5f;
      return x * (v < 0.f ? 0.f : (v > 1.f ? 1.f : v));
    }
    case Activation::kGelu: return 0.5f * x * (1.f + std::erf(x * 0.70710678118654752f));
    case Activation::kGeluTanh: {
      const float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.f + std::tanh(inner));
    }
  }
  return x;
}

inline void apply_activation(const ActivationSpec& a, float* p, int64_t n) {
  if (a.kind == Activation::kNone) return;
  for (int64_t i = 0; i < n; ++i) p[i] = apply_activation(a, p[i]);
}

}  // namespace onyx
