// The fused activations in SIMD registers, for kernels that apply them as they store their
// results (ops/common/pointwise_gemv.cpp, ops/nn/blocked_pointwise.cpp). For simd::with_widest_simd
// bodies and functions compiled for one ISA: everything here is inlined into them.
#pragma once

#include "ops/common/activation.h"
#include "ops/common/simd_dispatch.h"
#include "ops/common/simd_math.h"

namespace onyx::simd {

// The activations activate() computes; the others need a scalar pass (apply_activation).
inline bool activates_in_registers(const ActivationSpec& act) {
  switch (act.kind) {
    case Activation::kNone:
    case Activation::kRelu:
    case Activation::kLeakyRelu:
    case Activation::kClip:
    case Activation::kHardSigmoid:
    case Activation::kHardSwish:
    case Activation::kSigmoid:
    case Activation::kSwish:
      return true;
    default:
      return false;
  }
}

// `a` on each lane of v; v itself for kNone and the kinds activates_in_registers rejects.
template <int64_t B>
ONYX_SIMD_BODY inline floatv<B> activate(const ActivationSpec& a, floatv<B> v) {
  using V = floatv<B>;
  const V zero{};
  switch (a.kind) {
    case Activation::kRelu:
      return v > zero ? v : zero;
    case Activation::kLeakyRelu:
      return v >= zero ? v : v * a.alpha;
    case Activation::kClip: {
      const V lo = broadcast<B>(a.alpha), hi = broadcast<B>(a.beta);
      const V c = v < lo ? lo : v;
      return c > hi ? hi : c;
    }
    case Activation::kHardSigmoid: {
      const V t = v * a.alpha + a.beta;
      const V one = broadcast<B>(1.f);
      const V c = t < zero ? zero : t;
      return c > one ? one : c;
    }
    case Activation::kHardSwish: {
      const V t = v * (1.f / 6.f) + 0.5f;
      const V one = broadcast<B>(1.f);
      const V c = t < zero ? zero : t;
      return v * (c > one ? one : c);
    }
    case Activation::kSigmoid:
      return sigmoid<B>(v);
    case Activation::kSwish:
      return swish<B>(v);
    default:
      return v;
  }
}

}  // namespace onyx::simd
