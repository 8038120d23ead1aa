// Level 3: the channels-last layout for 8-bit activations. oneDNN's int8 convolutions (VNNI,
// AMX) read and write NHWC; handed NCHW they reorder both sides on every call, which cost as
// much as the convolutions themselves on a QDQ ResNet-50. This pass makes each 2-D QLinearConv
// an onyx NhwcQLinearConv whose X and Y are real [N, H, W, C] tensors, and lets that layout flow
// through the ops that do not care where the channels are: elementwise ops on one shape
// (QuantizeLinear / DequantizeLinear with scalar parameters, Relu, Add, Max with a scalar...)
// and MaxPool of 8-bit values (onyx NhwcMaxPool). A Transpose brings a value back to NCHW only
// where another reader needs it (a Transpose in where the region starts).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace onyx::opt {

inline constexpr const char* kInt8LayoutPass = "int8_channels_last";

// Rewrites the model's main graph; returns the number of convolutions made channels-last. Does
// nothing without the exact int8 kernels (ops/quant/int8_conv.h), where QLinearConv runs its
// NCHW reference.
int64_t apply_int8_channels_last(ir::Model& model);

}  // namespace onyx::opt
