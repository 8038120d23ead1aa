// QLinearConv's arithmetic on oneDNN's int8 convolution: y = saturate(round(scale[m] *
// (conv(x - x_zp, w) + bias[m])) + y_zp), 8-bit in and out, exact int32 sums inside. oneDNN
// multiplies in float and rounds to nearest even, so a result can differ from QLinearConv's
// reference (which multiplies in double) by one step where the product lands on a tie.
//
// Only offered where the sums are exact (AVX512-VNNI, AVX-VNNI or AMX: ops/quant/int8_matmul.h)
// and for int8 weights without zero points (oneDNN has no weight zero points); callers fall back
// to the reference kernel otherwise. The primitive wants channels-last activations: a plain
// (NCHW) side is reordered inside run(), a channels-last one (the optimizer's int8 layout) is
// read and written as is.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "ops/nn/geometry.h"

namespace onyx::quant {

struct Int8ConvSpec {
  int64_t N = 0, C = 0, M = 0, G = 1;
  nn::Window window;
  bool src_signed = false, dst_signed = false;  // int8 rather than uint8
  int32_t src_zero_point = 0, dst_zero_point = 0;
  const int8_t* weights = nullptr;  // [M, C/G, kernel...], copied into the primitive's format
  const int32_t* bias = nullptr;    // [M] or null
  std::vector<float> scales;        // x_scale * w_scale[m] / y_scale: 1 or M values
  bool channels_last = false;       // activations N, spatial..., C at the boundary
};

class Int8Convolution {
 public:
  // NotImplemented when the CPU has no exact int8 dot product or oneDNN no implementation.
  // Where oneDNN has both an AMX and a VNNI kernel, times both (on `pool`'s threads) and keeps
  // the faster, unless `choose` is false (the first is kept).
  static Result<std::shared_ptr<const Int8Convolution>> create(const Int8ConvSpec& spec,
                                                               const ThreadPool* pool,
                                                               bool choose = true);
  ~Int8Convolution();

  // y = the convolution of x, both in the spec's layout. Thread-safe.
  Status run(const void* x, void* y, const ThreadPool* pool) const;
  const char* implementation() const;

 private:
  Int8Convolution();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether Int8Convolution serves convolutions on this CPU (probed once on a small 3x3 layer:
// the ISA test alone would admit CPUs whose VNNI oneDNN has no int8 convolution for) and the
// int8 paths are not disabled for testing. The QDQ fusions ask this before making QLinearConv.
bool int8_convolution_available();

}  // namespace onyx::quant
