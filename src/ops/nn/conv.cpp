// Conv (1-D/2-D/3-D/N-d, groups, strides, dilations, pads, auto_pad, optional bias).
//
// float/double: per (image, group) im2col + BLAS GEMM  Y_g[Mg, O] = W_g[Mg, Cg*K] * col[Cg*K, O];
// pointwise convs (1x1, stride 1, no pad) skip im2col. Depthwise 1-D/2-D convs (one input
// channel per group) use a direct tap-accumulation loop instead, since a GEMM with one output
// row is just a slower way to do it. float16/bfloat16 are widened to float.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ops/common/activation.h"
#include "ops/nn/blocked_pointwise.h"
#include "ops/nn/dnnl_conv.h"
#include "ops/linalg/convert.h"
#include "ops/linalg/gemm.h"
#include "ops/nn/geometry.h"
#include "ops/nn/im2col.h"
#include "ops/nn/nchwc.h"
#include "ops/common/pointwise_gemv.h"
#include "ops/nn/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using nn::Window;

// Output plane (oh, ow) += wt * x[oh*sh - ph + kh*dh][ow*sw - pw + kw*dw] for every tap, with
// the valid output ranges of each tap precomputed (no bounds checks in the inner loop).
template <typename T>
void depthwise_plane_2d(const T* x, int64_t H, int64_t W, const T* wt, int64_t KH, int64_t KW,
                        const Window& w, T* y, int64_t OH, int64_t OW) {
  const size_t wi = w.rank() - 1;  // 1-D convs run as H = 1 (no window on H)
  const bool two_d = w.rank() == 2;
  const int64_t sh = two_d ? w.strides[0] : 1, sw = w.strides[wi];
  const int64_t dh = two_d ? w.dilations[0] : 1, dw = w.dilations[wi];
  const int64_t ph = two_d ? w.pad_begin[0] : 0, pw = w.pad_begin[wi];
  // First/last output index whose input coordinate o*s - p + k*d lies in [0, size).
  auto range = [](int64_t size, int64_t s, int64_t off, int64_t outs, int64_t& lo, int64_t& hi) {
    // o*s + off >= 0  ->  o >= ceil(-off / s);  o*s + off <= size-1 -> o <= floor((size-1-off)/s)
    lo = off >= 0 ? 0 : (-off + s - 1) / s;
    const int64_t top = size - 1 - off;
    hi = top < 0 ? -1 : std::min(outs - 1, top / s);
  };
  for (int64_t kh = 0; kh < KH; ++kh) {
    const int64_t offh = kh * dh - ph;
    int64_t oh0, oh1;
    range(H, sh, offh, OH, oh0, oh1);
    for (int64_t kw = 0; kw < KW; ++kw) {
      const T wv = wt[kh * KW + kw];
      const int64_t offw = kw * dw - pw;
      int64_t ow0, ow1;
      range(W, sw, offw, OW, ow0, ow1);
      for (int64_t oh = oh0; oh <= oh1; ++oh) {
        const T* xr = x + (oh * sh + offh) * W + offw;
        T* yr = y + oh * OW;
        if (sw == 1) {
          for (int64_t ow = ow0; ow <= ow1; ++ow) yr[ow] += wv * xr[ow];
        } else {
          for (int64_t ow = ow0; ow <= ow1; ++ow) yr[ow] += wv * xr[ow * sw];
        }
      }
    }
  }
}

template <typename T>  // float or double
void conv_forward(const T* X, const T* Wt, const T* B, T* Y, int64_t N, int64_t C, int64_t M,
                  int64_t G, const Window& w, ThreadPool* pool) {
  const int64_t Cg = C / G, Mg = M / G;
  const int64_t K = w.kernel_numel(), O = w.out_numel(), I = w.in_numel();
  const int64_t rows = Cg * K;
  if (N == 0 || M == 0 || O == 0) return;

  if (Cg == 1 && w.rank() <= 2) {  // depthwise (incl. channel multipliers): direct loop
    const int64_t H = w.rank() == 2 ? w.in[0] : 1, Wd = w.in.back();
    const int64_t OH = w.rank() == 2 ? w.out[0] : 1, OW = w.out.back();
    const int64_t KH = w.rank() == 2 ? w.kernel[0] : 1, KW = w.kernel.back();
    parallel_for(pool, N * M, 1, [&](int64_t b, int64_t e) {
      for (int64_t nm = b; nm < e; ++nm) {
        const int64_t n = nm / M, m = nm % M, g = m / Mg;
        T* y = Y + nm * O;
        std::fill(y, y + O, B != nullptr ? B[m] : T(0));
        depthwise_plane_2d(X + (n * C + g) * I, H, Wd, Wt + m * K, KH, KW, w, y, OH, OW);
      }
    });
    return;
  }

  bool pointwise = true;
  for (size_t d = 0; d < w.rank(); ++d) {
    pointwise = pointwise && w.kernel[d] == 1 && w.strides[d] == 1 && w.pad_begin[d] == 0 &&
                w.pad_end[d] == 0;
  }
  std::vector<T> col(pointwise ? 0 : static_cast<size_t>(rows * O));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      const T* x = X + (n * C + g * Cg) * I;
      const T* cols = x;
      if (!pointwise) {
        nn::im2col(x, Cg, w, col.data(), pool);
        cols = col.data();
      }
      linalg::gemm<T>(false, false, Mg, O, rows, T(1), Wt + g * Mg * rows, rows, cols, O, T(0),
                      Y + (n * M + g * Mg) * O, O);
    }
  }
  if (B != nullptr) {
    parallel_for(pool, N * M, 16, [&](int64_t b, int64_t e) {
      for (int64_t nm = b; nm < e; ++nm) {
        const T bias = B[nm % M];
        T* y = Y + nm * O;
        for (int64_t i = 0; i < O; ++i) y[i] += bias;
      }
    });
  }
}

// The pixels every tap of a 2-D window reads, from a 16-blocked image [C/16, IH, IW, 16]
// (batch 1) into [taps * C/16, OH, OW, 16] (tap-major, zeros where the window hangs over the
// padding): a KxK convolution of a small image as one pointwise product over taps * C channels,
// and a strided 1x1 one (ResNet's downsampling) as one over its every s-th pixel.
std::vector<float> gather_windows(const Tensor& x, const nn::Window& w, const ThreadPool* pool) {
  constexpr int64_t kB = 16;
  const int64_t blocks = x.dim(1) / kB, IH = w.in[0], IW = w.in[1], OH = w.out[0], OW = w.out[1];
  const int64_t KW = w.kernel[1], taps = w.kernel[0] * KW;
  std::vector<float> out(static_cast<size_t>(taps * blocks * OH * OW * kB));
  const float* src = x.data<float>();
  // One task per (tap, channel block): 0.9 MB for a 3x3 of 512 channels.
  parallel_for(pool, taps * blocks, 16, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t kh = i / blocks / KW, kw = i / blocks % KW, cb = i % blocks;
      float* dst = out.data() + i * OH * OW * kB;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t ih = oh * w.strides[0] - w.pad_begin[0] + kh * w.dilations[0];
        for (int64_t ow = 0; ow < OW; ++ow, dst += kB) {
          const int64_t iw = ow * w.strides[1] - w.pad_begin[1] + kw * w.dilations[1];
          if (ih < 0 || ih >= IH || iw < 0 || iw >= IW) continue;  // stays zero
          std::memcpy(dst, src + ((cb * IH + ih) * IW + iw) * kB, kB * sizeof(float));
        }
      }
    }
  });
  return out;
}

// Convolution weights [M, C, taps] to [M, taps, C], the channel order of gather_windows'
// output, or back (`back`).
void reorder_taps(const float* src, float* dst, int64_t M, int64_t C, int64_t taps, bool back) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t t = 0; t < taps; ++t) {
        const int64_t plain = (m * C + c) * taps + t, tap_major = (m * taps + t) * C + c;
        dst[back ? plain : tap_major] = src[back ? tap_major : plain];
      }
    }
  }
}

// Conv, and the optimizer's onyx FusedConv: Conv + an activation (`activation`,
// `activation_params`) and, with a fourth input Z of the output's shape, a residual sum
// y = act(conv(x) + b + z). Float convolutions with constant weights run through oneDNN
// (weights packed once per input shape, post-ops inside the primitive); everything else takes
// the reference path (im2col + GEMM, or the direct depthwise loop) with the post-ops after it.
//
// NchwcConv is FusedConv with its output (and Z) in the blocked NCHWc layout (nchwc.h) and its
// input blocked too unless `input_nchwc` = 0: the layout pass's convolution. With inputs 4 and
// 5 (W_dw [M, 1, 3, 3], B_dw), a 1x1 NchwcConv is followed by a depthwise 3x3 convolution
// (padding 1, stride `dw_stride`, then `dw_activation`) in the same primitive: MobileNet's
// expansion -> depthwise pair, whose wide intermediate tensor then stays in the cache.
enum class ConvVariant { kConv, kFused, kNchwc };

class Conv final : public OpKernel {
 public:
  explicit Conv(ConvVariant variant)
      : fused_(variant != ConvVariant::kConv), nchwc_(variant == ConvVariant::kNchwc) {}

  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    if (nchwc_) {
      ONYX_ASSIGN_OR_RETURN(int64_t blocked_in, info.attr_int("input_nchwc", 1));
      input_blocked_ = blocked_in != 0;
      ONYX_ASSIGN_OR_RETURN(block_, info.attr_int("block", 8));
      ONYX_ASSIGN_OR_RETURN(max_winograd_ratio_, info.attr_int("max_winograd_ratio", -1));
      if (!nn::valid_nchwc_block(block_)) {
        return info.error(StatusCode::kInvalidArgument, "block must be 8 or 16, got ", block_);
      }
    }
    ONYX_ASSIGN_OR_RETURN(group_, info.attr_int("group", 1));
    if (group_ <= 0) return info.error(StatusCode::kInvalidArgument, "group must be positive");
    if (fused_) {
      ONYX_ASSIGN_OR_RETURN(post_.activation, read_activation_attrs(info));
      post_.sum = info.has_input(3);
    }
    if (nchwc_ && info.has_input(4)) ONYX_RETURN_IF_ERROR(init_depthwise(info));
    // Constant float weights (and bias) can be packed for oneDNN.
    const Tensor* w = info.constant_input(1);
    const Tensor* b = info.constant_input(2);
    if (w != nullptr && w->dtype() == DataType::kFloat && w->rank() >= 3 && w->rank() <= 5 &&
        (!info.has_input(2) || (b != nullptr && b->dtype() == DataType::kFloat))) {
      plain_weights_ = *w;
      weights_shape_ = w->shape();
      constant_weights_ = true;
      if (b != nullptr) packable_bias_ = *b;
      use_dnnl_ = nn::dnnl_available();
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* wt, ctx.required_input(1));
    const Tensor* b = ctx.input(2);
    if (x->rank() < 3 || wt->rank() != x->rank()) {
      return ctx.invalid_argument("X must have rank >= 3 and W the same rank, got X ",
                                  shape_to_string(x->shape()), ", W ",
                                  shape_to_string(wt->shape()));
    }
    if (wt->dtype() != x->dtype() || (b != nullptr && b->dtype() != x->dtype())) {
      return ctx.invalid_argument("X, W and B must have the same element type");
    }
    const int64_t N = x->dim(0), C = x->dim(1), M = wt->dim(0);
    if (C % group_ != 0 || M % group_ != 0 || wt->dim(1) * group_ != C) {
      return ctx.invalid_argument("channels do not match: X ", shape_to_string(x->shape()), ", W ",
                                  shape_to_string(wt->shape()), ", group ", group_);
    }
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != M)) {
      return ctx.invalid_argument("B must have shape [", M, "], got ",
                                  shape_to_string(b->shape()));
    }
    const Shape in(x->shape().begin() + 2, x->shape().end());
    const Shape kernel(wt->shape().begin() + 2, wt->shape().end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != kernel) {
      return ctx.invalid_argument("kernel_shape ", shape_to_string(attrs_.kernel_shape),
                                  " does not match W ", shape_to_string(wt->shape()));
    }
    auto win = nn::resolve_window(attrs_, in, kernel);
    if (!win.ok()) return ctx.invalid_argument(win.status().message());
    Shape out_shape{N, M};
    out_shape.insert(out_shape.end(), win->out.begin(), win->out.end());
    std::optional<nn::Window> dw_win;
    if (dw_) {
      ONYX_ASSIGN_OR_RETURN(dw_win, depthwise_window(ctx, *win, M, C));
      out_shape.resize(2);
      out_shape.insert(out_shape.end(), dw_win->out.begin(), dw_win->out.end());
    }
    const Tensor* z = post_.sum ? ctx.input(3) : nullptr;
    if (post_.sum && (z == nullptr || z->shape() != out_shape || z->dtype() != x->dtype())) {
      return ctx.invalid_argument("Z must be a ", data_type_name(x->dtype()), " tensor of the ",
                                  "output's shape ", shape_to_string(out_shape));
    }
    if (nchwc_ && (x->dtype() != DataType::kFloat || M % block_ != 0 ||
                   (input_blocked_ && C % block_ != 0))) {
      return ctx.invalid_argument("NchwcConv needs float tensors with channel counts that are "
                                  "multiples of ", block_, ", got X ",
                                  shape_to_string(x->shape()), ", W ", shape_to_string(wt->shape()));
    }
    // The residual sum starts from Z in the output: Z's own buffer when this is its last use.
    Tensor& y = z != nullptr ? ctx.allocate_output_in_place(0, 3, x->dtype(), out_shape)
                             : ctx.allocate_output(0, x->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();
    ThreadPool* pool = ctx.pool();
    if (z != nullptr && !y.shares_buffer_with(*z)) std::memcpy(y.raw_data(), z->raw_data(), y.nbytes());

    // A constant input cannot be fed, so input 1 is the constant; its own data may have been
    // released (packed_constant_inputs): plain_weights() gives it back.
    const bool constant_float_weights = constant_weights_ && x->dtype() == DataType::kFloat;
    if (constant_float_weights && !dw_ && is_pointwise_on_one_pixel(*win)) {
      if (const PointwiseGemv* g = gemv()) {
        g->run(x->data<float>(), y.data<float>(), N, z != nullptr, post_.activation, pool);
        return Status::OK();
      }
    }
    if (use_dnnl_ && constant_float_weights && !dw_ && N == 1) {
      const int threads = pool != nullptr ? pool->num_threads() : 1;
      if (const nn::BlockedPointwiseConv* pw = blocked_pointwise(*win, threads)) {
        // A KxK one reads every tap's shifted image, a strided 1x1 one (ResNet's downsampling)
        // every s-th pixel: gathered first.
        std::vector<float> gathered;
        if (win->kernel_numel() != 1 || win->out_numel() != win->in_numel()) {
          gathered = gather_windows(*x, *win, pool);
        }
        pw->run(gathered.empty() ? x->data<float>() : gathered.data(), y.data<float>(),
                win->out_numel(), z != nullptr, post_.activation, pool);
        return Status::OK();
      }
    }
    if (use_dnnl_ && constant_float_weights && dw_) {
      auto done = run_with_depthwise(*x, y, *win, *dw_win, pool);
      if (done) return *done;
    } else if (use_dnnl_ && constant_float_weights) {
      auto conv = primitive_for(N, C, M, *win);
      if (conv != nullptr) return conv->run(x->data<float>(), y.data<float>(), pool);
    }
    Tensor unpacked;
    if (constant_float_weights) {
      ONYX_ASSIGN_OR_RETURN(unpacked, plain_weights());
      wt = &unpacked;
    }
    if (dw_) return reference_with_depthwise(*x, *wt, b, y, *win, *dw_win, pool);
    if (nchwc_) return reference_nchwc(*x, *wt, b, y, *win, pool);
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      if constexpr (linalg::is_half_v<T>) {
        const std::vector<float> fx = linalg::widen(x->data<T>(), x->numel(), pool);
        const std::vector<float> fw = linalg::widen(wt->data<T>(), wt->numel(), pool);
        std::vector<float> fb;
        if (b != nullptr) fb = linalg::widen(b->data<T>(), b->numel());
        std::vector<float> fy(static_cast<size_t>(y.numel()));
        conv_forward<float>(fx.data(), fw.data(), b != nullptr ? fb.data() : nullptr, fy.data(),
                            N, C, M, group_, *win, pool);
        if (z != nullptr) add_into(fy.data(), y.data<T>(), y.numel());
        apply_activation(post_.activation, fy.data(), y.numel());
        linalg::convert_buffer(fy.data(), y.data<T>(), y.numel(), pool);
      } else {
        std::vector<T> sum;
        if (z != nullptr) sum.assign(y.data<T>(), y.data<T>() + y.numel());
        conv_forward<T>(x->data<T>(), wt->data<T>(), b != nullptr ? b->data<T>() : nullptr,
                        y.data<T>(), N, C, M, group_, *win, pool);
        if (z != nullptr) add_into(sum.data(), y.data<T>(), y.numel());
        if (post_.activation.kind != Activation::kNone) {
          T* p = y.data<T>();
          for (int64_t i = 0; i < y.numel(); ++i) {
            p[i] = static_cast<T>(apply_activation(post_.activation, static_cast<float>(p[i])));
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  Status init_depthwise(const KernelInfo& info) {
    const Tensor* w = info.constant_input(4);
    const Tensor* b = info.has_input(5) ? info.constant_input(5) : nullptr;
    if (w == nullptr || w->dtype() != DataType::kFloat || w->rank() != 4 || w->dim(1) != 1 ||
        w->dim(2) != 3 || w->dim(3) != 3 ||
        (b == nullptr && info.has_input(5)) ||
        (b != nullptr && (b->dtype() != DataType::kFloat || b->numel() != w->dim(0)))) {
      return info.error(StatusCode::kInvalidGraph,
                        "W_dw must be constant float [M, 1, 3, 3] and B_dw constant float [M]");
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t stride, info.attr_int("dw_stride", 1));
    if (stride != 1 && stride != 2) {
      return info.error(StatusCode::kInvalidArgument, "dw_stride must be 1 or 2, got ", stride);
    }
    ONYX_ASSIGN_OR_RETURN(const std::string act, info.attr_string("dw_activation", ""));
    ONYX_ASSIGN_OR_RETURN(const std::vector<float> params, info.attr_floats("dw_activation_params"));
    auto spec = parse_activation(act, params);
    if (!spec) {
      return info.error(StatusCode::kInvalidGraph, "unknown dw_activation '", act, "'");
    }
    dw_ = true;
    dw_weights_ = *w;
    if (b != nullptr) dw_bias_ = *b;
    dw_attrs_.kernel_shape = {3, 3};
    dw_attrs_.strides = {stride, stride};
    dw_attrs_.pads = {1, 1, 1, 1};
    nn::DepthwisePostOp& dw = post_.depthwise.emplace();
    dw.weights = dw_weights_.data<float>();
    dw.bias = dw_bias_.defined() ? dw_bias_.data<float>() : nullptr;
    dw.stride = stride;
    dw.activation = *spec;
    return Status::OK();
  }

  // The depthwise stage's window over the 1x1 convolution's output.
  Result<nn::Window> depthwise_window(const KernelContext& ctx, const nn::Window& win, int64_t M,
                                      int64_t C) const {
    bool pointwise = win.rank() == 2 && group_ == 1 && !post_.sum && C % block_ == 0 &&
                     input_blocked_ && dw_weights_.dim(0) == M;
    for (size_t d = 0; pointwise && d < win.rank(); ++d) {
      pointwise = win.kernel[d] == 1 && win.strides[d] == 1 && win.pad_begin[d] == 0 &&
                  win.pad_end[d] == 0;
    }
    if (!pointwise) {
      return ctx.invalid_argument("a depthwise stage needs a 2-D 1x1 convolution of blocked X ",
                                  "without groups or Z, and W_dw of its ", M, " channels");
    }
    auto dw = nn::resolve_window(dw_attrs_, Shape(win.out.begin(), win.out.end()), Shape{3, 3});
    if (!dw.ok()) return ctx.invalid_argument(dw.status().message());
    return *dw;
  }

  // NchwcConv with a depthwise stage on oneDNN: one fused primitive, or the two convolutions
  // one after the other with the intermediate in a temporary tensor where fusing does not pay:
  // an intermediate that fits the cache anyway, or fewer images than threads (the fused
  // primitive splits its work by image and would leave threads idle). Empty when oneDNN cannot
  // serve the geometry.
  //
  // Measured with oneDNN 2.6 on MobileNetV2's pairs (Intel Xeon, AVX-512), fused against two
  // primitives: 96 x 112 x 112 at batch 1 620 -> 410 us (one thread); 144 x 56 x 56 at batch 8
  // 3056 -> 2803 us (one thread), 1619 -> 1433 (two); 192 x 28 x 28 at batch 8 1038 -> 966;
  // but 2-5% slower where the intermediate is under 4 MB (144 x 56 x 56 at batch 1, 384 x 14
  // x 14 at batch 8), and at two threads with one image 393 -> 407 us.
  static constexpr int64_t kMinFusedIntermediateBytes = int64_t{4} << 20;

  std::optional<Status> run_with_depthwise(const Tensor& x, Tensor& y, const nn::Window& win,
                                           const nn::Window& dw_win, ThreadPool* pool) const {
    const int64_t N = x.dim(0), C = x.dim(1), M = weights_shape_[0];
    const int threads = pool != nullptr ? pool->num_threads() : 1;
    const int64_t intermediate_bytes = N * M * win.out_numel() * static_cast<int64_t>(sizeof(float));
    if (N >= threads && intermediate_bytes >= kMinFusedIntermediateBytes) {
      auto fused = primitive_for(N, C, M, win, Stage::kWhole);
      if (fused != nullptr) return fused->run(x.data<float>(), y.data<float>(), pool);
    }
    auto pointwise = primitive_for(N, C, M, win, Stage::kPointwise);
    auto depthwise = primitive_for(N, M, M, dw_win, Stage::kDepthwise);
    if (pointwise == nullptr || depthwise == nullptr) return std::nullopt;
    Shape mid_shape{N, M};
    mid_shape.insert(mid_shape.end(), win.out.begin(), win.out.end());
    Tensor mid(DataType::kFloat, mid_shape);
    ONYX_RETURN_IF_ERROR(pointwise->run(x.data<float>(), mid.data<float>(), pool));
    return depthwise->run(mid.data<float>(), y.data<float>(), pool);
  }

  // NchwcConv with a depthwise stage, without oneDNN: the 1x1 convolution, then the depthwise
  // one on its (plain) output.
  Status reference_with_depthwise(const Tensor& x, const Tensor& wt, const Tensor* b, Tensor& y,
                                  const nn::Window& win, const nn::Window& dw_win,
                                  ThreadPool* pool) const {
    const int64_t N = x.dim(0), M = wt.dim(0);
    Shape mid_shape{N, M};
    mid_shape.insert(mid_shape.end(), win.out.begin(), win.out.end());
    Tensor mid(DataType::kFloat, mid_shape);
    ONYX_RETURN_IF_ERROR(reference_nchwc(x, wt, b, mid, win, pool));
    std::vector<float> plain_mid(static_cast<size_t>(mid.numel()));
    nn::nchwc_to_nchw(mid.data<float>(), plain_mid.data(), N, M, win.out_numel(), block_, pool);
    std::vector<float> plain_y(static_cast<size_t>(y.numel()));
    conv_forward<float>(plain_mid.data(), dw_weights_.data<float>(),
                        dw_bias_.defined() ? dw_bias_.data<float>() : nullptr, plain_y.data(), N,
                        M, M, M, dw_win, pool);
    apply_activation(post_.depthwise->activation, plain_y.data(), y.numel());
    nn::nchw_to_nchwc(plain_y.data(), y.data<float>(), N, M, dw_win.out_numel(), block_, pool);
    return Status::OK();
  }

  // NchwcConv without oneDNN: unblock, convolve as plain NCHW, block the result. y holds Z.
  Status reference_nchwc(const Tensor& x, const Tensor& wt, const Tensor* b, Tensor& y,
                         const nn::Window& win, ThreadPool* pool) const {
    const int64_t N = x.dim(0), C = x.dim(1), M = wt.dim(0);
    const int64_t I = win.in_numel(), O = win.out_numel();
    std::vector<float> plain_x;
    const float* xp = x.data<float>();
    if (input_blocked_) {
      plain_x.resize(static_cast<size_t>(x.numel()));
      nn::nchwc_to_nchw(xp, plain_x.data(), N, C, I, block_, pool);
      xp = plain_x.data();
    }
    std::vector<float> plain_y(static_cast<size_t>(y.numel()));
    conv_forward<float>(xp, wt.data<float>(), b != nullptr ? b->data<float>() : nullptr,
                        plain_y.data(), N, C, M, group_, win, pool);
    if (post_.sum) {
      std::vector<float> plain_z(plain_y.size());
      nn::nchwc_to_nchw(y.data<float>(), plain_z.data(), N, M, O, block_, pool);
      add_into(plain_z.data(), plain_y.data(), y.numel());
    }
    apply_activation(post_.activation, plain_y.data(), y.numel());
    nn::nchw_to_nchwc(plain_y.data(), y.data<float>(), N, M, O, block_, pool);
    return Status::OK();
  }

  template <typename A, typename T>
  static void add_into(const A* from, T* to, int64_t n) {
    for (int64_t i = 0; i < n; ++i) to[i] = static_cast<T>(static_cast<float>(to[i]) + static_cast<float>(from[i]));
  }

  nn::ConvLayout blocked_layout() const {
    return block_ == 16 ? nn::ConvLayout::kBlocked16 : nn::ConvLayout::kBlocked8;
  }

  // Which convolution primitive_for makes where there is a depthwise stage: the whole fused
  // one, or either convolution alone.
  enum class Stage { kWhole, kPointwise, kDepthwise };

  // The oneDNN primitive for this input geometry (made on first use, then cached); null when
  // oneDNN cannot serve it, so the reference path runs.
  std::shared_ptr<const nn::DnnlConvolution> primitive_for(int64_t N, int64_t C, int64_t M,
                                                           const nn::Window& w,
                                                           Stage stage = Stage::kWhole) const {
    std::vector<int64_t> key{N, C, static_cast<int64_t>(stage)};
    key.insert(key.end(), w.in.begin(), w.in.end());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    nn::ConvOptions options;
    if (nchwc_) {  // the layout pass's convolutions: blocked, and Winograd where it applies
      options.src_layout = input_blocked_ ? blocked_layout() : nn::ConvLayout::kPlain;
      options.dst_layout = blocked_layout();
      options.allow_winograd = max_winograd_ratio_ != 0 && !dw_;
      options.max_winograd_ratio = max_winograd_ratio_;
    }
    nn::PostOps post = post_;
    Tensor plain;  // holds the weights while create() packs them
    if (stage != Stage::kDepthwise) {
      auto p = plain_weights_locked();
      if (!p.ok()) return cache_.emplace(std::move(key), nullptr).first->second;
      plain = std::move(*p);
    }
    const float* weights = plain.defined() ? plain.data<float>() : nullptr;
    const float* bias = packable_bias_.defined() ? packable_bias_.data<float>() : nullptr;
    int64_t group = group_;
    if (stage == Stage::kPointwise) post.depthwise.reset();
    if (stage == Stage::kDepthwise) {
      post = nn::PostOps{};
      post.activation = post_.depthwise->activation;
      weights = dw_weights_.data<float>();
      bias = dw_bias_.defined() ? dw_bias_.data<float>() : nullptr;
      group = M;
    }
    auto made = nn::DnnlConvolution::create(N, C, M, group, w, weights, bias, post, options);
    auto conv = made.ok() ? *made : nullptr;
    // Once a primitive holds the weights in a layout that converts back, the plain copy goes:
    // the weights are then held once (ResNet-101 peak RSS: batch 1 446 -> 354 MB, batch 8 610
    // -> 500, against ONNX Runtime's 524 / 532).
    if (conv != nullptr && stage != Stage::kDepthwise && conv->weights_recoverable() &&
        plain_weights_.defined()) {
      packed_source_ = conv;
      plain_weights_ = Tensor();
    }
    cache_.emplace(std::move(key), conv);
    return conv;
  }

  // The plain weights: the constant itself until a primitive's packed copy can stand in for
  // it, then unpacked from that copy (for another input shape's primitive, the
  // matrix-vector kernel and the reference paths).
  Result<Tensor> plain_weights() const {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return plain_weights_locked();
  }
  Result<Tensor> plain_weights_locked() const {
    if (plain_weights_.defined()) return plain_weights_;
    Tensor w(DataType::kFloat, weights_shape_);
    if (pointwise_ != nullptr) {
      const int64_t M = weights_shape_[0], C = weights_shape_[1], taps = w.numel() / (M * C);
      if (taps == 1) {
        pointwise_->unpack(w.data<float>());
        return w;
      }
      std::vector<float> tap_major(static_cast<size_t>(w.numel()));
      pointwise_->unpack(tap_major.data());
      reorder_taps(tap_major.data(), w.data<float>(), M, C, taps, /*back=*/true);
      return w;
    }
    ONYX_RETURN_IF_ERROR(packed_source_->unpack_weights(w.data<float>()));
    return w;
  }

  // Constant float weights on oneDNN are packed: the plan may release its copy at load.
  std::vector<size_t> packed_constant_inputs() const override {
    return use_dnnl_ ? std::vector<size_t>{1} : std::vector<size_t>{};
  }
  Result<Tensor> unpack_constant(size_t input) const override {
    if (input != 1 || !constant_weights_) return OpKernel::unpack_constant(input);
    return plain_weights();
  }

  // A 1x1 ungrouped convolution of a 1x1 image (squeeze-and-excitation): a matrix-vector
  // product per batch row, in plain and blocked layouts alike (ops/common/pointwise_gemv.h).
  bool is_pointwise_on_one_pixel(const nn::Window& w) const {
    if (group_ != 1) return false;
    for (size_t d = 0; d < w.rank(); ++d) {
      if (w.in[d] != 1 || w.kernel[d] != 1 || w.out[d] != 1 || w.pad_begin[d] != 0) return false;
    }
    return true;
  }

  // The layout pass's unpadded 1x1 convolutions with an output of one small image (up to
  // 14 x 14; strided ones, ResNet's downsampling, on gathered pixels: ResNet-50 -1.6% more) run
  // our own kernel (nn::BlockedPointwiseConv), and so do 2-D KxK ones with an output of up to
  // 7 x 7 and weights of 2 MB or more, on their windows' pixels gathered tap by tap
  // (gather_windows): strided ones always, others on one thread only. ResNet-18's 3x3 layers
  // of 512 channels, per-node medians: one thread 1250 -> 960 us strided, 2200 -> 1870 not;
  // two threads 670 -> 575 strided, but 1000-1050 -> 1060-1160 not (oneDNN's Winograd there).
  // Made on first use from the plain weights, for which it then stands in; null where it does
  // not apply.
  static constexpr int64_t kMaxWindowPixels = 49;
  static constexpr int64_t kMinWindowWeightBytes = int64_t{2} << 20;
  const nn::BlockedPointwiseConv* blocked_pointwise(const nn::Window& w, int threads) const {
    if (!nchwc_ || block_ != 16 || !input_blocked_ || group_ != 1 ||
        !nn::BlockedPointwiseConv::usable(post_.activation)) {
      return nullptr;
    }
    if (w.out_numel() > nn::BlockedPointwiseConv::kMaxPixels) return nullptr;
    const int64_t taps = w.kernel_numel();
    if (taps != 1) {
      if (w.rank() != 2 || w.out_numel() > kMaxWindowPixels) return nullptr;
      if (threads > 1 && w.strides[0] == 1 && w.strides[1] == 1) return nullptr;
      // Weights that fit L2 are not streamed: oneDNN's kernel is better (DenseNet-121's 3x3
      // layers of 128 -> 32 channels, 147 KB: 63-64 against 69-70 us).
      const int64_t weight_bytes = shape_numel(weights_shape_) * int64_t{sizeof(float)};
      if (weight_bytes < kMinWindowWeightBytes) return nullptr;
    } else {
      for (size_t d = 0; d < w.rank(); ++d) {
        if (w.pad_begin[d] != 0 || w.pad_end[d] != 0) return nullptr;
        if (w.strides[d] != 1 && w.rank() != 2) return nullptr;  // strided: 2-D images only
      }
    }
    std::call_once(pointwise_once_, [&] {
      auto plain = plain_weights();
      if (!plain.ok()) return;
      const int64_t M = weights_shape_[0], C = weights_shape_[1];
      std::vector<float> tap_major;
      const float* weights = plain->data<float>();
      if (taps != 1) {
        tap_major.resize(static_cast<size_t>(M * C * taps));
        reorder_taps(weights, tap_major.data(), M, C, taps, /*back=*/false);
        weights = tap_major.data();
      }
      auto made = std::make_unique<nn::BlockedPointwiseConv>(
          weights, packable_bias_.defined() ? packable_bias_.data<float>() : nullptr, M, C * taps);
      std::lock_guard<std::mutex> lock(cache_mutex_);
      pointwise_ = std::move(made);
      plain_weights_ = Tensor();
    });
    return pointwise_.get();
  }

  // Packed on first use, so 1x1 convolutions of larger images never pay for a second copy.
  // Null if the weights could not be unpacked (the other paths then run).
  const PointwiseGemv* gemv() const {
    std::call_once(gemv_once_, [&] {
      auto w = plain_weights();
      if (!w.ok()) return;
      gemv_ = std::make_unique<PointwiseGemv>(
          w->data<float>(), packable_bias_.defined() ? packable_bias_.data<float>() : nullptr,
          weights_shape_[0], weights_shape_[1]);
    });
    return gemv_.get();
  }

  bool fused_;
  bool nchwc_;
  bool input_blocked_ = false;
  int64_t block_ = 8;
  // NchwcConv's `max_winograd_ratio`: the layout pass's memory budget for Winograd's weights.
  int64_t max_winograd_ratio_ = -1;
  nn::WindowAttrs attrs_;
  int64_t group_ = 1;
  nn::PostOps post_;
  bool use_dnnl_ = false;
  // Constant float weights: plain_weights_ until a recoverable packed copy (packed_source_)
  // replaces it, under cache_mutex_.
  bool constant_weights_ = false;
  Shape weights_shape_;
  mutable Tensor plain_weights_;
  mutable std::shared_ptr<const nn::DnnlConvolution> packed_source_;
  Tensor packable_bias_;
  bool dw_ = false;  // a depthwise stage (post_.depthwise): inputs 4 and 5
  Tensor dw_weights_, dw_bias_;
  nn::WindowAttrs dw_attrs_;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::vector<int64_t>, std::shared_ptr<const nn::DnnlConvolution>> cache_;
  mutable std::once_flag pointwise_once_;
  mutable std::unique_ptr<nn::BlockedPointwiseConv> pointwise_;  // set under cache_mutex_
  mutable std::once_flag gemv_once_;
  mutable std::unique_ptr<PointwiseGemv> gemv_;
};

template <ConvVariant Variant>
KernelFactory conv_factory() {
  return [](const KernelInfo& info) -> Result<std::unique_ptr<OpKernel>> {
    auto k = std::make_unique<Conv>(Variant);
    ONYX_RETURN_IF_ERROR(k->init(info));
    return std::unique_ptr<OpKernel>(std::move(k));
  };
}

}  // namespace

void register_conv(KernelRegistry& r) {
  const std::vector<int> versions = {1, 11, 22};
  for (size_t i = 0; i < versions.size(); ++i) {
    const int until = i + 1 < versions.size() ? versions[i + 1] - 1 : kMaxOnnxOpset;
    r.add(KernelDef{"", "Conv", versions[i], until, types_of(FloatTypes{}), 0, conv_factory<ConvVariant::kConv>()});
  }
  // Our own fused op (docs/fused-ops.md), version 1.
  r.add(KernelDef{"onyx", "FusedConv", 1, 1, types_of(FloatTypes{}), 0,
                  conv_factory<ConvVariant::kFused>()});
  r.add(KernelDef{"onyx", "NchwcConv", 1, 1, {DataType::kFloat}, 0,
                  conv_factory<ConvVariant::kNchwc>()});
}

}  // namespace onyx
