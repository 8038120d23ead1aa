// Level-2 rewrites folding per-channel affine ops into the convolution before them:
// Conv -> BatchNormalization (inference), Conv -> Mul(per-channel constant) and
// Conv -> Add(per-channel constant) become one Conv with rescaled weights and a new bias.
// Arithmetic is done in double and stored back in the weights' element type.
#include <cmath>

#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// The Conv producing node i's input `input_index`, when that Conv has constant weights (and
// bias, if any), a float element type, and node i as its only reader.
int foldable_conv(RewriteContext& ctx, int i, size_t input_index) {
  const ir::Node& n = ctx.node(i);
  if (input_index >= n.inputs.size()) return -1;
  const std::string& x = n.inputs[input_index];
  const int c = ctx.producer_index(x);
  if (c < 0 || ctx.is_removed(c) || !ctx.single_consumer(x)) return -1;
  const ir::Node& conv = ctx.node(c);
  if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2) return -1;
  const Tensor* w = ctx.constant(conv.inputs[1]);
  if (w == nullptr || !TypeListTraits<FloatTypes>::contains(w->dtype()) || w->rank() < 3) {
    return -1;
  }
  if (conv.inputs.size() > 2 && !conv.inputs[2].empty() && ctx.constant(conv.inputs[2]) == nullptr) {
    return -1;
  }
  return c;
}

// Rewrites Conv c to W' = W * scale[m], B' = B * scale[m] + shift[m], output `out`.
void rewrite_conv(RewriteContext& ctx, int c, const std::vector<double>& scale,
                  const std::vector<double>& shift, const std::string& out) {
  const ir::Node& conv = ctx.node(c);
  const Tensor& w = *ctx.constant(conv.inputs[1]);
  const int64_t M = w.dim(0);
  const int64_t per_m = M > 0 ? w.numel() / M : 0;
  std::vector<double> wv, bv(static_cast<size_t>(M), 0.0);
  rules::as_doubles(w, wv);
  if (conv.inputs.size() > 2 && !conv.inputs[2].empty()) {
    rules::as_doubles(*ctx.constant(conv.inputs[2]), bv);
  }
  for (int64_t m = 0; m < M; ++m) {
    const double s = scale[static_cast<size_t>(m)];
    for (int64_t k = 0; k < per_m; ++k) wv[static_cast<size_t>(m * per_m + k)] *= s;
    bv[static_cast<size_t>(m)] = bv[static_cast<size_t>(m)] * s + shift[static_cast<size_t>(m)];
  }
  const std::string w_name = ctx.add_constant(conv.inputs[1] + "_fused", fusion::from_doubles(wv, w.dtype(), w.shape()));
  const std::string b_name = ctx.add_constant((conv.name.empty() ? out : conv.name) + "_bias",
                                              fusion::from_doubles(bv, w.dtype(), {M}));
  ctx.edit_node(c, [&](ir::Node& n) {
    n.inputs.resize(3);
    n.inputs[1] = w_name;
    n.inputs[2] = b_name;
    n.outputs[0] = out;
  });
}

bool fuse_conv_batchnorm(RewriteContext& ctx, int i) {
  const ir::Node& bn = ctx.node(i);
  if (bn.inputs.size() < 5 || bn.outputs.empty()) return false;
  for (size_t k = 1; k < bn.outputs.size(); ++k) {  // training outputs must be unused
    if (!bn.outputs[k].empty() && ctx.index().use_count(bn.outputs[k]) > 0) return false;
  }
  if (const ir::Attribute* t = bn.find_attribute("training_mode"); t != nullptr && t->i != 0) {
    return false;
  }
  if (bn.opset < 9) return false;  // older versions have spatial / is_test variants
  const int c = foldable_conv(ctx, i, 0);
  if (c < 0) return false;
  const int64_t M = ctx.constant(ctx.node(c).inputs[1])->dim(0);
  std::vector<double> gamma, beta, mean, var;
  for (size_t k = 1; k <= 4; ++k) {
    const Tensor* t = ctx.constant(bn.inputs[k]);
    if (t == nullptr || t->numel() != M) return false;
  }
  rules::as_doubles(*ctx.constant(bn.inputs[1]), gamma);
  rules::as_doubles(*ctx.constant(bn.inputs[2]), beta);
  rules::as_doubles(*ctx.constant(bn.inputs[3]), mean);
  rules::as_doubles(*ctx.constant(bn.inputs[4]), var);
  if (gamma.size() != static_cast<size_t>(M)) return false;  // not a float type
  double eps = 1e-5;
  if (const ir::Attribute* e = bn.find_attribute("epsilon")) eps = e->f;
  std::vector<double> scale(static_cast<size_t>(M)), shift(static_cast<size_t>(M));
  for (size_t m = 0; m < scale.size(); ++m) {
    scale[m] = gamma[m] / std::sqrt(var[m] + eps);
    shift[m] = beta[m] - mean[m] * scale[m];
  }
  const std::string out = bn.outputs[0];
  ctx.remove_node(i);
  rewrite_conv(ctx, c, scale, shift, out);
  return true;
}

// Conv -> Mul(c) / Add(c) with c constant per output channel (shape [M,1,..], [1,M,1,..] or a
// scalar), either operand order.
bool fuse_conv_affine(RewriteContext& ctx, int i) {
  const ir::Node& n = ctx.node(i);
  if (n.inputs.size() != 2 || n.outputs.size() != 1) return false;
  for (size_t side = 0; side < 2; ++side) {
    const int c = foldable_conv(ctx, i, side);
    if (c < 0) continue;
    const Tensor* k = ctx.constant(n.inputs[1 - side]);
    const Tensor& w = *ctx.constant(ctx.node(c).inputs[1]);
    std::vector<double> per;
    if (k == nullptr || k->dtype() != w.dtype() ||
        !fusion::per_channel(*k, static_cast<int64_t>(w.rank()), w.dim(0), per)) {
      continue;
    }
    const bool mul = n.op_type == "Mul";
    std::vector<double> scale(per.size(), 1.0), shift(per.size(), 0.0);
    (mul ? scale : shift) = per;
    const std::string out = n.outputs[0];
    ctx.remove_node(i);
    rewrite_conv(ctx, c, scale, shift, out);
    return true;
  }
  return false;
}

}  // namespace

void add_conv_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"fuse_conv_batchnorm", kExtended, {"BatchNormalization"}, fuse_conv_batchnorm});
  rules.push_back({"fuse_conv_affine", kExtended, {"Mul", "Add"}, fuse_conv_affine});
}

}  // namespace onyx::opt
