// Level-2 fusion of dynamically quantized matrix products into onyx DynamicQuantizeMatMul
// (docs/fused-ops.md), the form onnxruntime.quantization.quantize_dynamic writes for a MatMul
// with constant weights:
//   (a_q, a_scale, a_zp) = DynamicQuantizeLinear(A)
//   Mul(Cast<float>(MatMulInteger(a_q, B, a_zp, b_zp)), Mul(a_scale, b_scale))  [-> Add bias]
// B (int8 / uint8, 2-D), b_zp (B's type) and b_scale (float) must be constants of one or N
// values; the bias a float constant of N values; an activation after it (Relu, LeakyRelu,
// Sigmoid, Tanh, Gelu) fuses as FusedMatMul's does. Cast and MatMulInteger must have the one
// reader each; DynamicQuantizeLinear and the scale product may feed other products too (each
// fused node quantizes A itself; the originals go when nothing reads them any more).
#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

constexpr const char* kFusedOp = "DynamicQuantizeMatMul";

// One value, or N along a single axis.
bool one_or_n(const Tensor& t, int64_t N) {
  return (t.numel() == 1 && t.rank() <= 1) || (t.rank() == 1 && t.dim(0) == N);
}

// The live ai.onnx node producing `v`, of op `op` (other readers allowed), or -1.
int producer_of(RewriteContext& ctx, const std::string& v, const char* op) {
  const int p = ctx.producer_index(v);
  if (p < 0 || ctx.is_removed(p)) return -1;
  const ir::Node& n = ctx.node(p);
  return n.op_type == op && n.domain.empty() ? p : -1;
}

// Mul(Cast(MatMulInteger(DynamicQuantizeLinear(A)...)), Mul(a_scale, b_scale)).
bool fuse_dynamic_quantize_matmul(RewriteContext& ctx, int i) {
  const ir::Node& mul = ctx.node(i);
  if (mul.inputs.size() != 2 || mul.outputs.size() != 1) return false;
  for (size_t side = 0; side < 2; ++side) {
    const int c = fusion::sole_producer(ctx, mul.inputs[side], "Cast");
    if (c < 0) continue;
    const ir::Attribute* to = ctx.node(c).find_attribute("to");
    if (to == nullptr || to->i != static_cast<int64_t>(DataType::kFloat)) continue;
    const int m = fusion::sole_producer(ctx, ctx.node(c).inputs[0], "MatMulInteger");
    if (m < 0) continue;
    const ir::Node& mm = ctx.node(m);
    if (mm.inputs.size() < 3) continue;  // without a_zp the zero point would be ignored
    const int q = producer_of(ctx, mm.inputs[0], "DynamicQuantizeLinear");
    if (q < 0) continue;
    const ir::Node& dql = ctx.node(q);
    if (dql.outputs.size() < 3 || dql.outputs[0] != mm.inputs[0] ||
        dql.outputs[2] != mm.inputs[2] || dql.outputs[1].empty()) {
      continue;
    }
    const Tensor* b = ctx.constant(mm.inputs[1]);
    if (b == nullptr || b->rank() != 2 ||
        (b->dtype() != DataType::kInt8 && b->dtype() != DataType::kUInt8)) {
      continue;
    }
    const int64_t N = b->dim(1);
    const std::string b_zp = mm.inputs.size() > 3 ? mm.inputs[3] : "";
    if (!b_zp.empty()) {
      const Tensor* z = ctx.constant(b_zp);
      if (z == nullptr || z->dtype() != b->dtype() || !one_or_n(*z, N)) continue;
    }
    // The other factor: Mul(a_scale, b_scale) with a constant float b_scale.
    const int s = producer_of(ctx, mul.inputs[1 - side], "Mul");
    if (s < 0) continue;
    const ir::Node& sn = ctx.node(s);
    if (sn.inputs.size() != 2) continue;
    const int a_scale_side = sn.inputs[0] == dql.outputs[1]   ? 0
                             : sn.inputs[1] == dql.outputs[1] ? 1
                                                              : -1;
    if (a_scale_side < 0) continue;
    const std::string b_scale = sn.inputs[static_cast<size_t>(1 - a_scale_side)];
    const Tensor* bs = ctx.constant(b_scale);
    if (bs == nullptr || bs->dtype() != DataType::kFloat || !one_or_n(*bs, N)) continue;
    const std::string a = dql.inputs[0], b_name = mm.inputs[1], out = mul.outputs[0];
    ctx.remove_node(c);
    ctx.remove_node(m);
    fusion::fuse_into(ctx, i, kFusedOp, out, [&](ir::Node& n) {
      n.inputs = {a, b_name, b_scale, b_zp};
      n.attributes.clear();
    });
    return true;
  }
  return false;
}

// Add(DynamicQuantizeMatMul(...), bias) with a constant float bias of N values.
bool fuse_dynamic_quantize_matmul_bias(RewriteContext& ctx, int i) {
  const ir::Node& add = ctx.node(i);
  if (add.inputs.size() != 2 || add.outputs.size() != 1) return false;
  for (size_t side = 0; side < 2; ++side) {
    const std::string& y = add.inputs[side];
    if (!ctx.single_consumer(y)) continue;
    const int p = ctx.producer_index(y);
    if (p < 0 || ctx.is_removed(p)) continue;
    const ir::Node& f = ctx.node(p);
    if (f.op_type != kFusedOp || f.domain != kOnyxDomain) continue;
    if (f.inputs.size() > 4 && !f.inputs[4].empty()) continue;  // has its bias already
    if (f.find_attribute("activation") != nullptr) continue;    // the bias comes first
    const Tensor* b = ctx.constant(f.inputs[1]);
    const Tensor* bias = ctx.constant(add.inputs[1 - side]);
    if (b == nullptr || bias == nullptr || bias->dtype() != DataType::kFloat || bias->rank() != 1 ||
        bias->dim(0) != b->dim(1)) {
      continue;
    }
    const std::string bias_name = add.inputs[1 - side], out = add.outputs[0];
    ctx.remove_node(i);
    fusion::fuse_into(ctx, p, kFusedOp, out, [&](ir::Node& n) {
      n.inputs.resize(5);
      n.inputs[4] = bias_name;
    });
    return true;
  }
  return false;
}

// An activation after DynamicQuantizeMatMul (and its bias): applied in the same pass.
bool fuse_dynamic_quantize_matmul_activation(RewriteContext& ctx, int i) {
  const ir::Node& act = ctx.node(i);
  if (act.inputs.empty() || act.outputs.size() != 1 || !ctx.single_consumer(act.inputs[0])) {
    return false;
  }
  std::string name;
  std::vector<float> params;
  if (!fusion::matmul_activation(act, name, params)) return false;
  const int p = ctx.producer_index(act.inputs[0]);
  if (p < 0 || ctx.is_removed(p)) return false;
  const ir::Node& f = ctx.node(p);
  if (f.op_type != kFusedOp || f.domain != kOnyxDomain ||
      f.find_attribute("activation") != nullptr) {
    return false;
  }
  const std::string out = act.outputs[0];
  ctx.remove_node(i);
  fusion::fuse_into(ctx, p, kFusedOp, out, [&](ir::Node& n) {
    n.attributes.push_back(rules::make_string_attr("activation", name));
    if (!params.empty())
      n.attributes.push_back(rules::make_floats_attr("activation_params", params));
  });
  return true;
}

}  // namespace

void add_quant_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back(
      {"fuse_dynamic_quantize_matmul", kExtended, {"Mul"}, fuse_dynamic_quantize_matmul});
  rules.push_back(
      {"fuse_dynamic_quantize_matmul_bias", kExtended, {"Add"}, fuse_dynamic_quantize_matmul_bias});
  rules.push_back({"fuse_dynamic_quantize_matmul_activation",
                   kExtended,
                   {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "onyx:Gelu"},
                   fuse_dynamic_quantize_matmul_activation});
}

}  // namespace onyx::opt
