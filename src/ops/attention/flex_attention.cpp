// FlexAttention (ai.onnx.preview 1): scaled dot-product attention over 4-D inputs whose score
// and probability tensors pass through optional user subgraphs:
//   S = scale * Q K^T;  S = score_mod(S);  P = softmax(S);  P = prob_mod(P);  Y = P V
// Q [B, Hq, L, E], K [B, Hkv, S, E], V [B, Hkv, S, Ev]; query head h reads kv head
// h / (Hq / Hkv). Each modifier graph maps one [B, Hq, L, S] tensor to one of the same shape and
// element type, that type being softmax_precision (default float, double for double inputs); the
// scores are handed over whole, so masks and biases built from Shape/Range inside the graph work.
// The pieces are those of sdpa.h; a row whose scores are all -inf gets zero probabilities (as
// Attention does) instead of NaN.
#include <cmath>
#include <memory>
#include <vector>

#include "ops/attention/compute_buffers.h"
#include "ops/attention/sdpa.h"
#include "ops/registry.h"

namespace onyx {
namespace {

constexpr const char* kPreviewDomain = "ai.onnx.preview";

// A modifier subgraph compiled at init, with where each value it captures from enclosing scopes
// sits among the node's implicit inputs.
struct Modifier {
  std::shared_ptr<const Subgraph> graph;
  std::vector<size_t> captured;

  static Result<Modifier> compile(const KernelInfo& info, const std::string& attr) {
    ONYX_ASSIGN_OR_RETURN(const ir::Graph* g, info.required_graph(attr));
    if (g->inputs.size() != 1 || g->outputs.size() != 1) {
      return info.error(StatusCode::kInvalidGraph, attr,
                        " must have one input and one output, has ", g->inputs.size(), " and ",
                        g->outputs.size());
    }
    auto compiled = info.compile_subgraph(*g);
    if (!compiled.ok()) {
      return compiled.status().with_context(info.node().describe() + ": " + attr + ": ");
    }
    Modifier m;
    m.graph = std::move(compiled).value();
    const auto& implicit = info.implicit_inputs();
    for (const auto& name : m.graph->captured_names()) {
      size_t i = 0;
      while (i < implicit.size() && implicit[i] != name) ++i;
      if (i == implicit.size()) {
        return info.error(StatusCode::kInvalidGraph, attr, " reads '", name,
                          "', which is not among the node's implicit inputs");
      }
      m.captured.push_back(i);
    }
    return m;
  }

  // Runs the graph on `x`; the result must keep x's shape and element type.
  Result<Tensor> apply(const KernelContext& ctx, const char* what, Tensor x) const {
    std::vector<const Value*> caps;
    for (size_t i : captured) {
      if (i >= ctx.implicit_inputs().size() || !ctx.implicit_input(i)) {
        return ctx.error(StatusCode::kRuntimeError, what, ": captured value ", i, " is missing");
      }
      caps.push_back(ctx.implicit_input(i));
    }
    const Shape shape = x.shape();
    const DataType dtype = x.dtype();
    std::vector<Value> in;
    in.emplace_back(std::move(x));
    ONYX_ASSIGN_OR_RETURN(std::vector<Value> out, graph->run(std::move(in), caps, ctx.pool()));
    if (out.size() != 1 || !out[0].is_tensor() || out[0].tensor().shape() != shape ||
        out[0].tensor().dtype() != dtype) {
      return ctx.invalid_argument(what, " must return one ", data_type_name(dtype), " tensor of ",
                                  "shape ", shape_to_string(shape), ", got ",
                                  out.empty() ? std::string("nothing") : out[0].describe());
    }
    return out[0].tensor();
  }
};

class FlexAttention final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    has_scale_ = info.has_attr("scale");
    ONYX_ASSIGN_OR_RETURN(scale_, info.attr_float("scale", 1.f));
    ONYX_ASSIGN_OR_RETURN(auto precision, info.attr_optional_int("softmax_precision"));
    if (precision) {
      const auto p = static_cast<DataType>(*precision);
      if (p != DataType::kFloat && p != DataType::kDouble && p != DataType::kFloat16 &&
          p != DataType::kBFloat16) {
        return info.error(StatusCode::kInvalidArgument,
                          "softmax_precision must be float, double, float16 or bfloat16, got ",
                          *precision);
      }
      precision_ = p;
    }
    if (info.has_attr("mask_mod")) {
      return info.error(StatusCode::kNotImplemented,
                        "mask_mod is not an attribute of FlexAttention-1; use score_mod");
    }
    for (auto [attr, slot] : {std::pair{"score_mod", &score_mod_}, {"prob_mod", &prob_mod_}}) {
      if (!info.has_attr(attr)) continue;
      ONYX_ASSIGN_OR_RETURN(Modifier m, Modifier::compile(info, attr));
      *slot = std::make_unique<Modifier>(std::move(m));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* q, ctx.required_input(0));
    const DataType p = precision_ != DataType::kUndefined ? precision_
                       : q->dtype() == DataType::kDouble  ? DataType::kDouble
                                                          : DataType::kFloat;
    return dispatch<FloatTypes>(q->dtype(), [&]<typename T>() {
      return p == DataType::kDouble ? run<T, double>(ctx, *q, p) : run<T, float>(ctx, *q, p);
    });
  }

 private:
  template <typename T, typename C>
  Status run(KernelContext& ctx, const Tensor& q, DataType precision) const;
  // Applies `m` to the compute-type scores, handing them over as `precision`.
  template <typename C>
  Status modify(KernelContext& ctx, const Modifier& m, const char* what, Tensor& scores,
                DataType precision) const;

  bool has_scale_ = false;
  float scale_ = 1;
  DataType precision_ = DataType::kUndefined;
  std::unique_ptr<Modifier> score_mod_, prob_mod_;
};

template <typename C>
Status FlexAttention::modify(KernelContext& ctx, const Modifier& m, const char* what,
                             Tensor& scores, DataType precision) const {
  if (precision == data_type_of<C>) {
    ONYX_ASSIGN_OR_RETURN(scores, m.apply(ctx, what, scores));
    return Status::OK();
  }
  return dispatch<TypeList<float16, bfloat16, float>>(precision, [&]<typename P>() -> Status {
    Tensor narrow(precision, scores.shape());
    linalg::convert_buffer(scores.data<C>(), narrow.data<P>(), scores.numel(), ctx.pool());
    ONYX_ASSIGN_OR_RETURN(Tensor back, m.apply(ctx, what, std::move(narrow)));
    Tensor wide(data_type_of<C>, back.shape());
    linalg::convert_buffer(back.data<P>(), wide.data<C>(), back.numel(), ctx.pool());
    scores = std::move(wide);
    return Status::OK();
  });
}

template <typename T, typename C>
Status FlexAttention::run(KernelContext& ctx, const Tensor& q, DataType precision) const {
  ONYX_ASSIGN_OR_RETURN(const Tensor* k, ctx.required_input(1));
  ONYX_ASSIGN_OR_RETURN(const Tensor* v, ctx.required_input(2));
  if (q.rank() != 4 || k->rank() != 4 || v->rank() != 4 || k->dtype() != q.dtype() ||
      v->dtype() != q.dtype()) {
    return ctx.invalid_argument(
        "Q, K and V must be 4-D tensors of one element type, got ", ctx.input_value(0)->describe(),
        ", ", ctx.input_value(1)->describe(), ", ", ctx.input_value(2)->describe());
  }
  attention::SdpaArgs<C> a;
  a.batch = q.dim(0);
  a.q_heads = q.dim(1);
  a.q_len = q.dim(2);
  a.qk_dim = q.dim(3);
  a.kv_heads = k->dim(1);
  a.kv_len = k->dim(2);
  a.v_dim = v->dim(3);
  if (k->dim(0) != a.batch || v->dim(0) != a.batch || k->dim(3) != a.qk_dim ||
      v->dim(1) != a.kv_heads || v->dim(2) != a.kv_len) {
    return ctx.invalid_argument("K ", shape_to_string(k->shape()), " and V ",
                                shape_to_string(v->shape()), " do not fit Q ",
                                shape_to_string(q.shape()));
  }
  if (a.kv_heads == 0 ? a.q_heads != 0 : a.q_heads % a.kv_heads != 0) {
    return ctx.invalid_argument("q heads (", a.q_heads, ") must be a multiple of kv heads (",
                                a.kv_heads, ")");
  }
  // The compute type may differ from both T and its usual compute type (softmax_precision).
  auto view = [&](const Tensor& t, std::vector<C>& store) -> const C* {
    if constexpr (std::is_same_v<T, C>) {
      return t.data<T>();
    } else {
      store.resize(static_cast<size_t>(t.numel()));
      linalg::convert_buffer(t.data<T>(), store.data(), t.numel(), ctx.pool());
      return store.data();
    }
  };
  std::vector<C> qs, ks, vs, ys;
  a.q = view(q, qs);
  a.k = view(*k, ks);
  a.v = view(*v, vs);
  a.q_st = attention::bhsd(a.q_heads, a.q_len, a.qk_dim);
  a.k_st = attention::bhsd(a.kv_heads, a.kv_len, a.qk_dim);
  a.v_st = attention::bhsd(a.kv_heads, a.kv_len, a.v_dim);
  a.y_st = attention::bhsd(a.q_heads, a.q_len, a.v_dim);
  a.scale = has_scale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(a.qk_dim));

  Tensor scores(data_type_of<C>, {a.batch, a.q_heads, a.q_len, a.kv_len});
  attention::qk_scores(a, scores.data<C>(), ctx.pool());
  if (score_mod_) ONYX_RETURN_IF_ERROR(modify<C>(ctx, *score_mod_, "score_mod", scores, precision));
  attention::softmax_rows(scores.data<C>(), a.batch * a.q_heads * a.q_len, a.kv_len, false,
                          ctx.pool());
  if (prob_mod_) ONYX_RETURN_IF_ERROR(modify<C>(ctx, *prob_mod_, "prob_mod", scores, precision));

  Tensor& y = ctx.allocate_output(0, q.dtype(), {a.batch, a.q_heads, a.q_len, a.v_dim});
  if constexpr (std::is_same_v<T, C>) {
    a.y = y.data<T>();
    attention::probs_times_v(a, scores.data<C>(), ctx.pool());
  } else {
    ys.assign(static_cast<size_t>(y.numel()), C(0));
    a.y = ys.data();
    attention::probs_times_v(a, scores.data<C>(), ctx.pool());
    linalg::convert_buffer(ys.data(), y.data<T>(), y.numel(), ctx.pool());
  }
  return Status::OK();
}

}  // namespace

void register_flex_attention(KernelRegistry& r) {
  r.add_versions<FlexAttention, FloatTypes>(kPreviewDomain, "FlexAttention", {1}, 1);
}

}  // namespace onyx
