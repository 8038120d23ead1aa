// onyx FusedAttention (docs/fused-ops.md): the scaled dot-product attention subgraph exporters
// write, MatMul -> [Mul/Div by a scalar] -> [Add bias] -> Softmax(last axis) -> MatMul, together
// with the Transposes around it, which only relabel axes:
//   Q' = Transpose(Q, q_perm), K' = Transpose(K, k_perm) ([.., d, Lk]), V' = Transpose(V, v_perm)
//   Y  = Transpose(Softmax(scale * Q' @ K' + bias) @ V', out_perm)
// (no perm attribute: no Transpose). Q', K' and V' have ranks 2..4; their leading axes and the
// bias's broadcast together as MatMul's and Add's do (at most 4 axes in all). The transposes
// become strides of sdpa()'s views, so nothing is copied, and each (batch, head) pair's scores
// stay in cache from the first product to the second instead of making four trips through
// memory (scale, bias, softmax, product).
#include <algorithm>
#include <numeric>
#include <vector>

#include "ops/attention/compute_buffers.h"
#include "ops/attention/sdpa.h"
#include "ops/registry.h"

namespace onyx {
namespace {

// A contiguous tensor seen through a transpose: shape[i] = in[perm[i]], strides likewise.
struct View {
  Shape shape;
  std::vector<int64_t> strides;
};

View permuted(const Shape& in, const std::vector<int64_t>& perm) {
  const size_t r = in.size();
  std::vector<int64_t> contiguous(r, 1);
  for (size_t i = r; i-- > 1;) contiguous[i - 1] = contiguous[i] * in[i];
  View v;
  for (size_t i = 0; i < r; ++i) {
    const size_t from = perm.empty() ? i : static_cast<size_t>(perm[i]);
    v.shape.push_back(in[from]);
    v.strides.push_back(contiguous[from]);
  }
  return v;
}

bool is_permutation(const std::vector<int64_t>& p) {
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// The two leading (batch, head) slots of a rank-r view (r - 2 real axes, padded in front with
// size-1 axes): sizes and strides.
struct Lead {
  int64_t dim[2] = {1, 1};
  int64_t stride[2] = {0, 0};
};

Lead lead_of(const View& v) {
  Lead l;
  const size_t lead_axes = v.shape.size() - 2;
  for (size_t j = 0; j < lead_axes; ++j) {
    const size_t slot = 2 - lead_axes + j;
    l.dim[slot] = v.shape[j];
    l.stride[slot] = v.strides[j];
  }
  return l;
}

class FusedAttention final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(scale_, info.attr_float("scale", 1.f));
    const char* names[4] = {"q_perm", "k_perm", "v_perm", "out_perm"};
    for (int i = 0; i < 4; ++i) {
      ONYX_ASSIGN_OR_RETURN(perms_[i], info.attr_ints(names[i]));
      const auto& p = perms_[i];
      if (p.empty()) continue;
      if (p.size() < 2 || p.size() > 4 || !is_permutation(p)) {
        return info.error(StatusCode::kInvalidArgument, names[i],
                          " must be a permutation of 2 to 4 axes");
      }
      // The kernel's views need unit stride along the GEMM rows: Q', V' and Y' keep their last
      // axis last; K' has one of its two matrix axes contiguous.
      const auto last = static_cast<int64_t>(p.size() - 1);
      const bool ok = i == 1 ? (p[p.size() - 2] == last || p.back() == last) : p.back() == last;
      if (!ok) {
        return info.error(StatusCode::kInvalidArgument, names[i], " moves the last axis, which ",
                          "FusedAttention cannot view without a copy");
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* q, ctx.required_input(0));
    return dispatch<FloatTypes>(q->dtype(), [&]<typename T>() { return run<T>(ctx); });
  }

 private:
  template <typename T>
  Status run(KernelContext& ctx) const;

  float scale_ = 1;
  std::vector<int64_t> perms_[4];
};

template <typename T>
Status FusedAttention::run(KernelContext& ctx) const {
  using C = compute_t<T>;
  const Tensor& q = *ctx.input(0);
  ONYX_ASSIGN_OR_RETURN(const Tensor* k, ctx.required_input(1));
  ONYX_ASSIGN_OR_RETURN(const Tensor* v, ctx.required_input(2));
  const Tensor* bias = ctx.input(3);
  for (const Tensor* t : {k, v, bias}) {
    if (t && t->dtype() != q.dtype()) {
      return ctx.invalid_argument("inputs have different element types: ",
                                  data_type_name(t->dtype()), " and ", data_type_name(q.dtype()));
    }
  }
  const Tensor* ins[3] = {&q, k, v};
  View views[3];
  for (int i = 0; i < 3; ++i) {
    const auto& p = perms_[i];
    if (!p.empty() && p.size() != ins[i]->rank()) {
      return ctx.invalid_argument("input ", i, " has shape ", shape_to_string(ins[i]->shape()),
                                  " but its perm has ", p.size(), " axes");
    }
    views[i] = permuted(ins[i]->shape(), p);
  }
  const View &qv = views[0], &kv = views[1], &vv = views[2];
  for (const View* w : {&qv, &kv, &vv}) {
    if (w->shape.size() < 2 || w->shape.size() > 4) {
      return ctx.invalid_argument("Q, K^T and V need ranks 2 to 4, got ", shape_to_string(qv.shape),
                                  ", ", shape_to_string(kv.shape), ", ", shape_to_string(vv.shape));
    }
  }
  if (bias && bias->rank() > 4) {
    return ctx.invalid_argument("bias ", shape_to_string(bias->shape()), " has more than 4 axes");
  }
  // The scores' (and the output's) rank: every operand's leading axes broadcast together.
  const size_t r = std::max({qv.shape.size(), kv.shape.size(), vv.shape.size(),
                             bias ? bias->rank() : size_t{0}});
  const int64_t q_len = qv.shape[qv.shape.size() - 2], dim = qv.shape.back();
  const int64_t kv_len = kv.shape.back(), v_dim = vv.shape.back();
  if (kv.shape[kv.shape.size() - 2] != dim || vv.shape[vv.shape.size() - 2] != kv_len) {
    return ctx.invalid_argument("Q ", shape_to_string(qv.shape), ", K^T ",
                                shape_to_string(kv.shape), " and V ", shape_to_string(vv.shape),
                                " do not chain as Q K^T V");
  }
  Lead lq = lead_of(qv), lk = lead_of(kv), lv = lead_of(vv);
  Shape bs;  // the bias's shape padded to [lead0, lead1, q_len, kv_len]
  if (bias) {
    bs.assign(4 - bias->rank(), 1);
    bs.insert(bs.end(), bias->shape().begin(), bias->shape().end());
  }
  int64_t out_lead[2];
  for (int j = 0; j < 2; ++j) {
    out_lead[j] = std::max({lq.dim[j], lk.dim[j], lv.dim[j], bias ? bs[j] : int64_t{1}});
    for (Lead* l : {&lq, &lk, &lv}) {
      if (l->dim[j] != 1 && l->dim[j] != out_lead[j]) {
        return ctx.invalid_argument("leading axes of Q ", shape_to_string(qv.shape), ", K^T ",
                                    shape_to_string(kv.shape), " and V ",
                                    shape_to_string(vv.shape), " do not broadcast");
      }
      if (l->dim[j] == 1) l->stride[j] = 0;
    }
  }

  // Y' = P V' [lead..., q_len, v_dim]; Y = Transpose(Y', out_perm) is what gets allocated.
  Shape yp_shape(r - 2);
  for (size_t j = 0; j < r - 2; ++j) yp_shape[j] = out_lead[2 - (r - 2) + j];
  yp_shape.push_back(q_len);
  yp_shape.push_back(v_dim);
  const auto& out_perm = perms_[3];
  if (!out_perm.empty() && out_perm.size() != r) {
    return ctx.invalid_argument("out_perm has ", out_perm.size(), " axes, the output ", r);
  }
  Shape y_shape(r);
  for (size_t i = 0; i < r; ++i) y_shape[i] = yp_shape[out_perm.empty() ? i : out_perm[i]];
  std::vector<int64_t> y_contig(r, 1), yp_strides(r);
  for (size_t i = r; i-- > 1;) y_contig[i - 1] = y_contig[i] * y_shape[i];
  for (size_t i = 0; i < r; ++i) yp_strides[out_perm.empty() ? i : out_perm[i]] = y_contig[i];
  const Lead ly = lead_of(View{yp_shape, yp_strides});

  // Bias over the scores [lead..., q_len, kv_len], as compute-type values with broadcasting
  // strides; a bias of one key column is widened to kv_len columns first.
  attention::SdpaArgs<C> a;
  std::vector<C> bias_store;
  if (bias) {
    const int64_t want[4] = {out_lead[0], out_lead[1], q_len, kv_len};
    for (int j = 0; j < 4; ++j) {
      if (bs[j] != 1 && bs[j] != want[j]) {
        return ctx.invalid_argument("bias ", shape_to_string(bias->shape()),
                                    " does not broadcast to the scores [", want[0], ", ", want[1],
                                    ", ", q_len, ", ", kv_len, "]");
      }
    }
    const C* b = attention::compute_view<T>(*bias, bias_store, ctx.pool());
    if (bs[3] != kv_len) {
      std::vector<C> wide(static_cast<size_t>(bias->numel() * kv_len));
      for (int64_t i = 0; i < bias->numel(); ++i) {
        std::fill_n(wide.begin() + i * kv_len, kv_len, b[i]);
      }
      bias_store = std::move(wide);
      b = bias_store.data();
      bs[3] = kv_len;
    }
    a.bias = b;
    a.bias_cols = kv_len;
    a.bias_st = {bs[0] == 1 ? 0 : bs[1] * bs[2] * bs[3], bs[1] == 1 ? 0 : bs[2] * bs[3],
                 bs[2] == 1 ? 0 : bs[3]};
  }

  Tensor& y = ctx.allocate_output(0, q.dtype(), y_shape);
  std::vector<C> q_store, k_store, v_store, y_store;
  a.batch = out_lead[0];
  a.q_heads = a.kv_heads = out_lead[1];
  a.q_len = q_len;
  a.kv_len = kv_len;
  a.qk_dim = dim;
  a.v_dim = v_dim;
  a.q = attention::compute_view<T>(q, q_store, ctx.pool());
  a.k = attention::compute_view<T>(*k, k_store, ctx.pool());
  a.v = attention::compute_view<T>(*v, v_store, ctx.pool());
  a.y = attention::compute_target<T>(y, y_store);
  a.q_st = {lq.stride[0], lq.stride[1], qv.strides[qv.shape.size() - 2]};
  a.v_st = {lv.stride[0], lv.stride[1], vv.strides[vv.shape.size() - 2]};
  a.y_st = {ly.stride[0], ly.stride[1], yp_strides[r - 2]};
  // K' is [d, kv_len]: sdpa wants keys as rows of d values, k_st.seq apart, d values
  // k_dim_stride apart.
  a.k_st = {lk.stride[0], lk.stride[1], kv.strides.back()};
  a.k_dim_stride = kv.strides[kv.strides.size() - 2];
  if (a.k_dim_stride != 1 && a.k_st.seq != 1) {
    return ctx.invalid_argument("K^T ", shape_to_string(kv.shape), " has no contiguous axis");
  }
  if (qv.strides.back() != 1 || vv.strides.back() != 1 || yp_strides.back() != 1) {
    return ctx.invalid_argument("a perm moves the last axis of Q, V or the output");
  }
  a.scale = scale_;
  a.all_masked_gives_nan = true;
  attention::sdpa(a, ctx.pool());
  attention::finish_output<T>(y, y_store, ctx.pool());
  return Status::OK();
}

}  // namespace

void register_fused_attention(KernelRegistry& r) {
  r.add<FusedAttention, FloatTypes>("onyx", "FusedAttention", 1, 1);
}

}  // namespace onyx
