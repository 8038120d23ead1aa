// Level-2 fusions into onyx FusedConv (docs/fused-ops.md): a Conv followed by an activation
// (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, x * Sigmoid(x) = Swish, or
// x * HardSigmoid(x) with alpha 1/6 and beta 1/2 = HardSwish, as exported below opset 14), and a Conv
// followed by an Add of a tensor of its output's shape (static, or symbolic but equal) (the residual sum of ResNet blocks,
// applied before the activation: y = act(conv(x) + z)).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// The Conv / FusedConv producing `value` as a float tensor, read only by one node, with no
// activation yet; -1 otherwise.
int fusable_conv(RewriteContext& ctx, const std::string& value, bool allow_sum) {
  const int c = ctx.producer_index(value);
  if (c < 0 || ctx.is_removed(c)) return -1;
  const ir::Node& conv = ctx.node(c);
  const bool plain = conv.op_type == "Conv" && conv.domain.empty();
  const bool fused = conv.op_type == "FusedConv" && conv.domain == kOnyxDomain;
  if (!plain && !fused) return -1;
  if (fused) {
    const ir::Attribute* act = conv.find_attribute("activation");
    if (act != nullptr && !act->s.empty()) return -1;
    if (!allow_sum && conv.inputs.size() > 3) return -1;
  }
  const auto dt = ctx.index().dtype(value);
  if (dt && *dt != DataType::kFloat && *dt != DataType::kDouble && *dt != DataType::kFloat16) {
    return -1;
  }
  return c;
}

bool activation_of(RewriteContext& ctx, const ir::Node& n, std::string& name,
                   std::vector<float>& params) {
  name = n.op_type;
  params.clear();
  if (n.op_type == "Relu" || n.op_type == "Sigmoid" || n.op_type == "Tanh" ||
      n.op_type == "HardSwish") {
    return true;
  }
  if (n.op_type == "LeakyRelu") {
    const ir::Attribute* a = n.find_attribute("alpha");
    params = {a ? a->f : 0.01f};
    return true;
  }
  if (n.op_type == "HardSigmoid") {
    const ir::Attribute* a = n.find_attribute("alpha");
    const ir::Attribute* b = n.find_attribute("beta");
    params = {a ? a->f : 0.2f, b ? b->f : 0.5f};
    return true;
  }
  if (n.op_type == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (n.opset < 11) {
      if (const ir::Attribute* a = n.find_attribute("min")) lo = a->f;
      if (const ir::Attribute* a = n.find_attribute("max")) hi = a->f;
    } else {
      double v;
      if (n.inputs.size() > 1 && !n.inputs[1].empty()) {
        if (!rules::scalar_value(ctx.constant(n.inputs[1]), v)) return false;
        lo = static_cast<float>(v);
      }
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
        if (!rules::scalar_value(ctx.constant(n.inputs[2]), v)) return false;
        hi = static_cast<float>(v);
      }
    }
    params = {lo, hi};
    return true;
  }
  return false;
}

void set_activation(ir::Node& n, const std::string& name, const std::vector<float>& params) {
  n.attributes.erase(std::remove_if(n.attributes.begin(), n.attributes.end(),
                                    [](const ir::Attribute& a) {
                                      return a.name == "activation" ||
                                             a.name == "activation_params";
                                    }),
                     n.attributes.end());
  n.attributes.push_back(rules::make_string_attr("activation", name));
  if (!params.empty()) n.attributes.push_back(rules::make_floats_attr("activation_params", params));
}

bool fuse_conv_activation(RewriteContext& ctx, int i) {
  const ir::Node& act = ctx.node(i);
  if (act.inputs.empty() || act.outputs.size() != 1 || !ctx.single_consumer(act.inputs[0])) {
    return false;
  }
  const int c = fusable_conv(ctx, act.inputs[0], true);
  if (c < 0) return false;
  std::string name;
  std::vector<float> params;
  if (!activation_of(ctx, act, name, params)) return false;
  const std::string out = act.outputs[0];
  ctx.remove_node(i);
  fusion::fuse_into(ctx, c, "FusedConv", out, [&](ir::Node& n) { set_activation(n, name, params); });
  return true;
}

// HardSigmoid(x) with HardSwish's alpha (1/6) and beta (1/2).
bool is_hard_swish_gate(const ir::Node& n) {
  if (n.op_type != "HardSigmoid" || !n.domain.empty()) return false;
  const ir::Attribute* a = n.find_attribute("alpha");
  const ir::Attribute* b = n.find_attribute("beta");
  const float alpha = a != nullptr ? a->f : 0.2f, beta = b != nullptr ? b->f : 0.5f;
  return std::abs(alpha - 1.f / 6.f) < 1e-6f && beta == 0.5f;
}

// Mul(x, Sigmoid(x)) -> Swish, Mul(x, HardSigmoid(x)) -> HardSwish, with x a Conv output read
// by just these two nodes.
bool fuse_conv_swish(RewriteContext& ctx, int i) {
  const ir::Node& mul = ctx.node(i);
  if (mul.inputs.size() != 2 || mul.outputs.size() != 1) return false;
  for (size_t side = 0; side < 2; ++side) {
    const std::string& x = mul.inputs[side];
    const std::string& s = mul.inputs[1 - side];
    const int sig = ctx.producer_index(s);
    if (sig < 0 || ctx.is_removed(sig)) continue;
    const ir::Node& sn = ctx.node(sig);
    const bool swish = sn.op_type == "Sigmoid" && sn.domain.empty();
    if ((!swish && !is_hard_swish_gate(sn)) || sn.inputs.empty() || sn.inputs[0] != x ||
        !ctx.single_consumer(s) || ctx.index().use_count(x) != 2 ||
        ctx.index().consumers(x).size() != 2) {
      continue;
    }
    const int c = fusable_conv(ctx, x, true);
    if (c < 0) continue;
    const std::string out = mul.outputs[0];
    ctx.remove_node(i);
    ctx.remove_node(sig);
    fusion::fuse_into(ctx, c, "FusedConv", out, [&](ir::Node& n) {
      set_activation(n, swish ? "Swish" : "HardSwish", {});
    });
    return true;
  }
  return false;
}

// Add(conv(x), z) with z of exactly the conv output's static shape: z becomes FusedConv's Z.
bool fuse_conv_add(RewriteContext& ctx, int i) {
  const ir::Node& add = ctx.node(i);
  if (add.inputs.size() != 2 || add.outputs.size() != 1) return false;
  for (size_t side = 0; side < 2; ++side) {
    const std::string& y = add.inputs[side];
    const std::string& z = add.inputs[1 - side];
    if (y == z || !ctx.single_consumer(y)) continue;
    const int c = fusable_conv(ctx, y, false);
    if (c < 0) continue;
    // The kernel checks Z's shape again at run time.
    if (!rules::same_shape(ctx.index().type(y), ctx.index().type(z)) ||
        ctx.index().dtype(y) != ctx.index().dtype(z)) {
      continue;
    }
    const std::string out = add.outputs[0], zname = z;
    ctx.remove_node(i);
    fusion::fuse_into(ctx, c, "FusedConv", out, [&](ir::Node& n) {
      n.inputs.resize(3);  // X, W, B ("" when the conv has no bias)
      n.inputs.push_back(zname);
    });
    return true;
  }
  return false;
}

}  // namespace

void add_conv_activation_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fuse_conv_add", kExtended, {"Add"}, fuse_conv_add});
  rules.push_back({"fuse_conv_activation",
                   kExtended,
                   {"Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"},
                   fuse_conv_activation});
  rules.push_back({"fuse_conv_swish", kExtended, {"Mul"}, fuse_conv_swish});
}

}  // namespace onyx::opt
