// Attention (ai.onnx 23, 24, 25): scaled dot-product attention of Q over K/V, with 3-D
// [batch, seq, heads * dim] or 4-D [batch, heads, seq, dim] operands, grouped-query heads, an
// optional bool/float mask, causal masking, softcap, a KV cache (past_key/past_value in,
// present_key/present_value out) and, from opset 24, per-batch valid key counts
// (nonpad_kv_seqlen). The arithmetic is sdpa() in sdpa.h; this file validates shapes and lays
// out its operands.
//
// Semantics that are easy to get wrong, as the ONNX function body and errata define them:
// - the KV cache concatenates past and new keys along the sequence; present_* is always 4-D;
// - softcap applies to the scaled scores before the mask is added (so -inf stays -inf);
// - a mask shorter than the total key length is padded with -inf (bool: false);
// - is_causal is bottom-right aligned: query i sees key j iff j <= i + offset, offset = the
//   past length with past_key, else nonpad_kv_seqlen[b] - q_len when nonpad_kv_seqlen is given,
//   else 0; it composes with attn_mask;
// - a query row with every key masked outputs zeros (errata; the plain softmax would give NaN);
// - qk_matmul_output_mode 0..3: scores after scaling, after softcap, after mask, after softmax.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/attention/compute_buffers.h"
#include "ops/attention/sdpa.h"
#include "ops/common/block_copy.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using attention::Strides;

struct Dims {
  int64_t batch = 0, q_heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, qk_dim = 0, v_dim = 0;
  int64_t past = 0;  // past sequence length
  int64_t total() const { return past + kv_len; }
};

class Attention final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(q_num_heads_, info.attr_int("q_num_heads", 0));
    ONYX_ASSIGN_OR_RETURN(kv_num_heads_, info.attr_int("kv_num_heads", 0));
    if (q_num_heads_ < 0 || kv_num_heads_ < 0) {
      return info.error(StatusCode::kInvalidArgument, "q_num_heads and kv_num_heads must be >= 0");
    }
    ONYX_ASSIGN_OR_RETURN(int64_t causal, info.attr_int("is_causal", 0));
    if (causal != 0 && causal != 1) {
      return info.error(StatusCode::kInvalidArgument, "is_causal must be 0 or 1, got ", causal);
    }
    is_causal_ = causal == 1;
    has_scale_ = info.has_attr("scale");
    ONYX_ASSIGN_OR_RETURN(scale_, info.attr_float("scale", 1.f));
    ONYX_ASSIGN_OR_RETURN(softcap_, info.attr_float("softcap", 0.f));
    if (!(softcap_ >= 0)) {
      return info.error(StatusCode::kInvalidArgument, "softcap must be >= 0, got ", softcap_);
    }
    ONYX_ASSIGN_OR_RETURN(int64_t mode, info.attr_int("qk_matmul_output_mode", 0));
    if (mode < 0 || mode > 3) {
      return info.error(StatusCode::kInvalidArgument, "qk_matmul_output_mode must be 0..3, got ",
                        mode);
    }
    stage_ = static_cast<attention::ScoreStage>(mode);
    ONYX_ASSIGN_OR_RETURN(auto precision, info.attr_optional_int("softmax_precision"));
    if (precision) {
      const int64_t p = *precision;
      if (p != static_cast<int64_t>(DataType::kFloat) &&
          p != static_cast<int64_t>(DataType::kFloat16) &&
          p != static_cast<int64_t>(DataType::kDouble) &&
          p != static_cast<int64_t>(DataType::kBFloat16)) {
        return info.error(StatusCode::kInvalidArgument,
                          "softmax_precision must be float, float16, bfloat16 or double, got ", p);
      }
      // Lower precisions than the compute type are served by the compute type (more exact).
      softmax_in_double_ = p == static_cast<int64_t>(DataType::kDouble);
    }
    if (opset_ < 24 && info.has_input(6)) {
      return info.error(StatusCode::kInvalidArgument,
                        "nonpad_kv_seqlen (input 6) needs Attention-24 or newer");
    }
    if (info.has_input(4) != info.has_input(5)) {
      return info.error(StatusCode::kInvalidArgument,
                        "past_key and past_value must be given together");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* q, ctx.required_input(0));
    return dispatch<FloatTypes>(q->dtype(), [&]<typename T>() { return run<T>(ctx); });
  }

 private:
  Result<Dims> dims_of(KernelContext& ctx, const Tensor& q, const Tensor& k, const Tensor& v) const;
  template <typename T>
  Status run(KernelContext& ctx) const;

  int opset_ = 23;
  int64_t q_num_heads_ = 0, kv_num_heads_ = 0;
  bool is_causal_ = false;
  bool has_scale_ = false;
  float scale_ = 1, softcap_ = 0;
  attention::ScoreStage stage_ = attention::ScoreStage::kScaled;
  bool softmax_in_double_ = false;
};

Result<Dims> Attention::dims_of(KernelContext& ctx, const Tensor& q, const Tensor& k,
                                const Tensor& v) const {
  const size_t r = q.rank();
  if ((r != 3 && r != 4) || k.rank() != r || v.rank() != r) {
    return ctx.invalid_argument("Q, K and V must all be 3-D or all 4-D, got shapes ",
                                shape_to_string(q.shape()), ", ", shape_to_string(k.shape()), ", ",
                                shape_to_string(v.shape()));
  }
  Dims d;
  d.batch = q.dim(0);
  if (k.dim(0) != d.batch || v.dim(0) != d.batch) {
    return ctx.invalid_argument("Q, K and V batch sizes differ: ", shape_to_string(q.shape()), ", ",
                                shape_to_string(k.shape()), ", ", shape_to_string(v.shape()));
  }
  if (r == 3) {
    if (q_num_heads_ <= 0 || kv_num_heads_ <= 0) {
      return ctx.invalid_argument("3-D inputs need q_num_heads and kv_num_heads attributes");
    }
    d.q_heads = q_num_heads_;
    d.kv_heads = kv_num_heads_;
    d.q_len = q.dim(1);
    d.kv_len = k.dim(1);
    if (q.dim(2) % d.q_heads != 0 || k.dim(2) % d.kv_heads != 0 || v.dim(2) % d.kv_heads != 0) {
      return ctx.invalid_argument("hidden sizes of Q ", q.dim(2), ", K ", k.dim(2), ", V ",
                                  v.dim(2), " are not multiples of the head counts ", d.q_heads,
                                  " and ", d.kv_heads);
    }
    d.qk_dim = q.dim(2) / d.q_heads;
    d.v_dim = v.dim(2) / d.kv_heads;
    if (k.dim(2) / d.kv_heads != d.qk_dim) {
      return ctx.invalid_argument("K head size ", k.dim(2) / d.kv_heads,
                                  " differs from Q head size ", d.qk_dim);
    }
    if (v.dim(1) != d.kv_len) {
      return ctx.invalid_argument("K and V sequence lengths differ: ", d.kv_len, " and ", v.dim(1));
    }
  } else {
    d.q_heads = q.dim(1);
    d.q_len = q.dim(2);
    d.qk_dim = q.dim(3);
    d.kv_heads = k.dim(1);
    d.kv_len = k.dim(2);
    d.v_dim = v.dim(3);
    if (k.dim(3) != d.qk_dim || v.dim(1) != d.kv_heads || v.dim(2) != d.kv_len) {
      return ctx.invalid_argument("K ", shape_to_string(k.shape()), " and V ",
                                  shape_to_string(v.shape()), " do not fit Q ",
                                  shape_to_string(q.shape()));
    }
    if ((q_num_heads_ && q_num_heads_ != d.q_heads) ||
        (kv_num_heads_ && kv_num_heads_ != d.kv_heads)) {
      return ctx.invalid_argument("q_num_heads/kv_num_heads (", q_num_heads_, ", ", kv_num_heads_,
                                  ") disagree with the 4-D shapes (", d.q_heads, ", ", d.kv_heads,
                                  ")");
    }
  }
  if (d.kv_heads == 0 ? d.q_heads != 0 : d.q_heads % d.kv_heads != 0) {
    return ctx.invalid_argument("q heads (", d.q_heads, ") must be a multiple of kv heads (",
                                d.kv_heads, ")");
  }
  if (ctx.has_input(4)) {
    const Tensor* pk = ctx.input(4);
    const Tensor* pv = ctx.input(5);
    if (!pk || !pv) return ctx.invalid_argument("past_key and past_value must be tensors");
    if (pk->rank() != 4 || pv->rank() != 4 || pk->dim(0) != d.batch || pk->dim(1) != d.kv_heads ||
        pk->dim(3) != d.qk_dim || pv->dim(0) != d.batch || pv->dim(1) != d.kv_heads ||
        pv->dim(2) != pk->dim(2) || pv->dim(3) != d.v_dim) {
      return ctx.invalid_argument("past_key ", shape_to_string(pk->shape()), " / past_value ",
                                  shape_to_string(pv->shape()), " do not fit [", d.batch, ", ",
                                  d.kv_heads, ", past, ", d.qk_dim, "/", d.v_dim, "]");
    }
    d.past = pk->dim(2);
  }
  return d;
}

// present [batch, kv_heads, past + kv_len, dim] = past (may be null) ++ the new keys/values `x`
// viewed through strides `xs`.
Tensor concat_cache(const Tensor* past, const Tensor& x, const Strides& xs, const Dims& d,
                    int64_t dim) {
  const int64_t total = d.total();
  Tensor present(x.dtype(), {d.batch, d.kv_heads, total, dim});
  for (int64_t b = 0; b < d.batch; ++b) {
    for (int64_t g = 0; g < d.kv_heads; ++g) {
      const int64_t dst = (b * d.kv_heads + g) * total * dim;
      if (past)
        copy_blocks(*past, (b * d.kv_heads + g) * d.past * dim, 0, present, dst, 0, 1,
                    d.past * dim);
      copy_blocks(x, b * xs.batch + g * xs.head, xs.seq, present, dst + d.past * dim, dim, d.kv_len,
                  dim);
    }
  }
  return present;
}

template <typename T>
Status Attention::run(KernelContext& ctx) const {
  using C = compute_t<T>;
  const Tensor& q = *ctx.input(0);
  ONYX_ASSIGN_OR_RETURN(const Tensor* k, ctx.required_input(1));
  ONYX_ASSIGN_OR_RETURN(const Tensor* v, ctx.required_input(2));
  for (size_t i : {1, 2, 4, 5}) {
    const Tensor* t = ctx.input(i);
    if (t && t->dtype() != q.dtype()) {
      return ctx.invalid_argument("input ", i, " has element type ", data_type_name(t->dtype()),
                                  ", Q has ", data_type_name(q.dtype()));
    }
  }
  ONYX_ASSIGN_OR_RETURN(Dims d, dims_of(ctx, q, *k, *v));
  const bool packed = q.rank() == 3;
  const int64_t total = d.total();
  const Strides q_st = packed ? attention::bshd(d.q_heads, d.q_len, d.qk_dim)
                              : attention::bhsd(d.q_heads, d.q_len, d.qk_dim);
  const Strides k_in = packed ? attention::bshd(d.kv_heads, d.kv_len, d.qk_dim)
                              : attention::bhsd(d.kv_heads, d.kv_len, d.qk_dim);
  const Strides v_in = packed ? attention::bshd(d.kv_heads, d.kv_len, d.v_dim)
                              : attention::bhsd(d.kv_heads, d.kv_len, d.v_dim);

  // Keys and values attended to: the caches when there is a past (or a 3-D input whose present
  // outputs are wanted), else the inputs as they are.
  const bool has_past = ctx.has_input(4);
  const bool want_present = ctx.output_requested(1) || ctx.output_requested(2);
  Tensor keys = *k, values = *v;
  Strides k_st = k_in, v_st = v_in;
  if (has_past || (packed && want_present)) {
    keys = concat_cache(ctx.input(4), *k, k_in, d, d.qk_dim);
    values = concat_cache(ctx.input(5), *v, v_in, d, d.v_dim);
    k_st = attention::bhsd(d.kv_heads, total, d.qk_dim);
    v_st = attention::bhsd(d.kv_heads, total, d.v_dim);
  }

  // Mask, as a compute-type bias of its own shape with broadcasting strides.
  attention::SdpaArgs<C> a;
  std::vector<C> bias;
  if (const Tensor* m = ctx.input(3)) {
    if (m->dtype() != DataType::kBool && m->dtype() != q.dtype()) {
      return ctx.invalid_argument("attn_mask must be bool or ", data_type_name(q.dtype()), ", got ",
                                  data_type_name(m->dtype()));
    }
    const size_t mr = m->rank();
    if (mr < 1 || mr > 4) {
      return ctx.invalid_argument("attn_mask must have rank 1..4, got ",
                                  shape_to_string(m->shape()));
    }
    Shape ms(4 - mr, 1);
    ms.insert(ms.end(), m->shape().begin(), m->shape().end());
    const int64_t want[3] = {d.batch, d.q_heads, d.q_len};
    for (int i = 0; i < 3; ++i) {
      if (ms[i] != 1 && ms[i] != want[i]) {
        return ctx.invalid_argument("attn_mask ", shape_to_string(m->shape()),
                                    " does not broadcast to [", d.batch, ", ", d.q_heads, ", ",
                                    d.q_len, ", ", total, "]");
      }
    }
    if (ms[3] > total) {
      return ctx.invalid_argument("attn_mask has ", ms[3], " key columns, more than the ", total,
                                  " keys");
    }
    bias.resize(static_cast<size_t>(m->numel()));
    if (m->dtype() == DataType::kBool) {
      const bool* mb = m->data<bool>();
      for (size_t i = 0; i < bias.size(); ++i) {
        bias[i] = mb[i] ? C(0) : -std::numeric_limits<C>::infinity();
      }
    } else {
      linalg::convert_buffer(m->data<T>(), bias.data(), m->numel(), ctx.pool());
    }
    a.bias = bias.data();
    a.bias_cols = ms[3];
    a.bias_st = {ms[0] == 1 ? 0 : ms[1] * ms[2] * ms[3], ms[1] == 1 ? 0 : ms[2] * ms[3],
                 ms[2] == 1 ? 0 : ms[3]};
  }

  // Valid key counts (opset 24) and the causal offsets.
  std::vector<int64_t> valid, offsets;
  if (const Tensor* n = ctx.input(6)) {
    if (n->dtype() != DataType::kInt64 || n->rank() != 1 || n->dim(0) != d.batch) {
      return ctx.invalid_argument("nonpad_kv_seqlen must be int64 of shape [", d.batch, "], got ",
                                  ctx.input_value(6)->describe());
    }
    valid.assign(n->data<int64_t>(), n->data<int64_t>() + d.batch);
    for (int64_t x : valid) {
      if (x < 0 || x > total) {
        return ctx.invalid_argument("nonpad_kv_seqlen value ", x, " is outside [0, ", total, "]");
      }
    }
    a.kv_valid = valid.data();
    if (is_causal_ && !has_past) {
      for (int64_t x : valid) offsets.push_back(x - d.q_len);
      a.causal_offsets = offsets.data();
    }
  }

  Shape y_shape = packed ? Shape{d.batch, d.q_len, d.q_heads * d.v_dim}
                         : Shape{d.batch, d.q_heads, d.q_len, d.v_dim};
  Tensor& y = ctx.allocate_output(0, q.dtype(), y_shape);
  std::vector<C> q_store, k_store, v_store, y_store, s_store;
  a.batch = d.batch;
  a.q_heads = d.q_heads;
  a.kv_heads = d.kv_heads;
  a.q_len = d.q_len;
  a.kv_len = total;
  a.qk_dim = d.qk_dim;
  a.v_dim = d.v_dim;
  a.q = attention::compute_view<T>(q, q_store, ctx.pool());
  a.k = attention::compute_view<T>(keys, k_store, ctx.pool());
  a.v = attention::compute_view<T>(values, v_store, ctx.pool());
  a.y = attention::compute_target<T>(y, y_store);
  a.q_st = q_st;
  a.k_st = k_st;
  a.v_st = v_st;
  a.y_st = packed ? attention::bshd(d.q_heads, d.q_len, d.v_dim)
                  : attention::bhsd(d.q_heads, d.q_len, d.v_dim);
  a.scale = has_scale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(d.qk_dim));
  a.softcap = softcap_;
  a.causal = is_causal_;
  a.causal_offset = d.past;
  a.softmax_in_double = softmax_in_double_;
  Tensor* scores = nullptr;
  if (ctx.output_requested(3)) {
    scores = &ctx.allocate_output(3, q.dtype(), {d.batch, d.q_heads, d.q_len, total});
    a.scores_out = attention::compute_target<T>(*scores, s_store);
    a.stage = stage_;
  }
  attention::sdpa(a, ctx.pool());
  attention::finish_output<T>(y, y_store, ctx.pool());
  if (scores) attention::finish_output<T>(*scores, s_store, ctx.pool());
  if (ctx.output_requested(1)) ctx.set_output(1, Value(keys));
  if (ctx.output_requested(2)) ctx.set_output(2, Value(values));
  return Status::OK();
}

}  // namespace

void register_attention_op(KernelRegistry& r) {
  r.add_versions<Attention, FloatTypes>("", "Attention", {23, 24, 25});
}

}  // namespace onyx
