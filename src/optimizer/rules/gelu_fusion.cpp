// Level-2 fusion of the exact GELU as exporters write it, x * 0.5 * (1 + erf(x / sqrt(2))),
// into one onyx Gelu node (ai.onnx has Gelu only from opset 20). The products may come in any
// order and association, and x / sqrt(2) may be written x * (1 / sqrt(2)):
//   Mul(Mul(x, Add(Erf(Div(x, s)), 1)), 0.5)      Mul(x, Mul(Add(Erf(..), 1), 0.5))
//   Mul(Mul(x, 0.5), Add(Erf(..), 1))
#include <cmath>

#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

bool near(double a, double b) { return std::abs(a - b) <= 1e-4 * std::abs(b); }

// Scalar constant operand of a binary node: index of the other operand, value in `c`; -1 if none.
int const_operand(RewriteContext& ctx, const ir::Node& n, double& c) {
  if (n.inputs.size() != 2) return -1;
  for (int k = 0; k < 2; ++k) {
    if (rules::scalar_value(ctx.constant(n.inputs[static_cast<size_t>(k)]), c)) return 1 - k;
  }
  return -1;
}

// A live node of op `op` producing `v`, read only once.
const ir::Node* single(RewriteContext& ctx, const std::string& v, const char* op, int* index) {
  const int p = fusion::sole_producer(ctx, v, op);
  if (p < 0) return nullptr;
  if (index) *index = p;
  return &ctx.node(p);
}

// `v` = Add(Erf(x / sqrt 2), 1): returns x and the three nodes' indices.
bool erf_part(RewriteContext& ctx, const std::string& v, std::string& x, std::vector<int>& nodes) {
  int add_i, erf_i, div_i;
  const ir::Node* add = single(ctx, v, "Add", &add_i);
  double c;
  if (add == nullptr) return false;
  const int other = const_operand(ctx, *add, c);
  if (other < 0 || !near(c, 1.0)) return false;
  const ir::Node* erf = single(ctx, add->inputs[static_cast<size_t>(other)], "Erf", &erf_i);
  if (erf == nullptr) return false;
  const ir::Node* scale = single(ctx, erf->inputs[0], "Div", &div_i);
  double s;
  if (scale != nullptr) {
    if (const_operand(ctx, *scale, s) != 0 || !near(s, std::sqrt(2.0))) return false;
  } else {
    scale = single(ctx, erf->inputs[0], "Mul", &div_i);
    if (scale == nullptr) return false;
    const int o = const_operand(ctx, *scale, s);
    if (o < 0 || !near(s, 1.0 / std::sqrt(2.0))) return false;
    x = scale->inputs[static_cast<size_t>(o)];
    nodes = {add_i, erf_i, div_i};
    return true;
  }
  x = scale->inputs[0];
  nodes = {add_i, erf_i, div_i};
  return true;
}

bool fuse_gelu(RewriteContext& ctx, int i) {
  const ir::Node& top = ctx.node(i);
  if (top.inputs.size() != 2 || top.outputs.size() != 1) return false;
  std::string x;
  std::vector<int> dead;
  double c;
  const int half_other = const_operand(ctx, top, c);
  if (half_other >= 0 && near(c, 0.5)) {
    // Mul(Mul(x, erf_part), 0.5)
    int inner_i;
    const ir::Node* inner = single(ctx, top.inputs[static_cast<size_t>(half_other)], "Mul", &inner_i);
    if (inner == nullptr || inner->inputs.size() != 2) return false;
    for (size_t k = 0; k < 2 && x.empty(); ++k) {
      std::string ex;
      if (erf_part(ctx, inner->inputs[k], ex, dead) && ex == inner->inputs[1 - k]) x = ex;
    }
    if (x.empty()) return false;
    dead.push_back(inner_i);
  } else {
    for (size_t k = 0; k < 2 && x.empty(); ++k) {
      const std::string& a = top.inputs[k];
      const std::string& b = top.inputs[1 - k];
      int m_i;
      const ir::Node* m = single(ctx, b, "Mul", &m_i);
      if (m == nullptr) continue;
      double h;
      const int o = const_operand(ctx, *m, h);
      if (o < 0 || !near(h, 0.5)) continue;
      std::string ex;
      std::vector<int> nodes;
      // Mul(x, Mul(erf_part, 0.5))
      if (erf_part(ctx, m->inputs[static_cast<size_t>(o)], ex, nodes) && ex == a) {
        x = ex;
        dead = nodes;
        dead.push_back(m_i);
        continue;
      }
      // Mul(Mul(x, 0.5), erf_part): here b is Mul(x, 0.5) and a the erf part.
      if (erf_part(ctx, a, ex, nodes) && ex == m->inputs[static_cast<size_t>(o)]) {
        x = ex;
        dead = nodes;
        dead.push_back(m_i);
      }
    }
    if (x.empty()) return false;
  }
  if (ctx.index().dtype(x) != DataType::kFloat && ctx.index().dtype(x) != DataType::kDouble &&
      ctx.index().dtype(x) != DataType::kFloat16) {
    return false;
  }
  const std::string out = top.outputs[0];
  for (int d : dead) ctx.remove_node(d);
  ctx.edit_node(i, [&](ir::Node& n) {
    n.op_type = "Gelu";
    n.domain = kOnyxDomain;
    n.opset = 1;
    n.inputs = {x};
    n.outputs = {out};
    n.attributes.clear();
  });
  fusion::import_onyx_domain(ctx);
  return true;
}

}  // namespace

void add_gelu_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fuse_gelu", kExtended, {"Mul"}, fuse_gelu});
}

}  // namespace onyx::opt
