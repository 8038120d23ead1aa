// Float convolution through oneDNN: one primitive per input shape, weights reordered ("packed")
// into the primitive's preferred blocked format once, bias and post-ops (an activation, and a
// residual sum for FusedConv) executed inside the primitive. Activations stay NCHW at the
// kernel's boundary unless the caller asks for the blocked NCHWc layout (nchwc.h) on either side
// (the optimizer's NchwcConv); oneDNN reorders internally whenever its chosen layout differs.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "ops/common/activation.h"
#include "ops/nn/geometry.h"

namespace onyx::nn {

// Memory layout of the activations at the kernel's boundary.
enum class ConvLayout { kPlain, kBlocked8, kBlocked16 };  // NCHW, nChw8c, nChw16c (nchwc.h)

struct ConvOptions {
  ConvLayout src_layout = ConvLayout::kPlain;
  ConvLayout dst_layout = ConvLayout::kPlain;
  bool allow_winograd = false;  // use it where oneDNN implements it
  // ... where its transformed weights take at most this many times the plain ones' bytes
  // (-1: any; Winograd takes 16/9 with the 2x2 tiles of one image, 4x with 4x4 tiles).
  int64_t max_winograd_ratio = -1;
};

// A depthwise 3x3 convolution (padding 1 on every side) run on the convolution's output inside
// the same primitive, so the intermediate tensor never leaves the cache: y = dw_act(dwconv(act(
// conv(x) + b))). oneDNN has it for 1x1 convolutions in the blocked layouts (MobileNet's
// expansion -> depthwise pairs).
struct DepthwisePostOp {
  const float* weights = nullptr;  // [M, 1, 3, 3], copied at create()
  const float* bias = nullptr;     // [M] or null
  int64_t stride = 1;              // 1 or 2
  ActivationSpec activation;
};

struct PostOps {
  ActivationSpec activation;
  bool sum = false;  // y = act(conv(x) + b + z): z is in y when run() is called
  std::optional<DepthwisePostOp> depthwise;  // not with sum
};

class DnnlConvolution {
 public:
  // x: [N, C, spatial...]; w: [M, C/G, kernel...] (copied into the primitive's format); b: [M]
  // or null. Fails (NotImplemented) when oneDNN has no implementation for the geometry. With a
  // depthwise post-op, y has the depthwise convolution's output shape.
  static Result<std::shared_ptr<const DnnlConvolution>> create(int64_t N, int64_t C, int64_t M,
                                                                int64_t G, const Window& window,
                                                                const float* w, const float* b,
                                                                const PostOps& post,
                                                                const ConvOptions& options = {});
  ~DnnlConvolution();

  // y = post(conv(x) + b); x and y in the layouts given to create(). Thread-safe; reorder
  // buffers and scratchpad come from a per-thread cache, so steady-state runs do not allocate.
  Status run(const float* x, float* y, const ThreadPool* pool) const;

  // oneDNN's implementation name (e.g. "jit:avx2"), for profiling and tests.
  const char* implementation() const;

  // Whether the packed weights can be turned back into the plain ones (every layout but
  // Winograd's transformed one), and doing so into w ([M, C/G, kernel...] floats).
  bool weights_recoverable() const;
  Status unpack_weights(float* w) const;

 private:
  DnnlConvolution();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when this build has oneDNN and the CPU is one it supports.
bool dnnl_available();

}  // namespace onyx::nn
