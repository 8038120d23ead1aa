// The onyx-domain operators of the blocked NCHWc layout (nchwc.h, docs/fused-ops.md):
// ReorderToNchwc / ReorderFromNchwc at the edges of a blocked region, and the blocked versions
// of the ops found between convolutions: MaxPool, AveragePool, GlobalAveragePool, and a
// per-channel affine map with an activation (BatchNormalization, and the channel-broadcast Mul
// of squeeze-and-excitation blocks). NchwcConv lives with Conv (conv.cpp). Float only: the
// layout pass only makes blocked regions of float tensors.
//
// Every kernel works on B-channel vectors: the innermost loop runs over the B lanes of one
// position, which the compiler vectorizes to one or two registers of the widest ISA the CPU has
// (simd::with_widest_simd; the baseline copy uses SSE). Values read through pointers are copied
// into local arrays first so that the vectorizer need not assume they alias the output.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "ops/common/activation.h"
#include "ops/common/simd_dispatch.h"
#include "ops/nn/geometry.h"
#include "ops/nn/nchwc.h"
#include "ops/nn/pool_taps.h"
#include "ops/nn/register.h"
#include "ops/registry.h"

namespace onyx {

namespace nn {

namespace {

// One block of B channels (cb) of one image n: up to B plain planes of S values <-> S vectors
// of B lanes. Lanes past the real channel count C are zero in the blocked form.
template <int64_t B>
void to_blocked(const float* x, float* y, int64_t N, int64_t C, int64_t S, ThreadPool* pool) {
  const int64_t blocks = padded_channels(C, B) / B;
  parallel_for(pool, N * blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      const int64_t n = blk / blocks, c0 = (blk % blocks) * B;
      const int64_t lanes = std::min<int64_t>(B, C - c0);
      const float* src = x + (n * C + c0) * S;
      float* dst = y + blk * B * S;
      if (lanes == B) {
        for (int64_t s = 0; s < S; ++s) {
          for (int64_t c = 0; c < B; ++c) dst[s * B + c] = src[c * S + s];
        }
        continue;
      }
      for (int64_t s = 0; s < S; ++s) {
        for (int64_t c = 0; c < B; ++c) dst[s * B + c] = c < lanes ? src[c * S + s] : 0.f;
      }
    }
  });
}

template <int64_t B>
void from_blocked(const float* x, float* y, int64_t N, int64_t C, int64_t S, ThreadPool* pool) {
  const int64_t blocks = padded_channels(C, B) / B;
  parallel_for(pool, N * blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      const int64_t n = blk / blocks, c0 = (blk % blocks) * B;
      const int64_t lanes = std::min<int64_t>(B, C - c0);
      const float* src = x + blk * B * S;
      float* dst = y + (n * C + c0) * S;
      for (int64_t c = 0; c < lanes; ++c) {
        for (int64_t s = 0; s < S; ++s) dst[c * S + s] = src[s * B + c];
      }
    }
  });
}

}  // namespace

void nchw_to_nchwc(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool) {
  if (block == 16) return to_blocked<16>(x, y, N, C, S, pool);
  to_blocked<8>(x, y, N, C, S, pool);
}

void nchwc_to_nchw(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool) {
  if (block == 16) return from_blocked<16>(x, y, N, C, S, pool);
  from_blocked<8>(x, y, N, C, S, pool);
}

}  // namespace nn

namespace {

// The `block` attribute of every blocked op: 8 or 16.
Result<int64_t> read_block(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(int64_t b, info.attr_int("block", 8));
  if (!nn::valid_nchwc_block(b)) {
    return info.error(StatusCode::kInvalidArgument, "block must be 8 or 16, got ", b);
  }
  return b;
}

// Runs fn.template operator()<B>() for the runtime block.
template <typename F>
Status with_block(int64_t block, F&& fn) {
  return block == 16 ? fn.template operator()<16>() : fn.template operator()<8>();
}

// X must be a float tensor [N, C, spatial...] with C a multiple of the block.
Status check_blockable(const KernelContext& ctx, const Tensor* x, int64_t block) {
  if (x->dtype() != DataType::kFloat) {
    return ctx.invalid_argument("expects a float tensor, got ", data_type_name(x->dtype()));
  }
  if (x->rank() < 3 || x->dim(1) % block != 0) {
    return ctx.invalid_argument("expects [N, C, spatial...] with C a multiple of ", block,
                                ", got ", shape_to_string(x->shape()));
  }
  return Status::OK();
}

int64_t spatial_size(const Tensor& x) {
  int64_t s = 1;
  for (size_t d = 2; d < x.rank(); ++d) s *= x.dim(d);
  return s;
}

// The block of a blocked op's node, read once.
class BlockedKernel : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(block_, read_block(info));
    return Status::OK();
  }

 protected:
  int64_t block_ = 8;
};

// ReorderToNchwc pads the channels up to a multiple of the block (with zeros);
// ReorderFromNchwc drops them again, keeping the first `channels` (default: all).
template <bool ToBlocked>
class Reorder final : public BlockedKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(BlockedKernel::init(info));
    if constexpr (!ToBlocked) {
      ONYX_ASSIGN_OR_RETURN(channels_, info.attr_int("channels", -1));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kFloat || x->rank() < 3) {
      return ctx.invalid_argument("expects a float tensor [N, C, spatial...], got ",
                                  data_type_name(x->dtype()), " ", shape_to_string(x->shape()));
    }
    const int64_t N = x->dim(0), S = spatial_size(*x);
    Shape out_shape = x->shape();
    int64_t C = x->dim(1);  // real channels
    if constexpr (ToBlocked) {
      out_shape[1] = nn::padded_channels(C, block_);
    } else {
      ONYX_RETURN_IF_ERROR(check_blockable(ctx, x, block_));
      if (channels_ >= 0) {
        if (channels_ > C || channels_ <= C - block_) {
          return ctx.invalid_argument("channels ", channels_, " does not fit the blocked input ",
                                      shape_to_string(x->shape()));
        }
        C = channels_;
      }
      out_shape[1] = C;
    }
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, out_shape);
    if (y.numel() == 0) return Status::OK();
    if constexpr (ToBlocked) {
      nn::nchw_to_nchwc(x->data<float>(), y.data<float>(), N, C, S, block_, ctx.pool());
    } else {
      nn::nchwc_to_nchw(x->data<float>(), y.data<float>(), N, C, S, block_, ctx.pool());
    }
    return Status::OK();
  }

 private:
  int64_t channels_ = -1;
};

enum class BlockedPoolKind { kMax, kAverage };

// MaxPool / AveragePool over 2-D blocked tensors, with the attributes of the ONNX ops (MaxPool
// without its Indices output). Padding and ceil_mode are counted exactly as the plain kernels.
template <BlockedPoolKind Kind>
class NchwcPool final : public BlockedKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(BlockedKernel::init(info));
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    if (attrs_.kernel_shape.size() != 2) {
      return info.error(StatusCode::kInvalidArgument, "kernel_shape of 2 dims is required");
    }
    if constexpr (Kind == BlockedPoolKind::kAverage) {
      ONYX_ASSIGN_OR_RETURN(int64_t cip, info.attr_int("count_include_pad", 0));
      count_include_pad_ = cip != 0;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_RETURN_IF_ERROR(check_blockable(ctx, x, block_));
    if (x->rank() != 4) {
      return ctx.invalid_argument("expects a 4-D input, got ", shape_to_string(x->shape()));
    }
    auto win = nn::resolve_window(attrs_, {x->dim(2), x->dim(3)}, attrs_.kernel_shape);
    if (!win.ok()) return ctx.invalid_argument(win.status().message());
    const int64_t N = x->dim(0), C = x->dim(1), H = x->dim(2), W = x->dim(3);
    const int64_t OH = win->out[0], OW = win->out[1];
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, {N, C, OH, OW});
    if (y.numel() == 0) return Status::OK();
    DimTaps th = make_taps(H, OH, win->kernel[0], win->strides[0], win->dilations[0],
                           win->pad_begin[0], win->pad_end[0]);
    DimTaps tw = make_taps(W, OW, win->kernel[1], win->strides[1], win->dilations[1],
                           win->pad_begin[1], win->pad_end[1]);
    const float* X = x->data<float>();
    float* Y = y.data<float>();
    const bool cip = count_include_pad_;
    constexpr float kLowest = std::numeric_limits<float>::lowest();
    return with_block(block_, [&]<int64_t kB>() {
    parallel_for(ctx.pool(), N * (C / kB) * OH, 1, [&](int64_t b, int64_t e) {
      simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      for (int64_t row = b; row < e; ++row) {
        const int64_t blk = row / OH, oh = row % OH;
        const float* xb = X + blk * H * W * kB;
        float* yr = Y + (blk * OH + oh) * OW * kB;
        const int64_t a0 = th.begin[oh], a1 = th.begin[oh + 1];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t c0 = tw.begin[ow], c1 = tw.begin[ow + 1];
          using V = simd::floatv<kB>;
          float* out = yr + ow * kB;
          if (a0 == a1 || c0 == c1) {  // no tap inside the input: as the plain kernels
            simd::store<kB>(out, simd::broadcast<kB>(Kind == BlockedPoolKind::kMax ? kLowest : 0.f));
            continue;
          }
          // Max: the first tap initialises the maximum, so NaN propagates from it as in the
          // plain kernel; later taps replace it only when greater.
          V acc = Kind == BlockedPoolKind::kMax
                      ? simd::load<kB>(xb + (th.pos[a0] * W + tw.pos[c0]) * kB)
                      : simd::broadcast<kB>(0.f);
          for (int64_t a = a0; a < a1; ++a) {
            const float* xrow = xb + th.pos[a] * W * kB;
            for (int64_t c = c0; c < c1; ++c) {
              const V v = simd::load<kB>(xrow + tw.pos[c] * kB);
              if constexpr (Kind == BlockedPoolKind::kMax) {
                acc = v > acc ? v : acc;
              } else {
                acc += v;
              }
            }
          }
          if constexpr (Kind == BlockedPoolKind::kAverage) {
            const int64_t count = cip ? th.padded[oh] * tw.padded[ow] : (a1 - a0) * (c1 - c0);
            acc *= count > 0 ? 1.f / static_cast<float>(count) : 0.f;
          }
          simd::store<kB>(out, acc);
        }
      }
      });
    });
    return Status::OK();
    });
  }

 private:
  nn::WindowAttrs attrs_;
  bool count_include_pad_ = false;
};

// GlobalAveragePool of a blocked tensor. Its [N, C, 1, ..., 1] result is the same in both
// layouts, so the output is an ordinary tensor.
class NchwcGlobalAveragePool final : public BlockedKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_RETURN_IF_ERROR(check_blockable(ctx, x, block_));
    Shape out_shape(x->rank(), 1);
    out_shape[0] = x->dim(0);
    out_shape[1] = x->dim(1);
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, out_shape);
    if (y.numel() == 0) return Status::OK();
    const int64_t S = spatial_size(*x);
    const float* X = x->data<float>();
    float* Y = y.data<float>();
    const float inv = S > 0 ? 1.f / static_cast<float>(S) : 0.f;
    return with_block(block_, [&]<int64_t kB>() {
    const int64_t blocks = x->dim(0) * (x->dim(1) / kB);
    parallel_for(ctx.pool(), blocks, std::max<int64_t>(1, 4096 / std::max<int64_t>(S, 1)),
                 [&](int64_t b, int64_t e) {
      simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      for (int64_t blk = b; blk < e; ++blk) {
        const float* v = X + blk * S * kB;
        // Four partial sums break the chain of dependent additions.
        using V = simd::floatv<kB>;
        V acc0 = simd::broadcast<kB>(0.f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int64_t s = 0;
        for (; s + 4 <= S; s += 4) {
          acc0 += simd::load<kB>(v + s * kB);
          acc1 += simd::load<kB>(v + (s + 1) * kB);
          acc2 += simd::load<kB>(v + (s + 2) * kB);
          acc3 += simd::load<kB>(v + (s + 3) * kB);
        }
        for (; s < S; ++s) acc0 += simd::load<kB>(v + s * kB);
        simd::store<kB>(Y + blk * kB, ((acc0 + acc1) + (acc2 + acc3)) * inv);
      }
      });
    });
    return Status::OK();
    });
  }
};

// Y = act(X * S + B) per channel of a blocked X: S holds C values (one per channel) or N * C
// (per image and channel, as a [N, C, 1, 1] squeeze-and-excitation gate); B (optional) C values.
// Inputs past B are further parts of X: X = Concat(X, X3, X4, ...) along the channels, each part
// blocked with a multiple of the block, read in place (DenseNet's Concat -> BatchNormalization
// -> Relu never writes the concatenation out).
class NchwcChannelScale final : public BlockedKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(BlockedKernel::init(info));
    ONYX_ASSIGN_OR_RETURN(activation_, read_activation_attrs(info));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* s, ctx.required_input(1));
    const Tensor* bias = ctx.input(2);
    // The parts of X: the channel count of each and where its blocks start.
    std::vector<const Tensor*> parts{x};
    for (size_t i = 3; i < ctx.num_inputs(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* part, ctx.required_input(i));
      parts.push_back(part);
    }
    Shape shape = x->shape();
    for (const Tensor* part : parts) {
      ONYX_RETURN_IF_ERROR(check_blockable(ctx, part, block_));
      if (part == x) continue;
      bool same = part->rank() == x->rank() && part->dim(0) == x->dim(0);
      for (size_t d = 2; same && d < x->rank(); ++d) same = part->dim(d) == x->dim(d);
      if (!same) {
        return ctx.invalid_argument("the parts of X must differ in channels only, got ",
                                    shape_to_string(x->shape()), " and ",
                                    shape_to_string(part->shape()));
      }
      shape[1] += part->dim(1);
    }
    const int64_t N = shape[0], C = shape[1], S = spatial_size(*x);
    if (s->dtype() != DataType::kFloat || (s->numel() != C && s->numel() != N * C)) {
      return ctx.invalid_argument("S must be a float tensor of C (", C, ") or N * C values, got ",
                                  data_type_name(s->dtype()), " ", shape_to_string(s->shape()));
    }
    if (bias != nullptr && (bias->dtype() != DataType::kFloat || bias->numel() != C)) {
      return ctx.invalid_argument("B must be a float tensor of C (", C, ") values, got ",
                                  shape_to_string(bias->shape()));
    }
    Tensor& y = parts.size() == 1 ? ctx.allocate_output_in_place(0, 0, DataType::kFloat, shape)
                                  : ctx.allocate_output(0, DataType::kFloat, shape);
    if (y.numel() == 0) return Status::OK();
    const bool per_image = s->numel() == N * C && N != 1;
    const float* Sv = s->data<float>();
    const float* Bv = bias != nullptr ? bias->data<float>() : nullptr;
    float* Y = y.data<float>();
    const ActivationSpec act = activation_;
    return with_block(block_, [&]<int64_t kB>() {
    const int64_t per_block = C / kB;
    // part_of[cb]: which part holds channel block cb of an image, and its block there.
    std::vector<std::pair<const float*, int64_t>> part_of;  // (part's data, its blocks per image)
    std::vector<int64_t> local;
    for (const Tensor* part : parts) {
      const int64_t blocks = part->dim(1) / kB;
      for (int64_t j = 0; j < blocks; ++j) {
        part_of.emplace_back(part->data<float>(), blocks);
        local.push_back(j);
      }
    }
    parallel_for(ctx.pool(), N * per_block, std::max<int64_t>(1, 4096 / std::max<int64_t>(S, 1)),
                 [&](int64_t b, int64_t e) {
      for (int64_t blk = b; blk < e; ++blk) {
        const int64_t n = blk / per_block, cb = blk % per_block, c0 = cb * kB;
        const auto [part, part_blocks] = part_of[static_cast<size_t>(cb)];
        const float* xi = part + (n * part_blocks + local[static_cast<size_t>(cb)]) * S * kB;
        float* yi = Y + blk * S * kB;
        const float* sc_p = Sv + (per_image ? n * C : 0) + c0;
        simd::with_widest_simd([&]() ONYX_SIMD_BODY {
          using V = simd::floatv<kB>;
          const V sc = simd::load<kB>(sc_p);
          const V sh = Bv != nullptr ? simd::load<kB>(Bv + c0) : simd::broadcast<kB>(0.f);
          const V zero = simd::broadcast<kB>(0.f);
          if (act.kind == Activation::kRelu) {
            for (int64_t p = 0; p < S; ++p) {
              const V v = simd::load<kB>(xi + p * kB) * sc + sh;
              simd::store<kB>(yi + p * kB, v > zero ? v : zero);  // NaN -> 0 as Relu's kernel
            }
          } else {
            for (int64_t p = 0; p < S; ++p) {
              simd::store<kB>(yi + p * kB, simd::load<kB>(xi + p * kB) * sc + sh);
            }
          }
        });
        if (act.kind != Activation::kRelu) apply_activation(act, yi, S * kB);
      }
    });
    return Status::OK();
    });
  }

 private:
  ActivationSpec activation_;
};

}  // namespace

void register_nchwc_ops(KernelRegistry& r) {
  const std::vector<DataType> f32 = {DataType::kFloat};
  r.add(KernelDef{"onyx", "ReorderToNchwc", 1, 1, f32, 0, kernel_factory<Reorder<true>>()});
  r.add(KernelDef{"onyx", "ReorderFromNchwc", 1, 1, f32, 0, kernel_factory<Reorder<false>>()});
  r.add(KernelDef{"onyx", "NchwcMaxPool", 1, 1, f32, 0,
                  kernel_factory<NchwcPool<BlockedPoolKind::kMax>>()});
  r.add(KernelDef{"onyx", "NchwcAveragePool", 1, 1, f32, 0,
                  kernel_factory<NchwcPool<BlockedPoolKind::kAverage>>()});
  r.add(KernelDef{"onyx", "NchwcGlobalAveragePool", 1, 1, f32, 0,
                  kernel_factory<NchwcGlobalAveragePool>()});
  r.add(KernelDef{"onyx", "NchwcChannelScale", 1, 1, f32, 0, kernel_factory<NchwcChannelScale>()});
}

}  // namespace onyx
