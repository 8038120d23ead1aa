// LinearAttention (ai.onnx 27): recurrent linear attention with a matrix state per kv head, for
// prefill (T > 1) and decode (T = 1) of linear-attention / DeltaNet layers.
//
// query [B, T, Hq * dk], key [B, T, Hkv * dk], value [B, T, Hkv * dv] (heads packed in the last
// dim); state S [dk, dv] per (batch, kv head), from past_state [B, Hkv, dk, dv] or zeros. For
// each token t, in order (g_t = decay, log-space; beta_t = update rate):
//   linear:      S = S + k v^T
//   gated:       S = exp(g_t) S + k v^T
//   delta:       S = S + k (beta_t (v - S^T k))^T
//   gated_delta: S = exp(g_t) S, then the delta update with that S
//   o_t = scale * S^T q_t for each query head of the kv head's group (grouped-query heads share
//   a kv head's state: query head h reads kv head h / (Hq / Hkv)).
// decay is [B, T, Hkv] (one gate per head) or [B, T, Hkv * dk] (one per key row of S); beta is
// [B, T, Hkv] or [B, T, 1]. Output [B, T, Hq * dv]; present_state has past_state's element type
// (float or the input's), the input's when there is none. The recurrence runs in float (double
// for double inputs) whatever the element types; chunk_size is a tuning hint without effect on
// the result, so this reference ignores it.
#include <cmath>
#include <vector>

#include "ops/attention/compute_buffers.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class LinearAttention final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(q_heads_, info.required_int("q_num_heads"));
    ONYX_ASSIGN_OR_RETURN(kv_heads_, info.required_int("kv_num_heads"));
    if (q_heads_ <= 0 || kv_heads_ <= 0 || q_heads_ % kv_heads_ != 0) {
      return info.error(StatusCode::kInvalidArgument, "q_num_heads (", q_heads_,
                        ") must be a positive multiple of kv_num_heads (", kv_heads_, ")");
    }
    ONYX_ASSIGN_OR_RETURN(scale_, info.attr_float("scale", 0.f));
    ONYX_ASSIGN_OR_RETURN(int64_t chunk, info.attr_int("chunk_size", 64));
    if (chunk <= 0) return info.error(StatusCode::kInvalidArgument, "chunk_size must be > 0");
    ONYX_ASSIGN_OR_RETURN(std::string rule, info.attr_string("update_rule", "gated_delta"));
    if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta") {
      return info.error(StatusCode::kInvalidArgument,
                        "update_rule must be linear, gated, delta or gated_delta, got '", rule,
                        "'");
    }
    gated_ = rule == "gated" || rule == "gated_delta";
    delta_ = rule == "delta" || rule == "gated_delta";
    if (info.has_input(4) != gated_) {
      return info.error(StatusCode::kInvalidArgument, "update_rule '", rule, "' ",
                        gated_ ? "requires" : "takes no", " decay input");
    }
    if (info.has_input(5) != delta_) {
      return info.error(StatusCode::kInvalidArgument, "update_rule '", rule, "' ",
                        delta_ ? "requires" : "takes no", " beta input");
    }
    if (info.has_input(6)) {
      return info.error(StatusCode::kInvalidArgument, "LinearAttention-", info.opset(),
                        " takes at most 6 inputs");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* q, ctx.required_input(0));
    return dispatch<FloatTypes>(q->dtype(), [&]<typename T>() { return run<T>(ctx, *q); });
  }

 private:
  template <typename T>
  Status run(KernelContext& ctx, const Tensor& q) const;

  int64_t q_heads_ = 0, kv_heads_ = 0;
  float scale_ = 0;
  bool gated_ = false, delta_ = false;
};

template <typename T>
Status LinearAttention::run(KernelContext& ctx, const Tensor& q) const {
  using C = compute_t<T>;
  ONYX_ASSIGN_OR_RETURN(const Tensor* k, ctx.required_input(1));
  ONYX_ASSIGN_OR_RETURN(const Tensor* v, ctx.required_input(2));
  const Tensor* past = ctx.input(3);
  const Tensor* decay = ctx.input(4);
  const Tensor* beta = ctx.input(5);
  if (q.rank() != 3 || k->rank() != 3 || v->rank() != 3) {
    return ctx.invalid_argument("query, key and value must be [batch, seq, heads * dim]");
  }
  const int64_t B = q.dim(0), steps = q.dim(1), G = q_heads_ / kv_heads_;
  if (q.dim(2) % q_heads_ != 0 || v->dim(2) % kv_heads_ != 0) {
    return ctx.invalid_argument("query/value hidden sizes ", q.dim(2), "/", v->dim(2),
                                " are not multiples of the head counts");
  }
  const int64_t dk = q.dim(2) / q_heads_, dv = v->dim(2) / kv_heads_;
  for (const Tensor* t : {k, v}) {
    if (t->dtype() != q.dtype() || t->dim(0) != B || t->dim(1) != steps) {
      return ctx.invalid_argument("key and value must be ", data_type_name(q.dtype()),
                                  " with batch ", B, " and ", steps, " steps");
    }
  }
  if (k->dim(2) != kv_heads_ * dk) {
    return ctx.invalid_argument("key hidden size ", k->dim(2), " is not kv_num_heads * ", dk);
  }
  // Per-(batch, step) gate widths: decay one per head or per key row, beta per head or shared.
  auto gate_ok = [&](const Tensor* t, int64_t a, int64_t b) {
    return t->dtype() == q.dtype() && t->rank() == 3 && t->dim(0) == B && t->dim(1) == steps &&
           (t->dim(2) == a || t->dim(2) == b);
  };
  if (decay && !gate_ok(decay, kv_heads_, kv_heads_ * dk)) {
    return ctx.invalid_argument("decay must be [", B, ", ", steps, ", ", kv_heads_, " or ",
                                kv_heads_ * dk, "], got ", ctx.input_value(4)->describe());
  }
  if (beta && !gate_ok(beta, kv_heads_, 1)) {
    return ctx.invalid_argument("beta must be [", B, ", ", steps, ", ", kv_heads_, " or 1], got ",
                                ctx.input_value(5)->describe());
  }
  const Shape state_shape{B, kv_heads_, dk, dv};
  if (past && (past->shape() != state_shape ||
               (past->dtype() != q.dtype() && past->dtype() != DataType::kFloat))) {
    return ctx.invalid_argument("past_state must be float or ", data_type_name(q.dtype()),
                                " of shape ", shape_to_string(state_shape), ", got ",
                                ctx.input_value(3)->describe());
  }
  const DataType state_type = past ? past->dtype() : q.dtype();

  std::vector<C> qs, ks, vs, ds, bs, ys;
  const C* qp = attention::compute_view<T>(q, qs, ctx.pool());
  const C* kp = attention::compute_view<T>(*k, ks, ctx.pool());
  const C* vp = attention::compute_view<T>(*v, vs, ctx.pool());
  const C* dp = decay ? attention::compute_view<T>(*decay, ds, ctx.pool()) : nullptr;
  const C* bp = beta ? attention::compute_view<T>(*beta, bs, ctx.pool()) : nullptr;
  const int64_t d_width = decay ? decay->dim(2) : 0, b_width = beta ? beta->dim(2) : 0;
  std::vector<C> state(static_cast<size_t>(B * kv_heads_ * dk * dv), C(0));
  if (past) {
    ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(past->dtype(), [&]<typename S>() {
      linalg::convert_buffer(past->data<S>(), state.data(), past->numel(), ctx.pool());
      return Status::OK();
    }));
  }
  std::vector<C> retrieved(static_cast<size_t>(B * kv_heads_ * dv));
  Tensor& y = ctx.allocate_output(0, q.dtype(), {B, steps, q_heads_ * dv});
  C* yp = attention::compute_target<T>(y, ys);
  const C scale = scale_ != 0 ? static_cast<C>(scale_) : C(1) / std::sqrt(static_cast<C>(dk));

  parallel_for(ctx.pool(), B * kv_heads_, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bg = begin; bg < end; ++bg) {
      const int64_t b = bg / kv_heads_, g = bg % kv_heads_;
      C* S = state.data() + bg * dk * dv;  // [dk, dv]
      C* r = retrieved.data() + bg * dv;
      for (int64_t t = 0; t < steps; ++t) {
        const int64_t bt = b * steps + t;
        const C* kt = kp + bt * kv_heads_ * dk + g * dk;
        const C* vt = vp + bt * kv_heads_ * dv + g * dv;
        if (gated_) {
          const C* gt = dp + bt * d_width;
          for (int64_t i = 0; i < dk; ++i) {
            const C f = std::exp(d_width == kv_heads_ ? gt[g] : gt[g * dk + i]);
            for (int64_t m = 0; m < dv; ++m) S[i * dv + m] *= f;
          }
        }
        // r = the value to write: beta (v - S^T k) for the delta rules, v otherwise.
        if (delta_) {
          const C bt_rate = bp[bt * b_width + (b_width == 1 ? 0 : g)];
          for (int64_t m = 0; m < dv; ++m) r[m] = 0;
          for (int64_t i = 0; i < dk; ++i) {
            for (int64_t m = 0; m < dv; ++m) r[m] += S[i * dv + m] * kt[i];
          }
          for (int64_t m = 0; m < dv; ++m) r[m] = bt_rate * (vt[m] - r[m]);
        } else {
          for (int64_t m = 0; m < dv; ++m) r[m] = vt[m];
        }
        for (int64_t i = 0; i < dk; ++i) {
          for (int64_t m = 0; m < dv; ++m) S[i * dv + m] += kt[i] * r[m];
        }
        for (int64_t h = g * G; h < (g + 1) * G; ++h) {
          const C* qt = qp + bt * q_heads_ * dk + h * dk;
          C* o = yp + bt * q_heads_ * dv + h * dv;
          for (int64_t m = 0; m < dv; ++m) o[m] = 0;
          for (int64_t i = 0; i < dk; ++i) {
            for (int64_t m = 0; m < dv; ++m) o[m] += qt[i] * S[i * dv + m];
          }
          for (int64_t m = 0; m < dv; ++m) o[m] *= scale;
        }
      }
    }
  });
  attention::finish_output<T>(y, ys, ctx.pool());
  if (ctx.output_requested(1)) {
    Tensor& present = ctx.allocate_output(1, state_type, state_shape);
    return dispatch<FloatTypes>(state_type, [&]<typename S>() {
      linalg::convert_buffer(state.data(), present.data<S>(), present.numel(), ctx.pool());
      return Status::OK();
    });
  }
  return Status::OK();
}

}  // namespace

void register_linear_attention(KernelRegistry& r) {
  r.add_versions<LinearAttention, FloatTypes>("", "LinearAttention", {27});
}

}  // namespace onyx
