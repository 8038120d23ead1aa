// Conv (1-D/2-D/3-D/N-d, groups, strides, dilations, pads, auto_pad, optional bias).
//
// float/double: per (image, group) im2col + BLAS GEMM  Y_g[Mg, O] = W_g[Mg, Cg*K] * col[Cg*K, O];
// pointwise convs (1x1, stride 1, no pad) skip im2col. Depthwise 1-D/2-D convs (one input
// channel per group) use a direct tap-accumulation loop instead, since a GEMM with one output
// row is just a slower way to do it. float16/bfloat16 are widened to float.
#include <algorithm>
#include <vector>

#include "ops/linalg/convert.h"
#include "ops/linalg/gemm.h"
#include "ops/nn/geometry.h"
#include "ops/nn/im2col.h"
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

class Conv final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    ONYX_ASSIGN_OR_RETURN(group_, info.attr_int("group", 1));
    if (group_ <= 0) return info.error(StatusCode::kInvalidArgument, "group must be positive");
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
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    ThreadPool* pool = ctx.pool();
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      if constexpr (linalg::is_half_v<T>) {
        const std::vector<float> fx = linalg::widen(x->data<T>(), x->numel(), pool);
        const std::vector<float> fw = linalg::widen(wt->data<T>(), wt->numel(), pool);
        std::vector<float> fb;
        if (b != nullptr) fb = linalg::widen(b->data<T>(), b->numel());
        std::vector<float> fy(static_cast<size_t>(y.numel()));
        conv_forward<float>(fx.data(), fw.data(), b != nullptr ? fb.data() : nullptr, fy.data(),
                            N, C, M, group_, *win, pool);
        linalg::convert_buffer(fy.data(), y.data<T>(), y.numel(), pool);
      } else {
        conv_forward<T>(x->data<T>(), wt->data<T>(), b != nullptr ? b->data<T>() : nullptr,
                        y.data<T>(), N, C, M, group_, *win, pool);
      }
      return Status::OK();
    });
  }

 private:
  nn::WindowAttrs attrs_;
  int64_t group_ = 1;
};

}  // namespace

void register_conv(KernelRegistry& r) {
  r.add_versions<Conv, FloatTypes>("", "Conv", {1, 11, 22});
}

}  // namespace onyx
