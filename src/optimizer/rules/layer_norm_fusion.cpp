// Level-2 fusion of a residual Add into the LayerNormalization that reads it (every transformer
// layer has two): Add(A, B) -> LayerNormalization(., Scale, Bias) becomes one onyx
// AddLayerNormalization(A, B, Scale, Bias) -> (Y, S), S kept only when something else reads the
// sum (docs/fused-ops.md).
#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// A 1-D float constant of more than one value (Scale and Bias along the last axis).
bool vector_constant(RewriteContext& ctx, const std::string& v) {
  const Tensor* t = ctx.constant(v);
  return t != nullptr && t->dtype() == DataType::kFloat && t->rank() == 1 && t->numel() > 1;
}

bool fuse_add_layer_norm(RewriteContext& ctx, int i) {
  const ir::Node& ln = ctx.node(i);
  if (!ln.domain.empty() || ln.inputs.size() < 2 || ln.inputs.size() > 3) return false;
  // Only Y: the Mean / InvStdDev outputs have no counterpart in the fused op.
  for (size_t k = 1; k < ln.outputs.size(); ++k) {
    if (!ln.outputs[k].empty() && ctx.index().use_count(ln.outputs[k]) > 0) return false;
  }
  if (ln.outputs.empty() || ln.outputs[0].empty()) return false;
  int64_t axis = -1, stash = 1;
  float epsilon = 1e-5f;
  for (const ir::Attribute& a : ln.attributes) {
    if (a.name == "axis")
      axis = a.i;
    else if (a.name == "stash_type")
      stash = a.i;
    else if (a.name == "epsilon")
      epsilon = a.f;
    else
      return false;
  }
  if (axis != -1 || stash != 1) return false;
  if (!vector_constant(ctx, ln.inputs[1])) return false;
  const bool has_bias = ln.inputs.size() == 3 && !ln.inputs[2].empty();
  if (has_bias && (!vector_constant(ctx, ln.inputs[2]) ||
                   ctx.constant(ln.inputs[2])->numel() != ctx.constant(ln.inputs[1])->numel())) {
    return false;
  }
  const int add_i = ctx.producer_index(ln.inputs[0]);
  if (add_i < 0) return false;
  const ir::Node& add = ctx.node(add_i);
  if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 ||
      add.outputs.size() != 1 || ctx.index().is_captured(add.outputs[0])) {
    return false;
  }
  // The sum stays an output when anything but this normalization reads it.
  const std::string sum = add.outputs[0];
  const bool keep_sum = !ctx.single_consumer(sum);
  std::vector<std::string> inputs = {add.inputs[0], add.inputs[1], ln.inputs[1]};
  if (has_bias) inputs.push_back(ln.inputs[2]);
  std::vector<std::string> outputs = {ln.outputs[0]};
  if (keep_sum) outputs.push_back(sum);
  // The fused node takes the Add's place, so readers of the sum placed before the
  // normalization still come after their producer.
  ctx.remove_node(i);
  ctx.edit_node(add_i, [&](ir::Node& n) {
    n.op_type = "AddLayerNormalization";
    n.domain = kOnyxDomain;
    n.opset = 1;
    n.inputs = inputs;
    n.outputs = outputs;
    n.attributes = {rules::make_float_attr("epsilon", epsilon)};
  });
  fusion::import_onyx_domain(ctx);
  return true;
}

}  // namespace

void add_layer_norm_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fuse_add_layer_norm", kExtended, {"LayerNormalization"}, fuse_add_layer_norm});
}

}  // namespace onyx::opt
