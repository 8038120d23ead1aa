// Part of the level-3 layout pass (nchwc_layout.h): a 1x1 NchwcConv whose only reader is a
// depthwise 3x3 NchwcConv (padding 1, stride 1 or 2) becomes one NchwcConv with a depthwise
// stage (inputs 4 and 5, docs/fused-ops.md), which runs as one oneDNN primitive where its
// intermediate is large, so MobileNet-style expansion -> depthwise pairs keep that tensor in
// the cache.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace onyx::opt {

// Returns the number of pairs fused.
int64_t fuse_nchwc_pointwise_depthwise(ir::Graph& graph);

}  // namespace onyx::opt
