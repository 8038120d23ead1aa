// A 1x1, ungrouped convolution between NCHW16c tensors of one small image, AVX-512: the layout
// pass's 1x1 convolutions with an output of up to 14 x 14 (the last stages of ResNet,
// EfficientNet, MobileNet, DenseNet at batch 1; strided ones on gathered pixels), and KxK ones
// with an output of up to 7 x 7 on their windows' pixels gathered tap by tap (C = taps x
// channels: ResNet's 3x3 layers of 512 channels). The convolution layer (conv.cpp) gathers.
//
// On such an image a convolution is a matrix product with few rows (the pixels) whose weights
// are read once per call, cold from memory inside a model. This kernel walks the weights in
// panels of 32 outputs, each a contiguous [C][32] block that stays in L2 while every pixel tile
// of the image uses it, and prefetches the next panel during the current one's tiles, so that
// the memory stream overlaps the arithmetic; oneDNN's 1x1 kernel waits for it instead. With the
// panels in huge pages (without them the prefetches are spent on page walks), one thread, batch
// 1: EfficientNet-B0 -6.2%, ResNet-50 -2.8% (docs/performance.md, "Small-image pointwise
// convolutions").
//
//   y[m, p] = act(sum_c W[m, c] x[c, p] + b[m] (+ y[m, p] with a residual sum))
#pragma once

#include <cstdint>
#include <memory>

#include "core/thread_pool.h"
#include "ops/common/activation.h"

namespace onyx::nn {

class BlockedPointwiseConv {
 public:
  // Pixels up to which the convolution layer uses this kernel (14 x 14), measured against
  // oneDNN's (up to 28 x 28: no gain on ResNet-50, MobileNetV2, EfficientNet-B0); batch 1 only
  // (at batch 8 oneDNN's blocking wins: ResNet-50 437 -> 460 ms).
  static constexpr int64_t kMaxPixels = 196;

  // The CPU runs the kernel (AVX-512) and `act` is applied in its registers.
  static bool usable(const ActivationSpec& act);

  // w: [M, C] (a 1x1 convolution's weights), b: [M] or null; M and C multiples of 16.
  BlockedPointwiseConv(const float* w, const float* b, int64_t M, int64_t C);

  // x: [C/16, P, 16]; y: [M/16, P, 16], holding the residual when `sum`.
  void run(const float* x, float* y, int64_t P, bool sum, const ActivationSpec& act,
           const ThreadPool* pool) const;

  // The weights back as [M, C].
  void unpack(float* w) const;

 private:
  int64_t M_, C_;
  // Panel p holds W[32 p + j, c] at [p * C * 32 + c * width + j], width 32 (16 for a last
  // panel of 16 outputs). In huge pages (core/huge_pages.h).
  std::shared_ptr<void> panels_;
  std::shared_ptr<void> bias_;  // M values, zero without a bias
};

}  // namespace onyx::nn
