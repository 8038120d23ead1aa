// RotaryEmbedding (ai.onnx 23): rotates pairs of features of each head by position-dependent
// angles given as cos/sin caches.
//
// Input X is [batch, heads, seq, head_size] or [batch, seq, heads * head_size] (num_heads says
// how to split the 3-D form). The first rotary_embedding_dim features of each head (all when 0)
// form rot/2 pairs: halves (x[i], x[i + rot/2]) by default, neighbours (x[2i], x[2i+1]) when
// interleaved. Pair i at (b, s) turns by (cos, sin) = cache[position_ids[b, s], i] when
// position_ids is given (caches [max_position, rot/2]), else cache[b, s, i] (caches
// [batch, seq, rot/2]):  x' = x1 cos - x2 sin,  y' = x1 sin + x2 cos. Other features pass through.
#include "ops/registry.h"

namespace onyx {
namespace {

class RotaryEmbedding final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(int64_t inter, info.attr_int("interleaved", 0));
    interleaved_ = inter != 0;
    ONYX_ASSIGN_OR_RETURN(rotary_dim_, info.attr_int("rotary_embedding_dim", 0));
    ONYX_ASSIGN_OR_RETURN(num_heads_, info.attr_int("num_heads", 0));
    if (rotary_dim_ < 0 || num_heads_ < 0) {
      return info.error(StatusCode::kInvalidArgument,
                        "rotary_embedding_dim and num_heads must be >= 0");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() { return run<T>(ctx, *x); });
  }

 private:
  template <typename T>
  Status run(KernelContext& ctx, const Tensor& x) const;

  bool interleaved_ = false;
  int64_t rotary_dim_ = 0, num_heads_ = 0;
};

template <typename T>
Status RotaryEmbedding::run(KernelContext& ctx, const Tensor& x) const {
  using C = compute_t<T>;
  ONYX_ASSIGN_OR_RETURN(const Tensor* cos_cache, ctx.required_input(1));
  ONYX_ASSIGN_OR_RETURN(const Tensor* sin_cache, ctx.required_input(2));
  const Tensor* pos = ctx.input(3);
  if (cos_cache->dtype() != x.dtype() || sin_cache->dtype() != x.dtype()) {
    return ctx.invalid_argument("cos_cache and sin_cache must have the element type of X (",
                                data_type_name(x.dtype()), ")");
  }
  // X as [batch, seq, heads, head] with element strides (seq, head) for the two layouts.
  int64_t batch, seq, heads, head, s_stride, h_stride;
  if (x.rank() == 4) {
    batch = x.dim(0), heads = x.dim(1), seq = x.dim(2), head = x.dim(3);
    s_stride = head, h_stride = seq * head;
  } else if (x.rank() == 3) {
    if (num_heads_ <= 0) return ctx.invalid_argument("a 3-D input needs the num_heads attribute");
    if (x.dim(2) % num_heads_ != 0) {
      return ctx.invalid_argument("hidden size ", x.dim(2), " is not a multiple of num_heads ",
                                  num_heads_);
    }
    batch = x.dim(0), seq = x.dim(1), heads = num_heads_, head = x.dim(2) / num_heads_;
    s_stride = heads * head, h_stride = head;
  } else {
    return ctx.invalid_argument("input must be 3-D or 4-D, got ", shape_to_string(x.shape()));
  }
  const int64_t rot = rotary_dim_ == 0 ? head : rotary_dim_;
  if (rot > head || rot % 2 != 0) {
    return ctx.invalid_argument("rotary_embedding_dim ", rot, " must be even and at most the head ",
                                "size ", head);
  }
  const int64_t half = rot / 2;
  // With position_ids the caches are [max_position, rot/2], else [batch, seq, rot/2].
  const bool cache_ok = cos_cache->shape() == sin_cache->shape() &&
                        (pos ? cos_cache->rank() == 2 && cos_cache->dim(1) == half
                             : cos_cache->shape() == Shape{batch, seq, half});
  if (!cache_ok) {
    return ctx.invalid_argument("cos_cache ", shape_to_string(cos_cache->shape()), " / sin_cache ",
                                shape_to_string(sin_cache->shape()), " must both be ",
                                pos ? "[max_position, " : "[batch, seq, ", half, "]",
                                pos ? " with position_ids" : " without position_ids");
  }
  const int64_t max_pos = pos ? cos_cache->dim(0) : 0;
  if (pos) {
    if (pos->dtype() != DataType::kInt64 || pos->shape() != Shape{batch, seq}) {
      return ctx.invalid_argument("position_ids must be int64 of shape [", batch, ", ", seq,
                                  "], got ", ctx.input_value(3)->describe());
    }
    for (int64_t i = 0; i < pos->numel(); ++i) {
      const int64_t p = pos->data<int64_t>()[i];
      if (p < 0 || p >= max_pos) {
        return ctx.invalid_argument("position id ", p, " is outside [0, ", max_pos, ")");
      }
    }
  }
  Tensor& y = ctx.allocate_output(0, x.dtype(), x.shape());
  const T* in = x.data<T>();
  T* out = y.data<T>();
  const T* cs = cos_cache->data<T>();
  const T* sn = sin_cache->data<T>();
  // Pair i of a head: feature offsets (lo, hi).
  const int64_t lo_step = interleaved_ ? 2 : 1;
  const int64_t hi_off = interleaved_ ? 1 : half;
  parallel_for(ctx.pool(), batch * seq, 16, [&](int64_t begin, int64_t end) {
    for (int64_t bs = begin; bs < end; ++bs) {
      const int64_t b = bs / seq, s = bs % seq;
      const int64_t row = pos ? pos->data<int64_t>()[bs] : bs;  // cache row
      const T* c_row = cs + row * half;
      const T* s_row = sn + row * half;
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t base = b * seq * heads * head + s * s_stride + h * h_stride;
        const T* xi = in + base;
        T* yo = out + base;
        for (int64_t i = 0; i < half; ++i) {
          const int64_t lo = i * lo_step, hi = lo + hi_off;
          const C x1 = static_cast<C>(xi[lo]), x2 = static_cast<C>(xi[hi]);
          const C c = static_cast<C>(c_row[i]), sv = static_cast<C>(s_row[i]);
          yo[lo] = static_cast<T>(x1 * c - x2 * sv);
          yo[hi] = static_cast<T>(x1 * sv + x2 * c);
        }
        for (int64_t i = rot; i < head; ++i) yo[i] = xi[i];
      }
    }
  });
  return Status::OK();
}

}  // namespace

void register_rotary_embedding(KernelRegistry& r) {
  r.add_versions<RotaryEmbedding, FloatTypes>("", "RotaryEmbedding", {23});
}

}  // namespace onyx
