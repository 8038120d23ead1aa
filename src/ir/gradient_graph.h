// The differentiated sub-graph of each ai.onnx.preview.training Gradient node.
//
// A Gradient node names, by attributes, the tensor y to differentiate and the independent
// tensors xs (differentiated) and zs (held fixed); the graph between them lives around the node,
// not in it. At session creation this pass cuts that slice out of the graph - every node on a
// path from xs/zs (and constant initializers) to y - and attaches it to the Gradient node as a
// graph attribute, so the kernel reaches it through the ordinary subgraph interface: it compiles
// the slice, runs it on the node's inputs and walks it backwards (reverse-mode).
#pragma once

#include "core/status.h"
#include "ir/graph.h"

namespace onyx::ir {

inline constexpr const char* kGradientDomain = "ai.onnx.preview.training";
// The attached slice: inputs xs then zs, the slice's nodes in topological order, the initializers
// it reads, and as outputs every value its nodes produce.
inline constexpr const char* kGradientGraphAttr = "onyx_forward_graph";

// Attaches the slice to every Gradient node of model.graph. Fails, naming the node, when y
// depends on a value that is neither in xs, zs, nor an initializer, or when y is not produced.
Status attach_gradient_graphs(Model& model);

}  // namespace onyx::ir
