// Level-2 fusions into onyx FusedMatMul (docs/fused-ops.md), for float tensors:
//   MatMul(A, Transpose(B) swapping the last two axes) -> FusedMatMul(transB = 1)
//   MatMul / FusedMatMul followed by Mul or Div by a scalar constant -> alpha
//   MatMul / FusedMatMul followed by Add of a [N] bias -> bias
//   Gemm (no transA, alpha = beta = 1, C of N values) -> FusedMatMul; with a constant B and C
//     on its own (gemm_to_fused_matmul), so that B is packed at load
//   any of these followed by an activation (Relu, Gelu, ...) -> activation
// Each step needs the intermediate value to have this one reader. Also (rule
// pretranspose_gemm_weights): a Gemm / FusedMatMul with transB = 1 and a 2-D constant float B
// gets B transposed once here and transB = 0, since row-major sgemm with a transposed B runs
// 1.3-2.5x slower than without at transformer shapes (docs/performance.md).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

bool is_float(RewriteContext& ctx, const std::string& v) {
  return ctx.index().dtype(v) == DataType::kFloat;
}

bool attr_empty(const ir::Node& n, const char* name) {
  const ir::Attribute* a = n.find_attribute(name);
  return a == nullptr || a->s.empty();
}

// Index of the MatMul / FusedMatMul producing `v` (read only by its one consumer) which may
// still take `what` ("scale", "bias", "activation"); -1 otherwise.
int fusable_matmul(RewriteContext& ctx, const std::string& v, const std::string& what) {
  if (!ctx.single_consumer(v)) return -1;
  const int p = ctx.producer_index(v);
  if (p < 0 || ctx.is_removed(p)) return -1;
  const ir::Node& n = ctx.node(p);
  // The element type is A's (a fused node's output may have no recorded type).
  if (n.inputs.empty() || !is_float(ctx, n.inputs[0])) return -1;
  if (n.op_type == "MatMul" && n.domain.empty()) return p;
  if (n.op_type != "FusedMatMul" || n.domain != kOnyxDomain) return -1;
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  if (!attr_empty(n, "activation")) return -1;         // nothing goes after the activation
  if (what != "activation" && has_bias) return -1;     // scale and bias come before the bias
  return p;
}

void set_attr(ir::Node& n, ir::Attribute a) {
  for (auto& x : n.attributes) {
    if (x.name == a.name) {
      x = std::move(a);
      return;
    }
  }
  n.attributes.push_back(std::move(a));
}

float alpha_of(const ir::Node& n) {
  const ir::Attribute* a = n.find_attribute("alpha");
  return a != nullptr ? a->f : 1.f;
}

// MatMul(A, Transpose(B)) where the Transpose swaps the last two axes only.
bool fuse_matmul_transpose(RewriteContext& ctx, int i) {
  const ir::Node& mm = ctx.node(i);
  if (mm.inputs.size() != 2 || !is_float(ctx, mm.outputs[0])) return false;
  const std::string t_out = mm.inputs[1];
  const int t = ctx.producer_index(t_out);
  if (t < 0 || ctx.is_removed(t) || !ctx.single_consumer(t_out)) return false;
  const ir::Node& tn = ctx.node(t);
  if (tn.op_type != "Transpose" || !tn.domain.empty()) return false;
  const ir::Attribute* perm = tn.find_attribute("perm");
  if (perm == nullptr || perm->ints.size() < 2) return false;
  std::vector<int64_t> want(perm->ints.size());
  std::iota(want.begin(), want.end(), 0);
  std::swap(want[want.size() - 1], want[want.size() - 2]);
  if (perm->ints != want) return false;
  // Both operands need rank >= 2 (a 1-D A would change meaning): known ranks only.
  const ir::TypeInfo* at = ctx.index().type(mm.inputs[0]);
  if (at == nullptr || !at->shape || at->shape->size() < 2) return false;
  const std::string b = tn.inputs[0], out = mm.outputs[0];
  ctx.remove_node(t);
  fusion::fuse_into(ctx, i, "FusedMatMul", out, [&](ir::Node& n) {
    n.inputs[1] = b;
    n.attributes.clear();
    n.attributes.push_back(rules::make_int_attr("transB", 1));
  });
  return true;
}

// Mul(MatMul, c) / Div(MatMul, c) with c a scalar constant.
bool fuse_matmul_scale(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (n.inputs.size() != 2) return false;
  const bool div = n.op_type == "Div";
  for (size_t side = 0; side < (div ? 1u : 2u); ++side) {
    double c;
    if (!rules::scalar_value(ctx.constant(n.inputs[1 - side]), c) || c == 0.0) continue;
    const int p = fusable_matmul(ctx, n.inputs[side], "scale");
    if (p < 0) continue;
    // A MatMul with a 1-D operand drops dims: only fuse when A and B have rank >= 2.
    const ir::TypeInfo* at = ctx.index().type(ctx.node(p).inputs[0]);
    const ir::TypeInfo* bt = ctx.index().type(ctx.node(p).inputs[1]);
    if (at == nullptr || bt == nullptr || !at->shape || !bt->shape || at->shape->size() < 2 ||
        bt->shape->size() < 2) {
      continue;
    }
    const float alpha = alpha_of(ctx.node(p)) * static_cast<float>(div ? 1.0 / c : c);
    const std::string out = n.outputs[0];
    ctx.remove_node(i);
    fusion::fuse_into(ctx, p, "FusedMatMul", out, [&](ir::Node& m) { set_attr(m, rules::make_float_attr("alpha", alpha)); });
    return true;
  }
  return false;
}

// Add(MatMul(A, B), bias) with bias holding N values along the last axis.
bool fuse_matmul_bias(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (n.inputs.size() != 2) return false;
  for (size_t side = 0; side < 2; ++side) {
    const std::string& y = n.inputs[side];
    const std::string& bias = n.inputs[1 - side];
    const int p = fusable_matmul(ctx, y, "bias");
    if (p < 0) continue;
    // Only the bias and B need static shapes: with symbolic batch / sequence dims (models
    // exported with dynamic axes) y's rank is enough to know the Add does not broadcast y.
    const auto bs = ctx.index().static_shape(bias);
    const ir::Node& mm = ctx.node(p);
    const auto ws = ctx.index().static_shape(mm.inputs[1]);
    if (!bs || bs->empty() || !ws || ws->size() < 2 || !is_float(ctx, bias)) continue;
    const ir::TypeInfo* yt = ctx.index().type(y);
    const ir::TypeInfo* at = ctx.index().type(mm.inputs[0]);
    const bool ranks_known = yt != nullptr && yt->shape && at != nullptr && at->shape;
    const ir::Attribute* tb = mm.find_attribute("transB");
    const int64_t N = tb != nullptr && tb->i != 0 ? (*ws)[ws->size() - 2] : ws->back();
    // bias: [N] or [1, .., 1, N], of rank at most y's (so the Add does not broadcast y).
    // With y's rank unknown (shape arithmetic folded after ONNX's inference ran) only a 1-D
    // bias is certain not to.
    if (ranks_known ? yt->shape->size() < std::max<size_t>(2, bs->size()) : bs->size() != 1) {
      continue;
    }
    if (bs->back() != N ||
        std::any_of(bs->begin(), bs->end() - 1, [](int64_t d) { return d != 1; })) {
      continue;
    }
    const std::string out = n.outputs[0], b = bias;
    ctx.remove_node(i);
    fusion::fuse_into(ctx, p, "FusedMatMul", out, [&](ir::Node& m) {
      m.inputs.resize(2);
      m.inputs.push_back(b);
    });
    return true;
  }
  return false;
}

// Gemm(A, B, C) with transA = 0, alpha = beta = 1 and C of N values -> FusedMatMul, so that
// an activation after it can fuse too. Only when that activation exists (anchor: activation).
int gemm_as_fused(RewriteContext& ctx, const std::string& v) {
  if (!ctx.single_consumer(v) || !is_float(ctx, v)) return -1;
  const int p = ctx.producer_index(v);
  if (p < 0 || ctx.is_removed(p)) return -1;
  const ir::Node& g = ctx.node(p);
  if (g.op_type != "Gemm" || !g.domain.empty()) return -1;
  const ir::Attribute* ta = g.find_attribute("transA");
  const ir::Attribute* al = g.find_attribute("alpha");
  const ir::Attribute* be = g.find_attribute("beta");
  if ((ta && ta->i != 0) || (al && al->f != 1.f) || (be && be->f != 1.f)) return -1;
  const auto ys = ctx.index().static_shape(v);
  if (!ys || ys->size() != 2) return -1;
  if (g.inputs.size() > 2 && !g.inputs[2].empty()) {
    const auto cs = ctx.index().static_shape(g.inputs[2]);
    if (!cs || cs->empty() || cs->back() != (*ys)[1] ||
        std::any_of(cs->begin(), cs->end() - 1, [](int64_t d) { return d != 1; })) {
      return -1;
    }
  }
  return p;
}

bool fuse_matmul_activation(RewriteContext& ctx, int i) {
  const ir::Node& act = ctx.node(i);
  if (act.inputs.empty() || act.outputs.size() != 1) return false;
  std::string name;
  std::vector<float> params;
  if (!fusion::matmul_activation(act, name, params)) return false;
  int p = fusable_matmul(ctx, act.inputs[0], "activation");
  bool gemm = false;
  if (p < 0) {
    p = gemm_as_fused(ctx, act.inputs[0]);
    gemm = p >= 0;
  }
  if (p < 0) return false;
  const std::string out = act.outputs[0];
  ctx.remove_node(i);
  fusion::fuse_into(ctx, p, "FusedMatMul", out, [&](ir::Node& m) {
    if (gemm) {
      const ir::Attribute* tb = m.find_attribute("transB");
      const int64_t trans_b = tb != nullptr ? tb->i : 0;
      m.attributes.clear();
      m.attributes.push_back(rules::make_int_attr("transB", trans_b));
    }
    set_attr(m, rules::make_string_attr("activation", name));
    if (!params.empty()) set_attr(m, rules::make_floats_attr("activation_params", params));
  });
  return true;
}

// Gemm(A, W, bias) with a constant float W, transA = 0, alpha = beta = 1 and a constant C of N
// values (or none) -> FusedMatMul, whose constant B is packed once at load for oneDNN's matmul
// with the bias inside it (sgemm repacks W on every call: docs/performance.md).
bool gemm_to_fused_matmul(RewriteContext& ctx, int i) {
  const ir::Node& g = ctx.node(i);
  if (!g.domain.empty() || g.inputs.size() < 2 || g.outputs.size() != 1) return false;
  const ir::Attribute* ta = g.find_attribute("transA");
  const ir::Attribute* tb = g.find_attribute("transB");
  const ir::Attribute* al = g.find_attribute("alpha");
  const ir::Attribute* be = g.find_attribute("beta");
  if ((ta && ta->i != 0) || (al && al->f != 1.f) || (be && be->f != 1.f)) return false;
  // A known to have another rank than Gemm's 2 stays a Gemm (and fails as one). Exporters
  // rarely type the A of a transformer's projections, so an unknown rank is accepted: on a
  // model whose Gemm then gets an A of another rank at run time, FusedMatMul batches it.
  const ir::TypeInfo* a = ctx.index().type(g.inputs[0]);
  if (!is_float(ctx, g.inputs[0]) || (a != nullptr && a->shape && a->shape->size() != 2)) {
    return false;
  }
  const Tensor* w = ctx.constant(g.inputs[1]);
  if (w == nullptr || w->dtype() != DataType::kFloat || w->rank() != 2) return false;
  const int64_t trans_b = tb != nullptr ? tb->i : 0;
  const int64_t N = trans_b != 0 ? w->dim(0) : w->dim(1);
  if (g.inputs.size() > 2 && !g.inputs[2].empty()) {
    const Tensor* c = ctx.constant(g.inputs[2]);
    if (c == nullptr || c->dtype() != DataType::kFloat || c->rank() > 2 || c->numel() != N ||
        (c->rank() == 2 && c->dim(0) != 1)) {
      return false;
    }
  }
  ctx.edit_node(i, [&](ir::Node& m) {
    m.op_type = "FusedMatMul";
    m.domain = kOnyxDomain;
    m.opset = 1;
    m.attributes.clear();
    m.attributes.push_back(rules::make_int_attr("transB", trans_b));
  });
  ctx.import_domain(kOnyxDomain, 1);
  return true;
}

bool pretranspose_gemm_weights(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  const bool gemm = n.op_type == "Gemm" && n.domain.empty();
  if (!gemm && !(n.op_type == "FusedMatMul" && n.domain == kOnyxDomain)) return false;
  const ir::Attribute* tb = n.find_attribute("transB");
  if (tb == nullptr || tb->i == 0 || n.inputs.size() < 2) return false;
  const std::string b_name = n.inputs[1];
  const Tensor* b = ctx.constant(b_name);
  if (b == nullptr || b->dtype() != DataType::kFloat || b->rank() != 2) return false;
  if (gemm && (n.inputs.empty() || !is_float(ctx, n.inputs[0]))) return false;
  const int64_t rows = b->dim(0), cols = b->dim(1);
  Tensor t(DataType::kFloat, {cols, rows});
  const float* src = b->data<float>();
  float* dst = t.data<float>();
  constexpr int64_t kTile = 32;  // cache-friendly blocks
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      for (int64_t r = r0; r < std::min(rows, r0 + kTile); ++r) {
        for (int64_t c = c0; c < std::min(cols, c0 + kTile); ++c) dst[c * rows + r] = src[r * cols + c];
      }
    }
  }
  const std::string t_name = ctx.add_constant(b_name + "_transposed", std::move(t));
  ctx.edit_node(i, [&](ir::Node& m) {
    m.inputs[1] = t_name;
    set_attr(m, rules::make_int_attr("transB", 0));
  });
  return true;
}

// MatMul(A, B) with a constant 2-D float B and nothing left to fuse -> FusedMatMul, whose B is
// packed once at load, where MatMul's sgemm packs it on every call: GPT-2's LM head (B of 768
// x 50257, 154 MB) over 32 tokens 35.9 -> 26.7 ms. At level 3, after the level-2 fusions have
// taken every MatMul with a bias, scale or activation.
bool pack_constant_matmul(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (!n.domain.empty() || n.inputs.size() != 2 || n.outputs.size() != 1) return false;
  // (A has B's type; its own may not be recorded after earlier fusions. FusedMatMul takes a
  // 1-D A as MatMul does.)
  const Tensor* b = ctx.constant(n.inputs[1]);
  if (b == nullptr || b->dtype() != DataType::kFloat || b->rank() != 2) return false;
  ctx.edit_node(i, [&](ir::Node& m) {
    m.op_type = "FusedMatMul";
    m.domain = kOnyxDomain;
    m.opset = 1;
    m.attributes.clear();
  });
  ctx.import_domain(kOnyxDomain, 1);
  return true;
}

}  // namespace

void add_matmul_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"pack_constant_matmul", kLayout, {"MatMul"}, pack_constant_matmul});
  rules.push_back({"pretranspose_gemm_weights", kExtended, {"Gemm", "onyx:FusedMatMul"},
                   pretranspose_gemm_weights});
  rules.push_back({"gemm_to_fused_matmul", kExtended, {"Gemm"}, gemm_to_fused_matmul});
  rules.push_back({"fuse_matmul_transpose", kExtended, {"MatMul"}, fuse_matmul_transpose});
  rules.push_back({"fuse_matmul_scale", kExtended, {"Mul", "Div"}, fuse_matmul_scale});
  rules.push_back({"fuse_matmul_bias", kExtended, {"Add"}, fuse_matmul_bias});
  rules.push_back({"fuse_matmul_activation",
                   kExtended,
                   {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "onyx:Gelu"},
                   fuse_matmul_activation});
}

}  // namespace onyx::opt
