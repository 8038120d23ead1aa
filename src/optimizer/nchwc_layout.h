// Level 3: the blocked NCHWc layout pass. Float 2-D convolutions whose output channels are a
// multiple of 8 become onyx NchwcConv, producing nChw8c tensors (ops/nn/nchwc.h); the blocked
// layout then flows through the ops that can read it (elementwise ops on one shape, Concat of
// channels, MaxPool / AveragePool, BatchNormalization and channel-broadcast Mul as
// NchwcChannelScale, GlobalAveragePool, the next convolutions), and ReorderFromNchwc brings a
// value back to NCHW only where some other reader needs it.
//
// Why: oneDNN's AVX2 / AVX-512 convolutions work in the blocked layout. Handing them NCHW makes
// each one reorder its input and output on every call (a third of EfficientNet-B0's time before
// this pass, measured with ONEDNN_VERBOSE); between two blocked convolutions there is nothing
// left to reorder.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace onyx::opt {

inline constexpr const char* kNchwcLayoutPass = "nchwc_layout";

// Rewrites the model's main graph; returns the number of convolutions made blocked. Does
// nothing when oneDNN is unavailable (the blocked kernels would only add reorders).
int64_t apply_nchwc_layout(ir::Model& model);

}  // namespace onyx::opt
