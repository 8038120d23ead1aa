// Helpers shared by the control-flow kernels (If, Loop, Scan): binding a compiled body to the
// node's implicit inputs, and copying slabs of tensors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/common/block_copy.h"
#include "ops/kernel.h"

namespace onyx::control {

// A body compiled once in init(), with the position in the node's implicit inputs of every value
// the body captures from enclosing scopes.
class BoundBody {
 public:
  // Compiles graph attribute `attr` of the node and maps its captured values.
  static Result<BoundBody> bind(const KernelInfo& info, const std::string& attr);

  const Subgraph& graph() const { return *graph_; }
  const ir::Graph& ir() const { return *ir_; }
  size_t num_inputs() const { return graph_->input_names().size(); }
  size_t num_outputs() const { return graph_->output_names().size(); }

  // Runs the body with `inputs`, feeding captured values from the node's implicit inputs.
  Result<std::vector<Value>> run(const KernelContext& ctx, std::vector<Value> inputs) const;

 private:
  std::shared_ptr<const Subgraph> graph_;
  const ir::Graph* ir_ = nullptr;
  std::vector<size_t> captured_index_;  // captured_names()[i] -> implicit input index
};

// Static dtype and shape of body output `i` (unknown dims -> 0), used to shape the scan outputs
// of a loop that ran zero iterations.
struct StaticTensorType {
  DataType dtype = DataType::kFloat;
  Shape shape;  // per-iteration shape; empty with known_rank=false when unknown
  bool known_rank = false;
};
StaticTensorType static_output_type(const ir::Graph& body, size_t i);

inline bool copyable(DataType dt) { return block_copyable(dt); }
using onyx::copy_blocks;

// Fills a tensor with zeros (empty strings for string tensors).
void zero_fill(Tensor& t);

// The slice x[..., index, ...] along `axis` (the axis removed). Zero-copy when possible.
Tensor slice_along(const Tensor& x, size_t axis, int64_t index);

using onyx::dims_product;

}  // namespace onyx::control
