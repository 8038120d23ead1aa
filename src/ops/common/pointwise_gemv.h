// A 1x1 convolution over a 1x1 image is a matrix-vector product per batch row:
//   y[n, m] = act(sum_c W[m, c] x[n, c] + b[m] (+ y[n, m] with a residual sum))
// Squeeze-and-excitation blocks (EfficientNet, MobileNetV3) run two of these after every global
// pooling, on vectors of a few hundred channels, where a library primitive's fixed cost per call
// (10-30 us) is most of the time. In NCHW and in the blocked NCHWc layout alike, such a tensor is
// a plain [N, C] matrix, so one kernel serves both. FusedMatMul uses it too, for a single row
// against constant weights (a batch-1 classifier head).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "ops/common/activation.h"

namespace onyx {

class PointwiseGemv {
 public:
  // w: [M, C] row-major (a 1x1 convolution's weights); b: [M] or null.
  PointwiseGemv(const float* w, const float* b, int64_t M, int64_t C);

  // x: [N, C]; y: [N, M], holding the residual when `sum`.
  void run(const float* x, float* y, int64_t N, bool sum, const ActivationSpec& act,
           const ThreadPool* pool) const;

  int64_t rows() const { return M_; }
  int64_t cols() const { return C_; }

 private:
  int64_t M_, C_;
  // W transposed in panels of kPanel outputs: panel p holds W[p*kPanel + j, c] at
  // [p][c][j], zero past M, so each panel streams contiguously. In huge pages
  // (core/huge_pages.h), as the other packed weights.
  std::shared_ptr<void> panels_;
  std::vector<float> bias_;  // padded to whole panels
};

// Whether `act` has a vectorized form in PointwiseGemv (others fall back to a scalar pass).
bool pointwise_gemv_vectorizes(const ActivationSpec& act);

}  // namespace onyx
