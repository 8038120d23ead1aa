// Level-1 cleanups that remove work without changing results: identities, inference-mode
// Dropout, casts and reshapes that change nothing, reshape chains, transpose pairs, dead nodes
// and repeated computations.
#include <algorithm>
#include <numeric>

#include "optimizer/rewrite.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

bool eliminate_identity(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.size() != 1 || n.outputs.size() != 1 || n.inputs[0].empty()) return false;
  return ctx.bypass(i, n.inputs[0], n.outputs[0]);
}

// Dropout in inference is the identity on its data; only when nobody reads the mask.
bool eliminate_dropout(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.inputs[0].empty() || n.outputs.empty()) return false;
  if (n.outputs.size() > 1 && !n.outputs[1].empty() && ctx.index().use_count(n.outputs[1]) > 0) {
    return false;
  }
  if (n.opset >= 12 && n.inputs.size() > 2 && !n.inputs[2].empty()) {
    const Tensor* training = ctx.constant(n.inputs[2]);
    if (training == nullptr || training->dtype() != DataType::kBool || training->numel() != 1 ||
        training->data<bool>()[0]) {
      return false;
    }
  }
  const std::string in = n.inputs[0], out = n.outputs[0];
  return ctx.bypass(i, in, out);
}

// Pad by zero everywhere (torch.onnx writes one before some AveragePools) copies its input.
bool eliminate_zero_pad(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.inputs[0].empty() || n.outputs.size() != 1) return false;
  if (n.opset < 11) {
    const ir::Attribute* pads = n.find_attribute("pads");
    if (pads == nullptr || std::any_of(pads->ints.begin(), pads->ints.end(),
                                       [](int64_t p) { return p != 0; })) {
      return false;
    }
  } else {
    if (n.inputs.size() < 2 || n.inputs[1].empty()) return false;
    const Tensor* pads = ctx.constant(n.inputs[1]);
    if (pads == nullptr || pads->dtype() != DataType::kInt64 || !rules::is_all(*pads, 0)) return false;
  }
  const std::string in = n.inputs[0], out = n.outputs[0];
  return ctx.bypass(i, in, out);
}

bool eliminate_noop_cast(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.outputs.size() != 1) return false;
  const auto from = ctx.index().dtype(n.inputs[0]);
  const ir::Attribute* to = n.find_attribute("to");
  if (!from || to == nullptr || static_cast<int64_t>(*from) != to->i) return false;
  return ctx.bypass(i, n.inputs[0], n.outputs[0]);
}

// Reshape / Flatten / Squeeze / Unsqueeze / Expand whose output has its input's static shape.
bool eliminate_noop_reshape(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.inputs[0].empty() || n.outputs.size() != 1) return false;
  const auto in_shape = ctx.index().static_shape(n.inputs[0]);
  const auto out_shape = ctx.index().static_shape(n.outputs[0]);
  if (!in_shape || !out_shape || *in_shape != *out_shape) return false;
  return ctx.bypass(i, n.inputs[0], n.outputs[0]);
}

// Reshape(R(x), s) where R only reshapes (Reshape, Flatten, Squeeze, Unsqueeze): the outer
// Reshape reads x directly, when its target does not copy dims from its input (no 0 entry
// unless allowzero) - the element count, all -1 depends on, is the same either way.
bool fuse_reshape_chain(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.size() < 2 || n.inputs[0].empty()) return false;
  const Tensor* shape = ctx.constant(n.inputs[1]);
  if (shape == nullptr || shape->dtype() != DataType::kInt64) return false;
  const ir::Attribute* allowzero = n.find_attribute("allowzero");
  if (allowzero == nullptr || allowzero->i == 0) {
    for (int64_t k = 0; k < shape->numel(); ++k) {
      if (shape->data<int64_t>()[k] == 0) return false;
    }
  }
  const ir::Node* inner = ctx.producer(n.inputs[0]);
  if (inner == nullptr || !inner->domain.empty() || inner->inputs.empty() ||
      inner->inputs[0].empty()) {
    return false;
  }
  static const char* kReshapes[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"};
  if (std::none_of(std::begin(kReshapes), std::end(kReshapes),
                   [&](const char* op) { return inner->op_type == op; })) {
    return false;
  }
  const std::string source = inner->inputs[0];
  ctx.edit_node(i, [&](ir::Node& node) { node.inputs[0] = source; });
  return true;
}

// Transpose(Transpose(x, p), q) = Transpose(x, p o q); the identity permutation disappears.
bool fuse_transposes(RewriteContext& ctx, int i) {
  ir::Node& n = ctx.node(i);
  if (n.inputs.size() != 1 || n.outputs.size() != 1) return false;
  const ir::Node* inner = ctx.producer(n.inputs[0]);
  if (inner == nullptr || inner->op_type != "Transpose" || !inner->domain.empty()) return false;
  const ir::Attribute* p = inner->find_attribute("perm");
  const ir::Attribute* q = n.find_attribute("perm");
  if (p == nullptr || q == nullptr || p->ints.size() != q->ints.size()) return false;
  // out[k] = mid[q[k]] = x[p[q[k]]]
  std::vector<int64_t> composed(q->ints.size());
  for (size_t k = 0; k < q->ints.size(); ++k) {
    const int64_t qk = q->ints[k];
    if (qk < 0 || qk >= static_cast<int64_t>(p->ints.size())) return false;
    composed[k] = p->ints[static_cast<size_t>(qk)];
  }
  const std::string source = inner->inputs[0];
  std::vector<int64_t> identity(composed.size());
  std::iota(identity.begin(), identity.end(), 0);
  if (composed == identity) return ctx.bypass(i, source, n.outputs[0]);
  ctx.edit_node(i, [&](ir::Node& node) {
    node.inputs[0] = source;
    for (auto& a : node.attributes) {
      if (a.name == "perm") a.ints = composed;
    }
  });
  return true;
}

bool eliminate_dead(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  for (const auto& o : n.outputs) {
    if (!o.empty() && ctx.index().use_count(o) > 0) return false;
  }
  ctx.remove_node(i);
  return true;
}

// A node computing exactly what an earlier node computes (same op, inputs and attributes) is
// replaced by it. Nodes with subgraphs or random results are left alone.
bool eliminate_common_subexpression(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (n.inputs.empty() || n.inputs[0].empty() || !rules::is_deterministic(n) ||
      rules::has_subgraph(n)) {
    return false;
  }
  for (int j : ctx.index().consumers(n.inputs[0])) {
    if (j >= i || ctx.is_removed(j)) continue;
    const ir::Node& m = ctx.node(j);
    if (m.op_type != n.op_type || m.domain != n.domain || m.inputs != n.inputs ||
        m.outputs.size() != n.outputs.size() || !rules::attributes_equal(m, n)) {
      continue;
    }
    bool movable = true;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const bool used = !n.outputs[k].empty() && ctx.index().use_count(n.outputs[k]) > 0;
      if (used && (m.outputs[k].empty() || ctx.index().is_graph_output(n.outputs[k]) ||
                   ctx.index().is_captured(n.outputs[k]))) {
        movable = false;
      }
    }
    if (!movable) continue;
    const std::vector<std::string> from = n.outputs, to = m.outputs;
    for (size_t k = 0; k < from.size(); ++k) {
      if (!from[k].empty()) ctx.replace_uses(from[k], to[k]);
    }
    ctx.remove_node(i);
    return true;
  }
  return false;
}

}  // namespace

void add_elimination_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"eliminate_identity", kBasic, {"Identity"}, eliminate_identity});
  rules.push_back({"eliminate_dropout", kBasic, {"Dropout"}, eliminate_dropout});
  rules.push_back({"eliminate_noop_cast", kBasic, {"Cast"}, eliminate_noop_cast});
  rules.push_back({"eliminate_zero_pad", kBasic, {"Pad"}, eliminate_zero_pad});
  rules.push_back({"eliminate_noop_reshape",
                   kBasic,
                   {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand"},
                   eliminate_noop_reshape});
  rules.push_back({"fuse_reshape_chain", kBasic, {"Reshape"}, fuse_reshape_chain});
  rules.push_back({"fuse_transposes", kBasic, {"Transpose"}, fuse_transposes});
  rules.push_back({"eliminate_dead", kBasic, {}, eliminate_dead});
  rules.push_back({"eliminate_common_subexpression", kBasic, {}, eliminate_common_subexpression});
}

}  // namespace onyx::opt
