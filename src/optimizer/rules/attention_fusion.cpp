// Level-2 fusion of scaled dot-product attention into one onyx FusedAttention node
// (docs/fused-ops.md), anchored on the Softmax:
//
//   MatMul([Mul/Div by a scalar]([Transpose] Q), [Transpose] K) -> [Mul/Div by a scalar]
//       -> [Add bias] -> Softmax(last axis) -> MatMul(., [Transpose] V) -> [Transpose]
//
// as PyTorch exports nn.MultiheadAttention and hand-written attention (the FusedMatMul rules
// may already have turned the first MatMul into FusedMatMul with alpha / transB). Every
// intermediate must have this one reader. Transposes are absorbed only when the kernel can
// view them without copying (Q, V and the output keep their last axis; K^T keeps one of its
// matrix axes contiguous); otherwise they stay as nodes and feed the fused one.
#include <algorithm>
#include <numeric>

#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// Statically known rank of `v`, or -1.
int64_t rank_of(RewriteContext& ctx, const std::string& v) {
  const ir::TypeInfo* t = ctx.index().type(v);
  return t != nullptr && t->shape ? static_cast<int64_t>(t->shape->size()) : -1;
}

std::vector<int64_t> perm_of(const ir::Node& transpose) {
  const ir::Attribute* p = transpose.find_attribute("perm");
  return p != nullptr ? p->ints : std::vector<int64_t>{};
}

// x * c or x / c with c a scalar constant (rank <= max_rank so it cannot add axes): the
// non-constant operand and the factor (1 / c for Div).
bool scalar_factor(RewriteContext& ctx, const ir::Node& n, int64_t max_rank, std::string& x,
                   double& factor) {
  if (n.inputs.size() != 2 || !n.domain.empty()) return false;
  const bool div = n.op_type == "Div";
  if (!div && n.op_type != "Mul") return false;
  for (size_t side = 0; side < (div ? 1u : 2u); ++side) {
    const Tensor* c = ctx.constant(n.inputs[1 - side]);
    double v;
    if (c == nullptr || !rules::scalar_value(c, v) || v == 0.0) continue;
    if (static_cast<int64_t>(c->rank()) > max_rank) continue;
    x = n.inputs[side];
    factor = div ? 1.0 / v : v;
    return true;
  }
  return false;
}

// An operand of the fusion: the value the fused node reads, the perm absorbed (empty: none)
// and the operand's rank after it (-1: unknown).
struct Operand {
  std::string value;
  std::vector<int64_t> perm;
  int64_t rank = -1;
};

// Absorbs a single-reader Transpose producing `v` when keep(perm) allows it.
template <typename Keep>
Operand operand(RewriteContext& ctx, const std::string& v, std::vector<int>& dead, Keep keep) {
  const int t = fusion::sole_producer(ctx, v, "Transpose");
  if (t >= 0) {
    const ir::Node& tn = ctx.node(t);
    std::vector<int64_t> p = perm_of(tn);
    if (!p.empty() && keep(p)) {
      dead.push_back(t);
      const auto r = static_cast<int64_t>(p.size());
      return {tn.inputs[0], std::move(p), r};
    }
  }
  return {v, {}, rank_of(ctx, v)};
}

bool keeps_last(const std::vector<int64_t>& p) {
  return p.back() == static_cast<int64_t>(p.size()) - 1;
}

// K^T = Transpose(K, p) viewable with a unit stride along one matrix axis.
bool k_viewable(const std::vector<int64_t>& p) {
  const auto last = static_cast<int64_t>(p.size()) - 1;
  return p.size() >= 2 && (p.back() == last || p[p.size() - 2] == last);
}

bool fuse_attention(RewriteContext& ctx, int i) {
  const ir::Node& sm = ctx.node(i);
  if (sm.inputs.size() != 1 || sm.outputs.size() != 1) return false;
  const std::string probs = sm.outputs[0];
  std::vector<int> dead = {i};

  // Softmax -> MatMul(probs, V), probs read only there.
  if (!ctx.single_consumer(probs)) return false;
  const int pv = ctx.index().consumers(probs)[0];
  const ir::Node& pvn = ctx.node(pv);
  if (pvn.op_type != "MatMul" || !pvn.domain.empty() || pvn.inputs.size() != 2 ||
      pvn.inputs[0] != probs || pvn.inputs[1] == probs) {
    return false;
  }

  // Up from the Softmax: [Add bias] <- [scalar factor] <- MatMul / FusedMatMul.
  std::string x = sm.inputs[0], bias;
  double scale = 1.0;
  int qk = -1;
  auto scores_from = [&](std::string v, std::vector<int>& nodes, double& factor) -> int {
    factor = 1.0;
    const int p = ctx.producer_index(v);
    if (p < 0 || ctx.is_removed(p) || !ctx.single_consumer(v)) return -1;
    std::string inner;
    double f;
    if (scalar_factor(ctx, ctx.node(p), 2, inner, f)) {
      const int q = ctx.producer_index(inner);
      if (q < 0 || ctx.is_removed(q) || !ctx.single_consumer(inner)) return -1;
      nodes.push_back(p);
      factor = f;
      v = inner;
    }
    const int m = ctx.producer_index(v);
    if (m < 0 || ctx.is_removed(m)) return -1;
    const ir::Node& mn = ctx.node(m);
    const bool matmul = mn.op_type == "MatMul" && mn.domain.empty();
    const bool fused = mn.op_type == "FusedMatMul" && mn.domain == kOnyxDomain &&
                       (mn.inputs.size() < 3 || mn.inputs[2].empty()) &&
                       mn.find_attribute("activation") == nullptr;
    if ((!matmul && !fused) || mn.inputs.size() < 2) return -1;
    nodes.push_back(m);
    return m;
  };
  {
    const int add = fusion::sole_producer(ctx, x, "Add");
    std::vector<int> nodes;
    double f = 1.0;
    if (add >= 0 && ctx.node(add).inputs.size() == 2) {
      const ir::Node& an = ctx.node(add);
      for (size_t side = 0; side < 2 && qk < 0; ++side) {
        nodes = {add};
        qk = scores_from(an.inputs[side], nodes, f);
        if (qk >= 0) bias = an.inputs[1 - side];
      }
    }
    if (qk < 0) {
      nodes.clear();
      qk = scores_from(x, nodes, f);
    }
    if (qk < 0) return false;
    scale = f;
    dead.insert(dead.end(), nodes.begin(), nodes.end());
  }
  const ir::Node& qkn = ctx.node(qk);
  if (qkn.domain == kOnyxDomain) {
    const ir::Attribute* alpha = qkn.find_attribute("alpha");
    if (alpha != nullptr) scale *= alpha->f;
  }
  const ir::Attribute* tb = qkn.domain == kOnyxDomain ? qkn.find_attribute("transB") : nullptr;
  const bool trans_b = tb != nullptr && tb->i != 0;

  // Q: [Transpose] -> [scalar factor].
  std::string qv = qkn.inputs[0];
  {
    const int p = ctx.producer_index(qv);
    std::string inner;
    double f;
    if (p >= 0 && !ctx.is_removed(p) && ctx.single_consumer(qv) &&
        scalar_factor(ctx, ctx.node(p), 2, inner, f)) {
      dead.push_back(p);
      scale *= f;
      qv = inner;
    }
  }
  Operand q = operand(ctx, qv, dead, keeps_last);
  // K^T: FusedMatMul's transB swaps the last two axes after any absorbed Transpose.
  Operand k = operand(ctx, qkn.inputs[1], dead, [&](const std::vector<int64_t>& p) {
    if (!trans_b) return k_viewable(p);
    if (p.size() < 2) return false;
    std::vector<int64_t> c = p;
    std::swap(c[c.size() - 1], c[c.size() - 2]);
    return k_viewable(c);
  });
  if (trans_b) {
    if (k.perm.empty()) {
      if (k.rank < 2) return false;
      k.perm.resize(static_cast<size_t>(k.rank));
      std::iota(k.perm.begin(), k.perm.end(), 0);
    }
    std::swap(k.perm[k.perm.size() - 1], k.perm[k.perm.size() - 2]);
  }
  Operand v = operand(ctx, pvn.inputs[1], dead, keeps_last);
  for (const Operand* o : {&q, &k, &v}) {
    if (o->rank < 2 || o->rank > 4) return false;
  }
  // Softmax over the last axis of the scores (opset < 13 flattens from `axis` on, which is the
  // same when axis is the last one).
  const ir::Attribute* axis_attr = sm.find_attribute("axis");
  const int64_t axis = axis_attr != nullptr ? axis_attr->i : (sm.opset >= 13 ? -1 : 1);
  const int64_t bias_rank = bias.empty() ? 0 : rank_of(ctx, bias);
  if (bias_rank > 4) return false;
  if (axis != -1) {
    const int64_t scores_rank = std::max({q.rank, k.rank, bias_rank});
    if (bias_rank < 0 || axis != scores_rank - 1) return false;
  }

  // The output: [Transpose keeping the last axis].
  dead.push_back(pv);
  std::string out = pvn.outputs[0];
  std::vector<int64_t> out_perm;
  int last = pv;
  if (ctx.single_consumer(out)) {
    const int t = ctx.index().consumers(out)[0];
    const ir::Node& tn = ctx.node(t);
    if (tn.op_type == "Transpose" && tn.domain.empty() && tn.outputs.size() == 1) {
      std::vector<int64_t> p = perm_of(tn);
      if (!p.empty() && keeps_last(p)) {
        out_perm = std::move(p);
        out = tn.outputs[0];
        dead.push_back(t);
        last = t;
      }
    }
  }

  // The fused node takes the place of the last node of the pattern, after all its inputs.
  std::vector<std::string> inputs = {q.value, k.value, v.value};
  if (!bias.empty()) inputs.push_back(bias);
  for (int d : dead) {
    if (d != last) ctx.remove_node(d);
  }
  ctx.edit_node(last, [&](ir::Node& n) {
    n.op_type = "FusedAttention";
    n.domain = kOnyxDomain;
    n.opset = 1;
    n.inputs = inputs;
    n.outputs = {out};
    n.attributes.clear();
    n.attributes.push_back(rules::make_float_attr("scale", static_cast<float>(scale)));
    const std::pair<const char*, const std::vector<int64_t>*> perms[] = {
        {"q_perm", &q.perm}, {"k_perm", &k.perm}, {"v_perm", &v.perm}, {"out_perm", &out_perm}};
    for (const auto& [name, p] : perms) {
      if (p->empty()) continue;
      ir::Attribute a;
      a.name = name;
      a.type = ir::Attribute::Type::kInts;
      a.ints = *p;
      n.attributes.push_back(std::move(a));
    }
  });
  fusion::import_onyx_domain(ctx);
  return true;
}

}  // namespace

void add_attention_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fuse_attention", kExtended, {"Softmax"}, fuse_attention});
}

}  // namespace onyx::opt
