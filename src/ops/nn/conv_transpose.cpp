// ConvTranspose: the adjoint of Conv. Per (image, group): col[Mg*K, I] = W_g^T * X_g (BLAS),
// then col2im scatters col into the output grid; bias added last.
//
// Output size / pads (ONNX spec):
//   out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pad_begin - pad_end
//   output_shape given -> total = stride*(in-1) + output_padding + dk - output_shape;
//     SAME_UPPER: begin = total/2, end = total - begin; otherwise begin = total - total/2.
//   SAME_* without output_shape -> output_shape = in * stride, split as above.
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

using nn::AutoPad;
using nn::Window;

template <typename T>  // float or double
void conv_transpose_forward(const T* X, const T* Wt, const T* B, T* Y, int64_t N, int64_t C,
                            int64_t M, int64_t G, const Window& w, ThreadPool* pool) {
  const int64_t Cg = C / G, Mg = M / G;
  const int64_t K = w.kernel_numel(), O = w.out_numel(), I = w.in_numel();
  const int64_t rows = Mg * K;
  std::fill(Y, Y + N * M * O, T(0));
  if (N == 0 || M == 0 || O == 0) return;
  std::vector<T> col(static_cast<size_t>(rows * I));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t g = 0; g < G; ++g) {
      // W rows g*Cg.. form a [Cg, Mg*K] matrix; col = that^T * X_g[Cg, I].
      linalg::gemm<T>(true, false, rows, I, Cg, T(1), Wt + g * Cg * rows, rows,
                      X + (n * C + g * Cg) * I, I, T(0), col.data(), I);
      nn::col2im(col.data(), Mg, w, Y + (n * M + g * Mg) * O, pool);
    }
  }
  if (B != nullptr) {
    for (int64_t nm = 0; nm < N * M; ++nm) {
      const T bias = B[nm % M];
      T* y = Y + nm * O;
      for (int64_t i = 0; i < O; ++i) y[i] += bias;
    }
  }
}

class ConvTranspose final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    ONYX_ASSIGN_OR_RETURN(group_, info.attr_int("group", 1));
    ONYX_ASSIGN_OR_RETURN(output_padding_, info.attr_ints("output_padding"));
    ONYX_ASSIGN_OR_RETURN(output_shape_, info.attr_ints("output_shape"));
    if (group_ <= 0) return info.error(StatusCode::kInvalidArgument, "group must be positive");
    for (int64_t v : output_padding_) {
      if (v < 0) return info.error(StatusCode::kInvalidArgument, "output_padding must be >= 0");
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
    const int64_t N = x->dim(0), C = x->dim(1), M = wt->dim(1) * group_;
    if (wt->dim(0) != C || C % group_ != 0) {
      return ctx.invalid_argument("channels do not match: X ", shape_to_string(x->shape()), ", W ",
                                  shape_to_string(wt->shape()), ", group ", group_);
    }
    if (b != nullptr && (b->rank() != 1 || b->dim(0) != M)) {
      return ctx.invalid_argument("B must have shape [", M, "], got ",
                                  shape_to_string(b->shape()));
    }
    auto win = resolve(ctx, *x, *wt);
    if (!win.ok()) return win.status();
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
        conv_transpose_forward<float>(fx.data(), fw.data(), b != nullptr ? fb.data() : nullptr,
                                      fy.data(), N, C, M, group_, *win, pool);
        linalg::convert_buffer(fy.data(), y.data<T>(), y.numel(), pool);
      } else {
        conv_transpose_forward<T>(x->data<T>(), wt->data<T>(),
                                  b != nullptr ? b->data<T>() : nullptr, y.data<T>(), N, C, M,
                                  group_, *win, pool);
      }
      return Status::OK();
    });
  }

 private:
  // Window with `in` = ConvTranspose input grid and `out` = its output grid.
  Result<Window> resolve(const KernelContext& ctx, const Tensor& x, const Tensor& wt) const {
    const size_t r = x.rank() - 2;
    Window w;
    w.in.assign(x.shape().begin() + 2, x.shape().end());
    w.kernel.assign(wt.shape().begin() + 2, wt.shape().end());
    if (!attrs_.kernel_shape.empty() && attrs_.kernel_shape != w.kernel) {
      return ctx.invalid_argument("kernel_shape ", shape_to_string(attrs_.kernel_shape),
                                  " does not match W ", shape_to_string(wt.shape()));
    }
    auto len_ok = [&](const std::vector<int64_t>& v, size_t n) { return v.empty() || v.size() == n; };
    if (!len_ok(attrs_.strides, r) || !len_ok(attrs_.dilations, r) || !len_ok(attrs_.pads, 2 * r) ||
        !len_ok(output_padding_, r)) {
      return ctx.invalid_argument("strides/dilations/output_padding need ", r,
                                  " values and pads ", 2 * r);
    }
    // output_shape may list the spatial dims only or the full output shape.
    std::vector<int64_t> oshape = output_shape_;
    if (oshape.size() == r + 2) oshape.erase(oshape.begin(), oshape.begin() + 2);
    if (!oshape.empty() && oshape.size() != r) {
      return ctx.invalid_argument("output_shape has ", output_shape_.size(), " values, expected ",
                                  r);
    }
    w.strides = attrs_.strides.empty() ? std::vector<int64_t>(r, 1) : attrs_.strides;
    w.dilations = attrs_.dilations.empty() ? std::vector<int64_t>(r, 1) : attrs_.dilations;
    w.pad_begin.assign(r, 0);
    w.pad_end.assign(r, 0);
    w.out.assign(r, 0);
    for (size_t i = 0; i < r; ++i) {
      const int64_t op = output_padding_.empty() ? 0 : output_padding_[i];
      const int64_t dk = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t full = w.strides[i] * (w.in[i] - 1) + op + dk;  // output with no padding
      const bool same = attrs_.auto_pad == AutoPad::kSameUpper ||
                        attrs_.auto_pad == AutoPad::kSameLower;
      if (!oshape.empty() || same) {
        const int64_t target = !oshape.empty() ? oshape[i] : w.in[i] * w.strides[i];
        const int64_t total = full - target;
        // Floor division, as in the ONNX reference: a negative total (output_shape larger than
        // the natural size) extends the output at the end.
        const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
        w.pad_begin[i] = attrs_.auto_pad == AutoPad::kSameUpper ? half : total - half;
        w.pad_end[i] = total - w.pad_begin[i];
        w.out[i] = target;
      } else {
        if (attrs_.auto_pad == AutoPad::kNotSet && !attrs_.pads.empty()) {
          w.pad_begin[i] = attrs_.pads[i];
          w.pad_end[i] = attrs_.pads[i + r];
        }
        w.out[i] = full - w.pad_begin[i] - w.pad_end[i];
      }
      if (w.in[i] < 0 || w.out[i] < 0 || w.in[i] == 0) {
        if (w.in[i] == 0) {
          w.out[i] = std::max<int64_t>(w.out[i], 0);
          continue;
        }
        return ctx.invalid_argument("computed output size ", w.out[i], " on spatial axis ", i,
                                    " is negative");
      }
    }
    return w;
  }

  nn::WindowAttrs attrs_;
  int64_t group_ = 1;
  std::vector<int64_t> output_padding_, output_shape_;
};

}  // namespace

void register_conv_transpose(KernelRegistry& r) {
  r.add_versions<ConvTranspose, FloatTypes>("", "ConvTranspose", {1, 11, 22});
}

}  // namespace onyx
