// Level-2 fusions of statically quantized (QDQ) graphs, the form onnxruntime's quantize_static
// writes: each quantized operator reads DequantizeLinear outputs and its result goes through
// QuantizeLinear. They run before constant folding (optimizer.cpp), which would otherwise turn
// the weights' DequantizeLinear into float constants and hide the integer weights.
//
//   QuantizeLinear(Conv(DQ(x_q), DQ(w_q), DQ(b_q)) [-> Relu], y_scale, y_zp)
//     => QLinearConv(x_q, x_scale, x_zp, w_q, w_scale, w_zp, y_scale, y_zp, b_q) [-> Max(., y_zp)]
//
// QLinearConv sums exactly in int32 and rounds once, where the QDQ graph sums dequantized floats
// and rounds to float on the way: a result may differ by one quantization step where the float
// sum lands across a rounding tie (as in onnxruntime, which fuses the same way). A Relu or Clip
// before the QuantizeLinear clamps to [lo, hi], and Q(clamp(y, lo, hi)) = clamp(Q(y), Q(lo),
// Q(hi)) since Q is monotonic: nothing at all where Q's own saturation gives those bounds (a
// Relu with y_zp the type's minimum, a ReLU6 calibrated to [0, 6]), else a Max or Clip on the
// 8-bit values.
//
//   QuantizeLinear(MaxPool(v)) => MaxPool(QuantizeLinear(v))
//
// is exact for a per-tensor QuantizeLinear (monotonic, and MaxPool only selects), and lets the
// convolution before the pool fuse (ResNet's stem: Conv -> Relu -> MaxPool -> Q).
//
//   QuantizeLinear(Add(DQ(a), DQ(b)) [-> Relu]) => onyx QLinearAdd(a, ..., b, ..., y) [Relu]
//
// (the residual sums) computes exactly what the nodes it replaces do, per-tensor parameters and
// one shape for a and b only.
//
//   QuantizeLinear(MatMul(DQ(a), DQ(W))) => QLinearMatMul(a, ..., W, ..., y)   (W constant int8)
//   MatMul / Gemm(DQ(a), DQ(W) [, DQ(b)]) with a float result => onyx DynamicQuantizeMatMul
//     with A already quantized (a CNN's classifier)
//
// The convolution rules (and the Add and MaxPool ones that serve them) apply only where
// QLinearConv has its fast path (oneDNN's int8 kernels on VNNI / AMX, int8 weights without zero
// points: ops/quant/integer_conv.cpp): elsewhere its exact reference is slower than the float
// convolution of the dequantized weights (ResNet-50 QDQ without VNNI: 240 ms against 65), so the
// convolutions stay float, in the blocked layout, which Q / DQ pairs keep between them and a
// QLinearAdd would break (69 ms against 64.5). The matrix rules need the packed int8 matmul
// (ops/quant/int8_matmul.h) likewise.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/quant/int8_conv.h"
#include "ops/quant/int8_matmul.h"
#include "optimizer/rewrite.h"
#include "optimizer/rules/fusion_util.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// The live ai.onnx node of op `op` producing `v` (other readers allowed), or -1.
int producer_of(RewriteContext& ctx, const std::string& v, const char* op) {
  const int p = ctx.producer_index(v);
  if (p < 0 || ctx.is_removed(p)) return -1;
  const ir::Node& n = ctx.node(p);
  return n.op_type == op && n.domain.empty() ? p : -1;
}

bool is_8bit(DataType t) { return t == DataType::kInt8 || t == DataType::kUInt8; }

bool float_scalar(const Tensor* t) {
  return t != nullptr && t->dtype() == DataType::kFloat && t->numel() == 1 && t->rank() <= 1;
}

// Attributes that change what a per-tensor Q / DQ means beyond (scale, zero point): blocked
// quantization and an output type given apart from the zero point.
bool plain_qdq_attributes(const ir::Node& n) {
  for (const auto& a : n.attributes) {
    if ((a.name == "block_size" || a.name == "output_dtype") && a.i != 0) return false;
  }
  return true;
}

// A per-tensor 8-bit QuantizeLinear / DequantizeLinear: (scale, zero point) constant scalars, the
// zero point given (it carries the 8-bit type).
bool per_tensor_8bit(RewriteContext& ctx, const ir::Node& n) {
  if (n.inputs.size() < 3 || n.inputs[2].empty() || !plain_qdq_attributes(n)) return false;
  const Tensor* zp = ctx.constant(n.inputs[2]);
  return float_scalar(ctx.constant(n.inputs[1])) && zp != nullptr && zp->numel() == 1 &&
         zp->rank() <= 1 && is_8bit(zp->dtype());
}

// The int8 / uint8 weights' DequantizeLinear: constant weights of rank `rank`, a scalar scale
// or one per slice along `axis` (a convolution's output channels, 0; a matrix's columns, 1), zero
// points alike.
bool weight_dequantize(RewriteContext& ctx, const ir::Node& dq, int64_t rank, int64_t axis) {
  if (dq.inputs.size() < 2 || !plain_qdq_attributes(dq)) return false;
  const Tensor* w = ctx.constant(dq.inputs[0]);
  const Tensor* s = ctx.constant(dq.inputs[1]);
  if (w == nullptr || s == nullptr || !is_8bit(w->dtype()) || static_cast<int64_t>(w->rank()) != rank ||
      s->dtype() != DataType::kFloat) {
    return false;
  }
  const int64_t M = w->dim(static_cast<size_t>(axis));
  const bool per_channel = s->rank() == 1 && s->numel() == M && M > 1;
  if (!float_scalar(s) && !per_channel) return false;
  if (per_channel) {
    const ir::Attribute* a = dq.find_attribute("axis");
    const int64_t given = a == nullptr ? 1 : a->i;  // DequantizeLinear's default axis is 1
    if (given != axis && given != axis - rank) return false;
  }
  if (dq.inputs.size() > 2 && !dq.inputs[2].empty()) {
    const Tensor* z = ctx.constant(dq.inputs[2]);
    if (z == nullptr || z->dtype() != w->dtype() || z->numel() != s->numel()) return false;
  }
  return true;
}

// The int32 bias' DequantizeLinear, with zero points of zero and the scale QLinearConv implies
// (x_scale * w_scale[m], to float rounding).
bool bias_dequantize(RewriteContext& ctx, const ir::Node& dq, int64_t M, float x_scale,
                     const Tensor& w_scale) {
  if (dq.inputs.size() < 2 || !plain_qdq_attributes(dq)) return false;
  const Tensor* b = ctx.constant(dq.inputs[0]);
  const Tensor* s = ctx.constant(dq.inputs[1]);
  if (b == nullptr || s == nullptr || b->dtype() != DataType::kInt32 || b->rank() != 1 ||
      b->dim(0) != M || s->dtype() != DataType::kFloat ||
      !(s->numel() == 1 || (s->rank() == 1 && s->numel() == M))) {
    return false;
  }
  if (s->numel() > 1) {
    const ir::Attribute* axis = dq.find_attribute("axis");
    if (axis != nullptr && axis->i != 0 && axis->i != -1) return false;
  }
  if (dq.inputs.size() > 2 && !dq.inputs[2].empty()) {
    const Tensor* z = ctx.constant(dq.inputs[2]);
    if (z == nullptr || !rules::is_all(*z, 0)) return false;
  }
  for (int64_t m = 0; m < M; ++m) {
    const float want = x_scale * w_scale.data<float>()[w_scale.numel() == 1 ? 0 : m];
    const float have = s->data<float>()[s->numel() == 1 ? 0 : m];
    if (std::fabs(have - want) > 1e-6f * std::fabs(want)) return false;
  }
  return true;
}

// The range [lo, hi] a Relu or Clip between the convolution and its QuantizeLinear clamps to;
// false for other nodes or a Clip whose bounds are not constants.
bool activation_range(RewriteContext& ctx, const ir::Node& act, double& lo, double& hi) {
  lo = -std::numeric_limits<double>::infinity();
  hi = std::numeric_limits<double>::infinity();
  if (act.op_type == "Relu") {
    lo = 0;
    return true;
  }
  if (act.op_type != "Clip") return false;
  if (act.opset < 11) {  // bounds as attributes
    if (const ir::Attribute* a = act.find_attribute("min")) lo = a->f;
    if (const ir::Attribute* a = act.find_attribute("max")) hi = a->f;
    return lo <= hi;
  }
  for (size_t k = 1; k < act.inputs.size() && k < 3; ++k) {
    if (act.inputs[k].empty()) continue;
    double v = 0;
    if (!rules::scalar_value(ctx.constant(act.inputs[k]), v)) return false;
    (k == 1 ? lo : hi) = v;
  }
  return lo <= hi;
}

// QuantizeLinear of one value, as the operator computes it (the division in float).
int64_t quantize_value(double v, float scale, int64_t zp, int64_t qmin, int64_t qmax) {
  if (std::isinf(v)) return v < 0 ? qmin : qmax;
  const float q = std::nearbyint(static_cast<float>(v) / scale);
  return std::clamp(static_cast<int64_t>(std::clamp(q, -1e9f, 1e9f)) + zp, qmin, qmax);
}

Tensor eight_bit_scalar(DataType dt, int64_t v) {
  return dt == DataType::kUInt8 ? Tensor::scalar<uint8_t>(static_cast<uint8_t>(v))
                                : Tensor::scalar<int8_t>(static_cast<int8_t>(v));
}

bool fuse_qdq_conv(RewriteContext& ctx, int i) {
  if (!quant::int8_convolution_available()) return false;
  const ir::Node& q = ctx.node(i);
  if (q.outputs.size() != 1 || !per_tensor_8bit(ctx, q)) return false;
  // Conv -> [Relu or Clip ->] Q, each read by the next alone.
  int act = fusion::sole_producer(ctx, q.inputs[0], "Relu");
  if (act < 0) act = fusion::sole_producer(ctx, q.inputs[0], "Clip");
  double act_lo = 0, act_hi = 0;
  if (act >= 0 && !activation_range(ctx, ctx.node(act), act_lo, act_hi)) return false;
  const std::string conv_out = act >= 0 ? ctx.node(act).inputs[0] : q.inputs[0];
  const int c = fusion::sole_producer(ctx, conv_out, "Conv");
  if (c < 0) return false;
  const ir::Node& conv = ctx.node(c);
  if (conv.inputs.size() < 2 || conv.outputs.size() != 1) return false;
  const int xdq = producer_of(ctx, conv.inputs[0], "DequantizeLinear");
  const int wdq = producer_of(ctx, conv.inputs[1], "DequantizeLinear");
  if (xdq < 0 || wdq < 0 || !per_tensor_8bit(ctx, ctx.node(xdq))) return false;
  const ir::Node& xn = ctx.node(xdq);
  const ir::Node& wn = ctx.node(wdq);
  const Tensor* w = ctx.constant(wn.inputs[0]);
  if (w == nullptr || w->dtype() != DataType::kInt8 ||
      !weight_dequantize(ctx, wn, static_cast<int64_t>(w->rank()), 0)) {
    return false;
  }
  if (wn.inputs.size() > 2 && !wn.inputs[2].empty() && !rules::is_all(*ctx.constant(wn.inputs[2]), 0)) {
    return false;  // oneDNN has no weight zero points
  }
  std::string bias;
  if (conv.inputs.size() > 2 && !conv.inputs[2].empty()) {
    const int bdq = producer_of(ctx, conv.inputs[2], "DequantizeLinear");
    if (bdq < 0 || !bias_dequantize(ctx, ctx.node(bdq), w->dim(0),
                                    ctx.constant(xn.inputs[1])->data<float>()[0],
                                    *ctx.constant(wn.inputs[1]))) {
      return false;
    }
    bias = ctx.node(bdq).inputs[0];
  }
  // The activation's bounds in the 8-bit domain; those Q's saturation already gives vanish.
  const Tensor* yzp = ctx.constant(q.inputs[2]);
  const DataType qt = yzp->dtype();
  const int64_t qmin = qt == DataType::kUInt8 ? 0 : -128, qmax = qt == DataType::kUInt8 ? 255 : 127;
  int64_t qlo = qmin, qhi = qmax;
  if (act >= 0) {
    const float y_scale = ctx.constant(q.inputs[1])->data<float>()[0];
    const int64_t z = qt == DataType::kUInt8 ? yzp->data<uint8_t>()[0] : yzp->data<int8_t>()[0];
    if (!(y_scale > 0.f) || !std::isfinite(y_scale)) return false;
    qlo = quantize_value(act_lo, y_scale, z, qmin, qmax);
    qhi = quantize_value(act_hi, y_scale, z, qmin, qmax);
    if ((qlo > qmin || qhi < qmax) && ctx.opset("") < 12) return false;  // Max / Clip on 8 bits
  }
  const std::vector<std::string> inputs = {xn.inputs[0], xn.inputs[1], xn.inputs[2],
                                           wn.inputs[0], wn.inputs[1],
                                           wn.inputs.size() > 2 ? wn.inputs[2] : "",
                                           q.inputs[1],  q.inputs[2], bias};
  const std::vector<ir::Attribute> attrs = conv.attributes;
  const std::string name = conv.name, out = q.outputs[0];
  ctx.remove_node(c);
  if (act >= 0) ctx.remove_node(act);
  const bool clamp = qlo > qmin || qhi < qmax;
  const std::string conv_y = clamp ? ctx.fresh_name(out + "_unclamped") : out;
  ctx.edit_node(i, [&](ir::Node& n) {
    n.op_type = "QLinearConv";
    n.name = name;
    n.inputs = inputs;
    while (!n.inputs.empty() && n.inputs.back().empty()) n.inputs.pop_back();
    n.attributes = attrs;
    n.outputs = {conv_y};
  });
  if (clamp) {
    // Max(y, Q(lo)) for a lower bound alone (a Relu), else Clip(y, Q(lo), Q(hi)).
    ir::Node bound;
    bound.op_type = qhi < qmax ? "Clip" : "Max";
    bound.name = name + "_activation";
    bound.inputs = {conv_y, ctx.add_constant(out + "_lo", eight_bit_scalar(qt, qlo))};
    if (qhi < qmax) bound.inputs.push_back(ctx.add_constant(out + "_hi", eight_bit_scalar(qt, qhi)));
    bound.outputs = {out};
    bound.opset = static_cast<int>(ctx.opset(""));
    ctx.add_node(std::move(bound));
  }
  return true;
}

bool swap_maxpool_quantize(RewriteContext& ctx, int i) {
  if (!quant::int8_convolution_available()) return false;
  const ir::Node& q = ctx.node(i);
  if (q.outputs.size() != 1 || !per_tensor_8bit(ctx, q) || ctx.opset("") < 12) return false;
  const int p = fusion::sole_producer(ctx, q.inputs[0], "MaxPool");
  if (p < 0) return false;
  const ir::Node& pool = ctx.node(p);
  if (pool.outputs.size() != 1 || pool.inputs.size() != 1) return false;  // no Indices
  const std::string v = pool.inputs[0], quantized = ctx.fresh_name(v + "_quantized");
  const std::string out = q.outputs[0];
  // The new value's type: the pool input's shape, the zero point's element type.
  if (const ir::TypeInfo* t = ctx.graph().find_type(v)) {
    ir::TypeInfo qt = *t;
    qt.elem_type = ctx.constant(q.inputs[2])->dtype();
    ctx.graph().value_info.push_back(ir::ValueInfo{quantized, qt, {}});
  }
  // Q reads the pool's input; the pool reads Q's output and writes what Q wrote.
  ctx.edit_node(i, [&](ir::Node& n) {
    n.inputs[0] = v;
    n.outputs = {quantized};
  });
  ctx.edit_node(p, [&](ir::Node& n) {
    n.inputs = {quantized};
    n.outputs = {out};
  });
  return true;
}

bool fuse_qdq_add(RewriteContext& ctx, int i) {
  if (!quant::int8_convolution_available()) return false;  // (see above)
  const ir::Node& q = ctx.node(i);
  if (q.outputs.size() != 1 || !per_tensor_8bit(ctx, q)) return false;
  const float y_scale = ctx.constant(q.inputs[1])->data<float>()[0];
  if (!(y_scale > 0.f) || !std::isfinite(y_scale)) return false;  // QuantizeLinear's fast path
  const int relu = fusion::sole_producer(ctx, q.inputs[0], "Relu");
  const std::string sum = relu >= 0 ? ctx.node(relu).inputs[0] : q.inputs[0];
  const int add = fusion::sole_producer(ctx, sum, "Add");
  if (add < 0 || ctx.node(add).inputs.size() != 2) return false;
  const ir::Node& an = ctx.node(add);
  if (!rules::same_shape(ctx.graph().find_type(an.inputs[0]), ctx.graph().find_type(an.inputs[1]))) {
    return false;  // no broadcasting in the fused op
  }
  std::vector<std::string> inputs;
  for (const std::string& v : an.inputs) {
    const int dq = producer_of(ctx, v, "DequantizeLinear");
    if (dq < 0 || !per_tensor_8bit(ctx, ctx.node(dq))) return false;
    const ir::Node& d = ctx.node(dq);
    // Scales whose products with 8-bit values stay finite: no NaN for Relu to meet.
    const float s = ctx.constant(d.inputs[1])->data<float>()[0];
    if (!(std::fabs(s) < 1e30f)) return false;
    inputs.insert(inputs.end(), {d.inputs[0], d.inputs[1], d.inputs[2]});
  }
  inputs.insert(inputs.end(), {q.inputs[1], q.inputs[2]});
  const std::string name = an.name, out = q.outputs[0];
  ctx.remove_node(add);
  if (relu >= 0) ctx.remove_node(relu);
  fusion::fuse_into(ctx, i, "QLinearAdd", out, [&](ir::Node& n) {
    n.name = name;
    n.inputs = inputs;
    n.attributes.clear();
    if (relu >= 0) n.attributes.push_back(rules::make_string_attr("activation", "Relu"));
  });
  return true;
}

// Q(MatMul(DQ(a), DQ(W))) with constant int8 W [K, N] (scales per tensor or per column, zero
// points zero) => QLinearMatMul, whose fast path packs W for oneDNN's int8 matmul. Like the
// convolution, exact int32 sums and one rounding where the graph rounds float sums.
bool fuse_qdq_matmul(RewriteContext& ctx, int i) {
  if (!quant::int8_fast_path_enabled() || ctx.opset("") < 10) return false;
  const ir::Node& q = ctx.node(i);
  if (q.outputs.size() != 1 || !per_tensor_8bit(ctx, q)) return false;
  const int mm = fusion::sole_producer(ctx, q.inputs[0], "MatMul");
  if (mm < 0 || ctx.node(mm).inputs.size() != 2) return false;
  const ir::Node& mn = ctx.node(mm);
  const int adq = producer_of(ctx, mn.inputs[0], "DequantizeLinear");
  const int wdq = producer_of(ctx, mn.inputs[1], "DequantizeLinear");
  if (adq < 0 || wdq < 0 || !per_tensor_8bit(ctx, ctx.node(adq))) return false;
  const ir::Node& an = ctx.node(adq);
  const ir::Node& wn = ctx.node(wdq);
  if (!weight_dequantize(ctx, wn, 2, 1)) return false;
  const Tensor* w = ctx.constant(wn.inputs[0]);
  const Tensor* ws = ctx.constant(wn.inputs[1]);
  if (w->dtype() != DataType::kInt8) return false;
  std::string wz;
  if (wn.inputs.size() > 2 && !wn.inputs[2].empty()) {
    const Tensor* z = ctx.constant(wn.inputs[2]);
    if (!rules::is_all(*z, 0)) return false;
    wz = wn.inputs[2];
  }
  std::vector<std::string> inputs = {an.inputs[0], an.inputs[1], an.inputs[2], wn.inputs[0],
                                     wn.inputs[1], wz, q.inputs[1], q.inputs[2]};
  const std::string name = mn.name, out = q.outputs[0];
  if (wz.empty()) {
    // QLinearMatMul requires b_zero_point: zeros of W's type and its scale's shape.
    Tensor zeros(DataType::kInt8, ws->shape());
    std::fill(zeros.data<int8_t>(), zeros.data<int8_t>() + zeros.numel(), int8_t{0});
    inputs[5] = ctx.add_constant(name + "_b_zero_point", std::move(zeros));
  }
  ctx.remove_node(mm);
  ctx.edit_node(i, [&](ir::Node& n) {
    n.op_type = "QLinearMatMul";
    n.name = name;
    n.inputs = inputs;
    n.attributes.clear();
    n.outputs = {out};
  });
  return true;
}

// DequantizeLinear -> MatMul / Gemm with constant int8 weights whose float result is not
// quantized again (a CNN's classifier) => onyx DynamicQuantizeMatMul with A already quantized:
// the exact int32 sums of the 8-bit values times a_scale * w_scale, plus the bias, where the
// graph sums dequantized floats (a difference of float rounding). A MatMul read by a
// QuantizeLinear is left to fuse_qdq_matmul.
bool fuse_qdq_matmul_float(RewriteContext& ctx, int i) {
  if (!quant::int8_fast_path_enabled()) return false;
  const ir::Node& n = ctx.node(i);
  const bool gemm = n.op_type == "Gemm";
  if (n.outputs.size() != 1 || n.inputs.size() < 2 || (!gemm && n.inputs.size() != 2)) {
    return false;
  }
  if (!gemm) {
    const auto& readers = ctx.index().consumers(n.outputs[0]);
    for (int r : readers) {
      if (ctx.node(r).op_type == "QuantizeLinear" && ctx.node(r).domain.empty()) return false;
    }
  }
  bool trans_b = false;
  if (gemm) {
    for (const auto& a : n.attributes) {
      if ((a.name == "alpha" || a.name == "beta") && a.f != 1.f) return false;
      if (a.name == "transA" && a.i != 0) return false;
      if (a.name == "transB") trans_b = a.i != 0;
    }
  }
  const int adq = producer_of(ctx, n.inputs[0], "DequantizeLinear");
  const int wdq = producer_of(ctx, n.inputs[1], "DequantizeLinear");
  if (adq < 0 || wdq < 0 || !per_tensor_8bit(ctx, ctx.node(adq))) return false;
  const ir::Node& an = ctx.node(adq);
  if (ctx.constant(an.inputs[2])->dtype() != DataType::kUInt8) return false;
  const ir::Node& wn = ctx.node(wdq);
  // W [K, N], or [N, K] under transB: the scales go along N either way.
  if (!weight_dequantize(ctx, wn, 2, trans_b ? 0 : 1)) return false;
  const Tensor* w = ctx.constant(wn.inputs[0]);
  if (w->dtype() != DataType::kInt8) return false;
  const int64_t N = trans_b ? w->dim(0) : w->dim(1), K = trans_b ? w->dim(1) : w->dim(0);
  // The bias: a float constant of N values, or the int32 one's DequantizeLinear.
  Tensor bias;
  if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
    std::vector<double> values;
    if (const Tensor* c = ctx.constant(n.inputs[2])) {
      if (c->numel() != N || !rules::as_doubles(*c, values)) return false;
    } else {
      const int bdq = producer_of(ctx, n.inputs[2], "DequantizeLinear");
      if (bdq < 0 || ctx.node(bdq).inputs.size() < 2) return false;
      const ir::Node& bn = ctx.node(bdq);
      const Tensor* bq = ctx.constant(bn.inputs[0]);
      const Tensor* bs = ctx.constant(bn.inputs[1]);
      if (bq == nullptr || !float_scalar(bs) || bq->dtype() != DataType::kInt32 ||
          bq->numel() != N || !plain_qdq_attributes(bn)) {
        return false;
      }
      if (bn.inputs.size() > 2 && !bn.inputs[2].empty()) {
        const Tensor* z = ctx.constant(bn.inputs[2]);
        if (z == nullptr || !rules::is_all(*z, 0)) return false;
      }
      for (int64_t k = 0; k < N; ++k) {
        values.push_back(static_cast<double>(bq->data<int32_t>()[k]) * bs->data<float>()[0]);
      }
    }
    bias = fusion::from_doubles(values, DataType::kFloat, {N});
  }
  // B as DynamicQuantizeMatMul takes it, [K, N].
  Tensor b(DataType::kInt8, {K, N});
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t c = 0; c < N; ++c) {
      b.data<int8_t>()[k * N + c] = w->data<int8_t>()[trans_b ? c * K + k : k * N + c];
    }
  }
  const std::string name = n.name, out = n.outputs[0];
  const std::string b_name = ctx.add_constant(name + "_weights_kn", std::move(b));
  const std::string bias_name = bias.numel() > 0 ? ctx.add_constant(name + "_bias", std::move(bias)) : "";
  const std::vector<std::string> inputs = {an.inputs[0], b_name, wn.inputs[1],
                                           wn.inputs.size() > 2 ? wn.inputs[2] : "", bias_name,
                                           an.inputs[1], an.inputs[2]};
  fusion::fuse_into(ctx, i, "DynamicQuantizeMatMul", out, [&](ir::Node& f) {
    f.inputs = inputs;
    f.attributes.clear();
  });
  return true;
}

}  // namespace

void add_qdq_fusion_rules(std::vector<RewriteRule>& rules) {
  rules.push_back({"swap_maxpool_quantize", kExtended, {"QuantizeLinear"}, swap_maxpool_quantize});
  rules.push_back({"fuse_qdq_conv", kExtended, {"QuantizeLinear"}, fuse_qdq_conv});
  rules.push_back({"fuse_qdq_add", kExtended, {"QuantizeLinear"}, fuse_qdq_add});
  rules.push_back({"fuse_qdq_matmul", kExtended, {"QuantizeLinear"}, fuse_qdq_matmul});
  rules.push_back({"fuse_qdq_matmul_float", kExtended, {"MatMul", "Gemm"}, fuse_qdq_matmul_float});
}

}  // namespace onyx::opt
