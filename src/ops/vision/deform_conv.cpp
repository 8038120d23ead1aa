// DeformConv (2-D): convolution whose kernel taps sample X at positions shifted by learned
// offsets, with bilinear interpolation (zero outside the image, as GridSample with
// align_corners=1 and zeros padding in ONNX's reference) and an optional modulation mask.
// Per (image, group): build the sampled column matrix [Cg*kH*kW, oH*oW], then one GEMM with
// W_g [Mg, Cg*kH*kW]. float16/bfloat16 are computed in float.
#include <cmath>
#include <vector>

#include "ops/linalg/convert.h"
#include "ops/linalg/gemm.h"
#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

struct DeformGeom {
  int64_t N, C, H, W, M, G, OG, kH, kW, oH, oW;
  int64_t sh, sw, dh, dw, ph, pw;
};

template <typename T>  // float or double
T bilinear(const T* img, int64_t H, int64_t W, T h, T w) {
  if (!(h > T(-1) && h < T(H) && w > T(-1) && w < T(W))) return T(0);
  const T hf = std::floor(h), wf = std::floor(w);
  const auto h0 = static_cast<int64_t>(hf), w0 = static_cast<int64_t>(wf);
  const T lh = h - hf, lw = w - wf;
  T v = 0;
  auto at = [&](int64_t y, int64_t x) -> T {
    return (y >= 0 && y < H && x >= 0 && x < W) ? img[y * W + x] : T(0);
  };
  v += (T(1) - lh) * (T(1) - lw) * at(h0, w0);
  v += (T(1) - lh) * lw * at(h0, w0 + 1);
  v += lh * (T(1) - lw) * at(h0 + 1, w0);
  v += lh * lw * at(h0 + 1, w0 + 1);
  return v;
}

template <typename T>
void deform_forward(const T* X, const T* Wt, const T* off, const T* B, const T* mask, T* Y,
                    const DeformGeom& g, ThreadPool* pool) {
  const int64_t Cg = g.C / g.G, Mg = g.M / g.G, K = g.kH * g.kW, O = g.oH * g.oW;
  const int64_t Cog = g.C / g.OG;  // input channels per offset group
  const int64_t rows = Cg * K;
  std::vector<T> col(static_cast<size_t>(rows * O));
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t grp = 0; grp < g.G; ++grp) {
      parallel_for(pool, rows, 4, [&](int64_t lo, int64_t hi) {
        for (int64_t row = lo; row < hi; ++row) {
          const int64_t c = grp * Cg + row / K, k = row % K;
          const int64_t ki = k / g.kW, kj = k % g.kW;
          const int64_t og = c / Cog;
          const T* img = X + (n * g.C + c) * g.H * g.W;
          const T* oh_p = off + ((n * g.OG + og) * K * 2 + k * 2) * O;
          const T* ow_p = oh_p + O;
          const T* m_p = mask != nullptr ? mask + ((n * g.OG + og) * K + k) * O : nullptr;
          T* dst = col.data() + row * O;
          for (int64_t oh = 0; oh < g.oH; ++oh) {
            for (int64_t ow = 0; ow < g.oW; ++ow) {
              const int64_t o = oh * g.oW + ow;
              const T h = static_cast<T>(oh * g.sh - g.ph + ki * g.dh) + oh_p[o];
              const T w = static_cast<T>(ow * g.sw - g.pw + kj * g.dw) + ow_p[o];
              T v = bilinear(img, g.H, g.W, h, w);
              if (m_p != nullptr) v *= m_p[o];
              dst[o] = v;
            }
          }
        }
      });
      T* y = Y + (n * g.M + grp * Mg) * O;
      linalg::gemm<T>(false, false, Mg, O, rows, T(1), Wt + grp * Mg * rows, rows, col.data(), O,
                      T(0), y, O);
      if (B != nullptr) {
        for (int64_t m = 0; m < Mg; ++m) {
          const T b = B[grp * Mg + m];
          for (int64_t o = 0; o < O; ++o) y[m * O + o] += b;
        }
      }
    }
  }
}

class DeformConv final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(dilations_, info.attr_ints("dilations"));
    ONYX_ASSIGN_OR_RETURN(group_, info.attr_int("group", 1));
    ONYX_ASSIGN_OR_RETURN(kernel_shape_, info.attr_ints("kernel_shape"));
    ONYX_ASSIGN_OR_RETURN(offset_group_, info.attr_int("offset_group", 1));
    ONYX_ASSIGN_OR_RETURN(pads_, info.attr_ints("pads"));
    ONYX_ASSIGN_OR_RETURN(strides_, info.attr_ints("strides"));
    if (group_ <= 0 || offset_group_ <= 0) {
      return info.error(StatusCode::kInvalidArgument, "group and offset_group must be positive");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* w, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* off, ctx.required_input(2));
    const Tensor* b = ctx.input(3);
    const Tensor* mask = ctx.input(4);
    if (x->rank() != 4) {
      return ctx.error(StatusCode::kNotImplemented, "only 2-D DeformConv (X of rank 4) is ",
                       "supported, got X ", shape_to_string(x->shape()));
    }
    if (w->rank() != 4 || off->rank() != 4) {
      return ctx.invalid_argument("W and offset must have rank 4, got ",
                                  shape_to_string(w->shape()), " and ",
                                  shape_to_string(off->shape()));
    }
    for (const Tensor* t : {w, off, b, mask}) {
      if (t != nullptr && t->dtype() != x->dtype()) {
        return ctx.invalid_argument("all inputs must have X's element type");
      }
    }
    DeformGeom g{};
    g.N = x->dim(0);
    g.C = x->dim(1);
    g.H = x->dim(2);
    g.W = x->dim(3);
    g.M = w->dim(0);
    g.G = group_;
    g.OG = offset_group_;
    g.kH = w->dim(2);
    g.kW = w->dim(3);
    if (!kernel_shape_.empty() && kernel_shape_ != Shape{g.kH, g.kW}) {
      return ctx.invalid_argument("kernel_shape ", shape_to_string(kernel_shape_),
                                  " does not match W ", shape_to_string(w->shape()));
    }
    if (g.C != w->dim(1) * g.G || g.M % g.G != 0) {
      return ctx.invalid_argument("channels do not match: X ", shape_to_string(x->shape()),
                                  ", W ", shape_to_string(w->shape()), ", group ", g.G);
    }
    if (g.C % g.OG != 0) {
      return ctx.invalid_argument("input channels ", g.C, " not divisible by offset_group ",
                                  g.OG);
    }
    auto pick = [](const std::vector<int64_t>& v, size_t n, int64_t def, size_t i) {
      return v.size() == n ? v[i] : def;
    };
    if ((!strides_.empty() && strides_.size() != 2) || (!dilations_.empty() && dilations_.size() != 2) ||
        (!pads_.empty() && pads_.size() != 4)) {
      return ctx.invalid_argument("strides/dilations need 2 values and pads 4");
    }
    g.sh = pick(strides_, 2, 1, 0);
    g.sw = pick(strides_, 2, 1, 1);
    g.dh = pick(dilations_, 2, 1, 0);
    g.dw = pick(dilations_, 2, 1, 1);
    g.ph = pick(pads_, 4, 0, 0);
    g.pw = pick(pads_, 4, 0, 1);
    const int64_t ph_end = pick(pads_, 4, 0, 2), pw_end = pick(pads_, 4, 0, 3);
    if (g.sh <= 0 || g.sw <= 0 || g.dh <= 0 || g.dw <= 0) {
      return ctx.invalid_argument("strides and dilations must be positive");
    }
    g.oH = (g.H + g.ph + ph_end - ((g.kH - 1) * g.dh + 1)) / g.sh + 1;
    g.oW = (g.W + g.pw + pw_end - ((g.kW - 1) * g.dw + 1)) / g.sw + 1;
    if (g.oH < 0) g.oH = 0;
    if (g.oW < 0) g.oW = 0;
    const int64_t K = g.kH * g.kW;
    if (off->shape() != Shape{g.N, g.OG * 2 * K, g.oH, g.oW}) {
      return ctx.invalid_argument("offset must have shape ",
                                  shape_to_string({g.N, g.OG * 2 * K, g.oH, g.oW}), ", got ",
                                  shape_to_string(off->shape()));
    }
    if (mask != nullptr && mask->shape() != Shape{g.N, g.OG * K, g.oH, g.oW}) {
      return ctx.invalid_argument("mask must have shape ",
                                  shape_to_string({g.N, g.OG * K, g.oH, g.oW}), ", got ",
                                  shape_to_string(mask->shape()));
    }
    if (b != nullptr && b->shape() != Shape{g.M}) {
      return ctx.invalid_argument("B must have shape [", g.M, "], got ",
                                  shape_to_string(b->shape()));
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), {g.N, g.M, g.oH, g.oW});
    if (y.numel() == 0) return Status::OK();
    ThreadPool* pool = ctx.pool();
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      if constexpr (linalg::is_half_v<T>) {
        auto wd = [&](const Tensor* t) {
          return t != nullptr ? linalg::widen(t->data<T>(), t->numel(), pool)
                              : std::vector<float>();
        };
        const auto fx = wd(x), fw = wd(w), fo = wd(off), fb = wd(b), fm = wd(mask);
        std::vector<float> fy(static_cast<size_t>(y.numel()));
        deform_forward<float>(fx.data(), fw.data(), fo.data(), b ? fb.data() : nullptr,
                              mask ? fm.data() : nullptr, fy.data(), g, pool);
        linalg::convert_buffer(fy.data(), y.data<T>(), y.numel(), pool);
      } else {
        deform_forward<T>(x->data<T>(), w->data<T>(), off->data<T>(),
                          b ? b->data<T>() : nullptr, mask ? mask->data<T>() : nullptr,
                          y.data<T>(), g, pool);
      }
      return Status::OK();
    });
  }

 private:
  std::vector<int64_t> dilations_, kernel_shape_, pads_, strides_;
  int64_t group_ = 1, offset_group_ = 1;
};

}  // namespace

void register_deform_conv(KernelRegistry& r) {
  r.add_versions<DeformConv, TypeList<float, double, float16>>("", "DeformConv", {19}, 21);
  r.add_versions<DeformConv, FloatTypes>("", "DeformConv", {22});
}

}  // namespace onyx
