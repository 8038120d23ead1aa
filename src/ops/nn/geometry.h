// Attributes and output-size arithmetic shared by Conv, ConvTranspose and the pooling ops:
// kernel_shape, strides, dilations, pads, auto_pad (NOTSET / SAME_UPPER / SAME_LOWER / VALID).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ops/kernel.h"

namespace onyx::nn {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// Attributes as written in the model; empty vectors mean "use the default".
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;  // [begin_0.., end_0..]
  bool ceil_mode = false;

  // Reads the attributes present in the node (ceil_mode / dilations only if the op has them).
  Status read(const KernelInfo& info);
};

// Fully resolved geometry for one call (all vectors of the spatial rank).
struct Window {
  std::vector<int64_t> in, kernel, strides, dilations, pad_begin, pad_end, out;
  size_t rank() const { return in.size(); }
  int64_t out_numel() const;
  int64_t in_numel() const;
  int64_t kernel_numel() const;
};

// Resolves attrs for input spatial dims `in` and kernel spatial dims `kernel` (from W or
// kernel_shape). Validates lengths and values; errors are InvalidArgument without node context.
Result<Window> resolve_window(const WindowAttrs& attrs, const Shape& in, const Shape& kernel);

}  // namespace onyx::nn
