#include "ops/control/control_util.h"

#include <cstring>

namespace onyx::control {

Result<BoundBody> BoundBody::bind(const KernelInfo& info, const std::string& attr) {
  ONYX_ASSIGN_OR_RETURN(const ir::Graph* g, info.required_graph(attr));
  auto compiled = info.compile_subgraph(*g);
  if (!compiled.ok()) {
    return compiled.status().with_context(info.node().describe() + ": attribute '" + attr + "': ");
  }
  BoundBody b;
  b.graph_ = std::move(compiled).value();
  b.ir_ = g;
  const auto& implicit = info.implicit_inputs();
  for (const auto& name : b.graph_->captured_names()) {
    size_t idx = implicit.size();
    for (size_t i = 0; i < implicit.size(); ++i) {
      if (implicit[i] == name) {
        idx = i;
        break;
      }
    }
    if (idx == implicit.size()) {
      return info.error(StatusCode::kInvalidGraph, "subgraph '", attr, "' reads '", name,
                        "', which is not among the node's implicit inputs");
    }
    b.captured_index_.push_back(idx);
  }
  return b;
}

Result<std::vector<Value>> BoundBody::run(const KernelContext& ctx,
                                          std::vector<Value> inputs) const {
  std::vector<const Value*> captured(captured_index_.size(), nullptr);
  const auto& implicit = ctx.implicit_inputs();
  for (size_t i = 0; i < captured_index_.size(); ++i) {
    if (captured_index_[i] >= implicit.size()) {
      return ctx.error(StatusCode::kRuntimeError, "missing implicit input ",
                       captured_index_[i], " ('", graph_->captured_names()[i], "')");
    }
    captured[i] = implicit[captured_index_[i]];
  }
  auto outs = graph_->run(std::move(inputs), captured, ctx.pool());
  if (!outs.ok()) return outs.status();
  if (outs->size() != num_outputs()) {
    return ctx.error(StatusCode::kRuntimeError, "body returned ", outs->size(),
                     " outputs, expected ", num_outputs());
  }
  return outs;
}

StaticTensorType static_output_type(const ir::Graph& body, size_t i) {
  StaticTensorType t;
  if (i >= body.outputs.size()) return t;
  const ir::TypeInfo& type = body.outputs[i].type;
  if (type.kind != ir::TypeInfo::Kind::kTensor) return t;
  if (type.elem_type != DataType::kUndefined) t.dtype = type.elem_type;
  if (type.shape) {
    t.known_rank = true;
    for (const auto& d : *type.shape) t.shape.push_back(d.is_known() && *d.value >= 0 ? *d.value : 0);
  }
  return t;
}

void zero_fill(Tensor& t) {
  if (t.dtype() == DataType::kString) {
    std::string* d = t.data<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) d[i].clear();
  } else if (t.nbytes() > 0) {
    std::memset(t.raw_data(), 0, t.nbytes());
  }
}


Tensor slice_along(const Tensor& x, size_t axis, int64_t index) {
  const Shape& s = x.shape();
  Shape out_shape;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != axis) out_shape.push_back(s[i]);
  }
  const int64_t outer = dims_product(s, 0, axis);
  const int64_t len = s[axis];
  const int64_t inner = dims_product(s, axis + 1, s.size());
  if (outer == 1 && x.dtype() != DataType::kString && inner > 0) {
    // Contiguous: a view sharing the input's buffer.
    const size_t es = data_type_size(x.dtype());
    char* base = const_cast<char*>(static_cast<const char*>(x.raw_data()));
    auto owner = std::make_shared<Tensor>(x);
    return Tensor::wrap(x.dtype(), std::move(out_shape), base + static_cast<size_t>(index * inner) * es,
                        std::shared_ptr<void>(owner));
  }
  Tensor out(x.dtype(), std::move(out_shape));
  copy_blocks(x, index * inner, len * inner, out, 0, inner, outer, inner);
  return out;
}

}  // namespace onyx::control
