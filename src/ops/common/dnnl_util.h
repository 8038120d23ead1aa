// Pieces shared by the oneDNN-backed kernels (convolution, matmul): the per-thread run buffer
// for user-managed scratchpads, and our activations as oneDNN post-ops.
#pragma once

#include <dnnl.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ops/common/activation.h"
#include "ops/common/dnnl_eltwise.h"
#include "ops/common/simd_eltwise.h"

namespace onyx::dnnl_util {

// Per-thread scratch memory for primitive runs: the scratchpad and any reorder buffers. It only
// grows, so after the first run of the largest primitive no run allocates. (A run is never
// re-entered on one thread, so one buffer per thread suffices; primitives made with
// scratchpad_mode::user are then safe to run from several threads at once.)
class RunBuffer {
 public:
  static constexpr size_t kAlign = 64;
  // Three 64-byte-aligned regions of the given sizes, valid until the next call on this thread.
  static void get(size_t a, size_t b, size_t c, void** pa, void** pb, void** pc) {
    thread_local std::vector<unsigned char> storage;
    const size_t ra = round_up(a), rb = round_up(b), rc = round_up(c);
    const size_t need = ra + rb + rc + kAlign;
    if (storage.size() < need) {
      storage.clear();
      storage.shrink_to_fit();
      storage.resize(need);
    }
    auto base = reinterpret_cast<uintptr_t>(storage.data());
    base = (base + kAlign - 1) & ~(uintptr_t{kAlign} - 1);
    *pa = reinterpret_cast<void*>(base);
    *pb = reinterpret_cast<void*>(base + ra);
    *pc = reinterpret_cast<void*>(base + ra + rb);
  }

 private:
  static size_t round_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
};

// The activation a convolution should leave out of its post-ops and have applied afterwards by
// our own kernel (simd_eltwise.h), where that kernel beats oneDNN's on this CPU: the
// transcendental ones with f(0) = 0 (so a blocked layout's zero padding stays zero) that
// simd_eltwise has.
// EfficientNet-B0 on AMD Zen 4, 1 thread: 12.4 -> 11.4 ms. Not used for matmul epilogues:
// there the separate pass over the product costs what the faster kernel saves (ViT-S/16 and
// GPT-2, GELU: 89.9 vs 91.1 ms and 296 vs 297 ms).
inline std::optional<dnnl_ops::Eltwise> activation_after_primitive(const ActivationSpec& a) {
  std::optional<dnnl_ops::Eltwise> f;
  switch (a.kind) {
    case Activation::kSwish: f = dnnl_ops::Eltwise::kSwish; break;
    case Activation::kTanh: f = dnnl_ops::Eltwise::kTanh; break;
    case Activation::kGeluTanh: f = dnnl_ops::Eltwise::kGeluTanh; break;
    default: return std::nullopt;
  }
  if (!simd_eltwise::own_eltwise_preferred()) return std::nullopt;
  return f;
}

// Appends `a` to `po` as eltwise post-ops (nothing for kNone).
inline void append_activation(dnnl::post_ops& po, const ActivationSpec& a) {
  using dnnl::algorithm;
  switch (a.kind) {
    case Activation::kNone: return;
    case Activation::kRelu: po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); return;
    case Activation::kLeakyRelu:
      po.append_eltwise(1.f, algorithm::eltwise_relu, a.alpha, 0.f);
      return;
    case Activation::kClip:
      po.append_eltwise(1.f, algorithm::eltwise_clip_v2, a.alpha, a.beta);
      return;
    case Activation::kSigmoid: po.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); return;
    case Activation::kTanh: po.append_eltwise(1.f, algorithm::eltwise_tanh, 0.f, 0.f); return;
    case Activation::kHardSigmoid:
      // No hardsigmoid in oneDNN 2.6: clip(alpha * x + beta, 0, 1).
      po.append_eltwise(1.f, algorithm::eltwise_linear, a.alpha, a.beta);
      po.append_eltwise(1.f, algorithm::eltwise_clip_v2, 0.f, 1.f);
      return;
    case Activation::kSwish: po.append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f); return;
    // oneDNN 2.6's hardswish is x * relu6(x + 3) / 6, ONNX's HardSwish.
    case Activation::kHardSwish: po.append_eltwise(1.f, algorithm::eltwise_hardswish, 0.f, 0.f); return;
    case Activation::kGelu: po.append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f); return;
    case Activation::kGeluTanh:
      po.append_eltwise(1.f, algorithm::eltwise_gelu_tanh, 0.f, 0.f);
      return;
  }
}

}  // namespace onyx::dnnl_util
