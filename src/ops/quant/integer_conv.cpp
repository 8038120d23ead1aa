// ConvInteger and QLinearConv: N-d convolution (groups, strides, dilations, pads, auto_pad) of
// int8/uint8 data with a per-tensor input zero point and per-tensor or per-output-channel weight
// zero points, accumulated exactly in int32 (int_gemm.h: im2col of the widened, zero-point-free
// input, then one BLAS GEMM per image and group). Padding is zero after the zero point is
// subtracted, i.e. the padded input value equals x_zero_point. QLinearConv adds the int32 bias
// and requantizes: y = saturate(round_half_even(acc * (x_scale * w_scale[m] / y_scale)) + y_zp).
#include <functional>
#include <vector>

#include "ops/linalg/gemm.h"
#include "ops/nn/geometry.h"
#include "ops/nn/im2col.h"
#include "ops/quant/int_gemm.h"
#include "ops/quant/quant_util.h"
#include "ops/quant/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using quant::VecParam;

struct ConvPlan {
  nn::Window win;
  int64_t N = 0, C = 0, M = 0, G = 1;
  Shape out_shape;
};

Result<ConvPlan> plan_conv(const Tensor& x, const Tensor& w, const nn::WindowAttrs& attrs,
                           int64_t group) {
  if (x.rank() < 3 || w.rank() != x.rank()) {
    return InvalidArgument("X must have rank >= 3 and W the same rank, got X ",
                           shape_to_string(x.shape()), ", W ", shape_to_string(w.shape()));
  }
  ConvPlan p;
  p.N = x.dim(0);
  p.C = x.dim(1);
  p.M = w.dim(0);
  p.G = group;
  if (p.C % group != 0 || p.M % group != 0 || w.dim(1) * group != p.C) {
    return InvalidArgument("channels do not match: X ", shape_to_string(x.shape()), ", W ",
                           shape_to_string(w.shape()), ", group ", group);
  }
  const Shape in(x.shape().begin() + 2, x.shape().end());
  const Shape kernel(w.shape().begin() + 2, w.shape().end());
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != kernel) {
    return InvalidArgument("kernel_shape ", shape_to_string(attrs.kernel_shape),
                           " does not match W ", shape_to_string(w.shape()));
  }
  ONYX_ASSIGN_OR_RETURN(p.win, nn::resolve_window(attrs, in, kernel));
  p.out_shape = {p.N, p.M};
  p.out_shape.insert(p.out_shape.end(), p.win.out.begin(), p.win.out.end());
  return p;
}

// acc[N, M, out...] = conv(X - x_zp, W - w_zp[m]), wrapped to int32.
Status int_conv(const Tensor& x, const Tensor* xzp, const Tensor& w, const Tensor* wzp,
                const ConvPlan& p, int32_t* acc, ThreadPool* pool) {
  for (const Tensor* t : {&x, &w}) {
    if (t->dtype() != DataType::kUInt8 && t->dtype() != DataType::kInt8) {
      return InvalidArgument("X and W must be int8 or uint8, got ", data_type_name(t->dtype()));
    }
  }
  if (xzp != nullptr && xzp->dtype() != x.dtype()) {
    return InvalidArgument("x_zero_point type ", data_type_name(xzp->dtype()),
                           " differs from X type ", data_type_name(x.dtype()));
  }
  if (wzp != nullptr && wzp->dtype() != w.dtype()) {
    return InvalidArgument("w_zero_point type ", data_type_name(wzp->dtype()),
                           " differs from W type ", data_type_name(w.dtype()));
  }
  if (xzp != nullptr && xzp->numel() != 1) {
    return InvalidArgument("x_zero_point must be a scalar, got ", shape_to_string(xzp->shape()));
  }
  VecParam xp, wp;
  std::vector<int64_t> xz, wz;
  if (xzp != nullptr) {
    ONYX_ASSIGN_OR_RETURN(xz, quant::int_values(*xzp));
  }
  if (wzp != nullptr) {
    if (wzp->numel() != 1 && !(wzp->rank() == 1 && wzp->dim(0) == p.M)) {
      return InvalidArgument("w_zero_point must be a scalar or have shape [", p.M, "], got ",
                             shape_to_string(wzp->shape()));
    }
    if (wzp->numel() != 1) wp.kind = VecParam::Kind::kVector;
    wp.len = p.M;
    ONYX_ASSIGN_OR_RETURN(wz, quant::int_values(*wzp));
  }
  const nn::Window& win = p.win;
  const int64_t Cg = p.C / p.G, Mg = p.M / p.G;
  const int64_t K = win.kernel_numel(), O = win.out_numel(), I = win.in_numel();
  const int64_t rows = Cg * K;
  if (p.N == 0 || p.M == 0 || O == 0) return Status::OK();
  const int64_t wcols = w.numel() / p.M;
  const int64_t max_x = quant::widen_minus_zp<float>(x, xz, xp, true, 1, p.N * p.C, I, nullptr,
                                                     pool);
  const int64_t max_w = quant::widen_minus_zp<float>(w, wz, wp, true, 1, p.M, wcols, nullptr,
                                                     pool);
  bool pointwise = true;
  for (size_t d = 0; d < win.rank(); ++d) {
    pointwise = pointwise && win.kernel[d] == 1 && win.strides[d] == 1 &&
                win.pad_begin[d] == 0 && win.pad_end[d] == 0;
  }
  auto run = [&]<typename F>() {
    std::vector<F> wx(static_cast<size_t>(x.numel())), ww(static_cast<size_t>(w.numel()));
    quant::widen_minus_zp<F>(x, xz, xp, true, 1, p.N * p.C, I, wx.data(), pool);
    quant::widen_minus_zp<F>(w, wz, wp, true, 1, p.M, wcols, ww.data(), pool);
    std::vector<F> col(pointwise ? 0 : static_cast<size_t>(rows * O));
    std::vector<F> out(static_cast<size_t>(Mg * O));
    for (int64_t n = 0; n < p.N; ++n) {
      for (int64_t g = 0; g < p.G; ++g) {
        const F* xs = wx.data() + (n * p.C + g * Cg) * I;
        const F* cols = xs;
        if (!pointwise) {
          nn::im2col(xs, Cg, win, col.data(), pool);
          cols = col.data();
        }
        linalg::gemm<F>(false, false, Mg, O, rows, 1, ww.data() + g * Mg * rows, rows, cols, O,
                        0, out.data(), O);
        int32_t* dst = acc + (n * p.M + g * Mg) * O;
        parallel_for(pool, Mg * O, 1 << 14, [&](int64_t lo, int64_t hi) {
          for (int64_t i = lo; i < hi; ++i) {
            dst[i] = quant::wrap_int32(static_cast<double>(out[static_cast<size_t>(i)]));
          }
        });
      }
    }
  };
  if (quant::float_gemm_exact(rows, max_x, max_w)) {
    run.template operator()<float>();
  } else {
    run.template operator()<double>();
  }
  return Status::OK();
}

class ConvIntegerBase : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    ONYX_ASSIGN_OR_RETURN(group_, info.attr_int("group", 1));
    if (group_ <= 0) return info.error(StatusCode::kInvalidArgument, "group must be positive");
    return Status::OK();
  }

 protected:
  nn::WindowAttrs attrs_;
  int64_t group_ = 1;
};

class ConvInteger final : public ConvIntegerBase {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* w, ctx.required_input(1));
    auto plan = plan_conv(*x, *w, attrs_, group_);
    if (!plan.ok()) return ctx.invalid_argument(plan.status().message());
    Tensor& y = ctx.allocate_output(0, DataType::kInt32, plan->out_shape);
    Status st = int_conv(*x, ctx.input(2), *w, ctx.input(3), *plan, y.data<int32_t>(),
                         ctx.pool());
    if (!st.ok()) return ctx.invalid_argument(st.message());
    return Status::OK();
  }
};

class QLinearConv final : public ConvIntegerBase {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* x_scale, ctx.required_input(1));
    const Tensor* xzp = ctx.input(2);
    ONYX_ASSIGN_OR_RETURN(const Tensor* w, ctx.required_input(3));
    ONYX_ASSIGN_OR_RETURN(const Tensor* w_scale, ctx.required_input(4));
    const Tensor* wzp = ctx.input(5);
    ONYX_ASSIGN_OR_RETURN(const Tensor* y_scale, ctx.required_input(6));
    const Tensor* yzp = ctx.input(7);
    const Tensor* bias = ctx.input(8);
    auto plan = plan_conv(*x, *w, attrs_, group_);
    if (!plan.ok()) return ctx.invalid_argument(plan.status().message());
    const int64_t M = plan->M;
    if (x_scale->numel() != 1 || y_scale->numel() != 1) {
      return ctx.invalid_argument("x_scale and y_scale must be scalars, got ",
                                  shape_to_string(x_scale->shape()), " and ",
                                  shape_to_string(y_scale->shape()));
    }
    if (w_scale->numel() != 1 && !(w_scale->rank() == 1 && w_scale->dim(0) == M)) {
      return ctx.invalid_argument("w_scale must be a scalar or have shape [", M, "], got ",
                                  shape_to_string(w_scale->shape()));
    }
    if (x_scale->dtype() != w_scale->dtype() || x_scale->dtype() != y_scale->dtype()) {
      return ctx.invalid_argument("x_scale, w_scale and y_scale must have the same type");
    }
    auto prec = quant::precision_of(x_scale->dtype());
    if (!prec.ok()) return ctx.invalid_argument("scales: ", prec.status().message());
    if (yzp != nullptr && yzp->numel() != 1) {
      return ctx.invalid_argument("y_zero_point must be a scalar, got ",
                                  shape_to_string(yzp->shape()));
    }
    if (bias != nullptr &&
        (bias->dtype() != DataType::kInt32 || bias->rank() != 1 || bias->dim(0) != M)) {
      return ctx.invalid_argument("B must be int32 of shape [", M, "], got ",
                                  data_type_name(bias->dtype()), " ",
                                  shape_to_string(bias->shape()));
    }
    const DataType out_dt = yzp != nullptr ? yzp->dtype() : x->dtype();
    if (out_dt != DataType::kUInt8 && out_dt != DataType::kInt8) {
      return ctx.invalid_argument("y_zero_point must be int8 or uint8, got ",
                                  data_type_name(out_dt));
    }
    std::vector<double> xs, ws, ys;
    for (auto [t, v] : {std::pair{x_scale, &xs}, std::pair{w_scale, &ws}, std::pair{y_scale, &ys}}) {
      v->resize(static_cast<size_t>(t->numel()));
      (void)dispatch<FloatTypes>(t->dtype(), [&]<typename S>() -> Status {
        for (size_t i = 0; i < v->size(); ++i) (*v)[i] = quant::as_double(t->data<S>()[i]);
        return Status::OK();
      });
    }
    double yz = 0;
    if (yzp != nullptr) {
      auto z = quant::int_values(*yzp);
      if (!z.ok()) return ctx.invalid_argument(z.status().message());
      yz = static_cast<double>((*z)[0]);
    }
    std::vector<int32_t> acc(static_cast<size_t>(shape_numel(plan->out_shape)));
    Status st = int_conv(*x, xzp, *w, wzp, *plan, acc.data(), ctx.pool());
    if (!st.ok()) return ctx.invalid_argument(st.message());
    Tensor& y = ctx.allocate_output(0, out_dt, plan->out_shape);
    const int64_t O = plan->win.out_numel();
    auto requant = [&]<quant::Precision P, typename Q>() {
      std::vector<double> mult(static_cast<size_t>(M));
      for (int64_t m = 0; m < M; ++m) {
        const double wsv = ws[ws.size() == 1 ? 0 : static_cast<size_t>(m)];
        mult[static_cast<size_t>(m)] = quant::round_to<P>(
            quant::round_to<P>(quant::round_to<P>(xs[0]) * quant::round_to<P>(wsv)) /
            quant::round_to<P>(ys[0]));
      }
      const int32_t* bp = bias != nullptr ? bias->data<int32_t>() : nullptr;
      Q* yp = y.data<Q>();
      parallel_for(ctx.pool(), plan->N * M, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t nm = lo; nm < hi; ++nm) {
          const int64_t m = nm % M;
          const double mul = mult[static_cast<size_t>(m)];
          const uint32_t b = bp != nullptr ? static_cast<uint32_t>(bp[m]) : 0u;
          for (int64_t i = nm * O; i < (nm + 1) * O; ++i) {
            const auto a = static_cast<int32_t>(static_cast<uint32_t>(acc[static_cast<size_t>(i)]) + b);
            yp[i] = static_cast<Q>(quant::round_saturate(static_cast<double>(a) * mul, yz,
                                                         quant::qmin<Q>, quant::qmax<Q>));
          }
        }
      });
      return Status::OK();
    };
    return quant::dispatch_requant(out_dt, *prec, requant);
  }
};

}  // namespace

void register_integer_conv(KernelRegistry& r) {
  r.add_versions<ConvInteger, quant::Int8Types>("", "ConvInteger", {10});
  r.add_versions<QLinearConv, quant::Int8Types>("", "QLinearConv", {10});
}

}  // namespace onyx
