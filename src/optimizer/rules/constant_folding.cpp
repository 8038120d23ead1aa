// Level-1 folding: nodes whose inputs are all constants are evaluated once, at load, with the
// same kernels that would run them (so folding cannot change a result), and become
// initializers; Shape and Size of values with a static shape become constants, which lets the
// shape arithmetic exporters emit (Shape -> Gather -> Concat -> Reshape) fold away.
#include <algorithm>
#include <numeric>

#include "ops/kernel.h"
#include "optimizer/rewrite.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// A folded output may be larger than the inputs it replaces (Expand, Tile, ConstantOfShape):
// beyond this, the node stays, so folding never inflates a model much. (A node whose outputs
// have its first input's element count is exempt: only a wider element type can grow it.)
constexpr size_t kMaxGrowthBytes = size_t{4} << 20;

// Evaluates node `n` on constant inputs with its registered kernel; empty on any failure (the
// node then simply stays in the graph, and a real error shows at run time).
std::vector<Tensor> evaluate(const ir::Node& n, const std::vector<const Tensor*>& inputs,
                             const KernelRegistry& registry) {
  try {
    std::vector<ir::TypeInfo> types;
    types.reserve(inputs.size());
    for (const Tensor* t : inputs) {
      types.push_back(t ? ir::TypeInfo::tensor(t->dtype()) : ir::TypeInfo());
    }
    std::vector<const ir::TypeInfo*> type_ptrs;
    for (size_t k = 0; k < inputs.size(); ++k) type_ptrs.push_back(inputs[k] ? &types[k] : nullptr);
    std::optional<DataType> dtype;
    auto first = registry.find(n.domain, n.op_type, n.opset, std::nullopt);
    if (!first.ok()) return {};
    const int ti = (*first)->type_input;
    if (ti >= 0 && static_cast<size_t>(ti) < inputs.size() && inputs[ti]) dtype = inputs[ti]->dtype();
    auto def = registry.find(n.domain, n.op_type, n.opset, dtype);
    if (!def.ok()) return {};
    KernelInfo info(n, type_ptrs, {}, [](const ir::Graph&) -> Result<std::shared_ptr<const Subgraph>> {
      return NotImplemented("subgraphs are not folded");
    });
    auto kernel = (*def)->factory(info);
    if (!kernel.ok()) return {};
    std::vector<Value> values;
    values.reserve(inputs.size());
    for (const Tensor* t : inputs) values.push_back(t ? Value(*t) : Value());
    std::vector<const Value*> in;
    for (size_t k = 0; k < values.size(); ++k) in.push_back(inputs[k] ? &values[k] : nullptr);
    KernelContext ctx(n, std::move(in), {}, n.outputs.size(), nullptr);
    if (!(*kernel)->compute(ctx).ok()) return {};
    std::vector<Tensor> out;
    for (auto& v : ctx.outputs()) {
      if (!v.is_tensor()) return {};
      out.push_back(v.tensor());
    }
    return out;
  } catch (const std::exception&) {
    return {};
  }
}

bool fold_constant(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (!rules::is_deterministic(n) || rules::has_subgraph(n)) return false;
  std::vector<const Tensor*> inputs;
  size_t in_bytes = 0;
  for (const auto& name : n.inputs) {
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    const Tensor* t = ctx.constant(name);
    if (t == nullptr) return false;
    inputs.push_back(t);
    in_bytes += t->nbytes();
  }
  std::vector<Tensor> out = evaluate(n, inputs, ctx.registry());
  if (out.size() != n.outputs.size()) return false;
  size_t out_bytes = 0;
  bool elementwise = !inputs.empty() && inputs[0] != nullptr;
  for (const Tensor& t : out) {
    out_bytes += t.nbytes();
    elementwise = elementwise && t.numel() == inputs[0]->numel();
  }
  // Outputs of the first input's element count only widen the element type (DequantizeLinear
  // of int8 weights: 4x), which is no inflation to guard against: they always fold.
  if (!elementwise && out_bytes > in_bytes + kMaxGrowthBytes) return false;
  const std::vector<std::string> names = n.outputs;
  ctx.remove_node(i);
  for (size_t k = 0; k < names.size(); ++k) {
    if (names[k].empty() || ctx.index().use_count(names[k]) == 0) continue;
    // The initializer takes the output's name, so readers need no change.
    ctx.set_initializer(names[k], std::move(out[k]));
  }
  return true;
}

// Shape / Size of a value whose shape is fully known at load.
bool fold_shape(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.inputs[0].empty() || n.outputs.size() != 1) return false;
  const auto shape = ctx.index().static_shape(n.inputs[0]);
  if (!shape) return false;
  Tensor result;
  if (n.op_type == "Size") {
    result = Tensor::scalar<int64_t>(shape_numel(*shape));
  } else {
    const int64_t rank = static_cast<int64_t>(shape->size());
    int64_t start = 0, end = rank;
    if (const ir::Attribute* a = n.find_attribute("start")) start = a->i;
    if (const ir::Attribute* a = n.find_attribute("end")) end = a->i;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    std::vector<int64_t> dims;
    for (int64_t k = start; k < end; ++k) dims.push_back((*shape)[static_cast<size_t>(k)]);
    result = Tensor::from_vector<int64_t>(dims, {static_cast<int64_t>(dims.size())});
  }
  const std::string out = n.outputs[0];
  ctx.remove_node(i);
  ctx.set_initializer(out, std::move(result));
  return true;
}

}  // namespace

void add_constant_folding_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fold_shape", kBasic, {"Shape", "Size"}, fold_shape});
  rules.push_back({"fold_constant", kBasic, {}, fold_constant});
}

}  // namespace onyx::opt
