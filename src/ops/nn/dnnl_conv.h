// Float convolution through oneDNN: one primitive per input shape, weights reordered ("packed")
// into the primitive's preferred blocked format once, bias and post-ops (an activation, and a
// residual sum for FusedConv) executed inside the primitive. Activations stay NCHW at the
// kernel's boundary; oneDNN reorders to its blocked layout internally when that is faster.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "ops/common/activation.h"
#include "ops/nn/geometry.h"

namespace onyx::nn {

struct PostOps {
  ActivationSpec activation;
  bool sum = false;  // y = act(conv(x) + b + z): z is in y when run() is called
};

class DnnlConvolution {
 public:
  // x: [N, C, spatial...]; w: [M, C/G, kernel...] (copied into the primitive's format); b: [M]
  // or null. Fails (NotImplemented) when oneDNN has no implementation for the geometry.
  static Result<std::shared_ptr<const DnnlConvolution>> create(int64_t N, int64_t C, int64_t M,
                                                                int64_t G, const Window& window,
                                                                const float* w, const float* b,
                                                                const PostOps& post);
  ~DnnlConvolution();

  // y = post(conv(x) + b); x and y in NCHW (plain) layout. Thread-safe.
  Status run(const float* x, float* y, const ThreadPool* pool) const;

  // oneDNN's implementation name (e.g. "jit:avx2"), for profiling and tests.
  const char* implementation() const;

 private:
  DnnlConvolution();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when this build has oneDNN and the CPU is one it supports.
bool dnnl_available();

}  // namespace onyx::nn
