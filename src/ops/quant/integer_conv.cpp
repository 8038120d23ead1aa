// ConvInteger and QLinearConv: N-d convolution (groups, strides, dilations, pads, auto_pad) of
// int8/uint8 data with a per-tensor input zero point and per-tensor or per-output-channel weight
// zero points, accumulated exactly in int32 (int_gemm.h: im2col of the widened, zero-point-free
// input, then one BLAS GEMM per image and group). Padding is zero after the zero point is
// subtracted, i.e. the padded input value equals x_zero_point. QLinearConv adds the int32 bias
// and requantizes: y = saturate(round_half_even(acc * (x_scale * w_scale[m] / y_scale)) + y_zp).
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "ops/linalg/gemm.h"
#include "ops/nn/geometry.h"
#include "ops/nn/im2col.h"
#include "ops/quant/int8_conv.h"
#include "ops/quant/int8_matmul.h"
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

// `x` is X's shape in NCHW order.
Result<ConvPlan> plan_conv(const Shape& x, const Tensor& w, const nn::WindowAttrs& attrs,
                           int64_t group) {
  if (x.size() < 3 || w.rank() != x.size()) {
    return InvalidArgument("X must have rank >= 3 and W the same rank, got X ",
                           shape_to_string(x), ", W ", shape_to_string(w.shape()));
  }
  ConvPlan p;
  p.N = x[0];
  p.C = x[1];
  p.M = w.dim(0);
  p.G = group;
  if (p.C % group != 0 || p.M % group != 0 || w.dim(1) * group != p.C) {
    return InvalidArgument("channels do not match: X ", shape_to_string(x), ", W ",
                           shape_to_string(w.shape()), ", group ", group);
  }
  const Shape in(x.begin() + 2, x.end());
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
    auto plan = plan_conv(x->shape(), *w, attrs_, group_);
    if (!plan.ok()) return ctx.invalid_argument(plan.status().message());
    Tensor& y = ctx.allocate_output(0, DataType::kInt32, plan->out_shape);
    Status st = int_conv(*x, ctx.input(2), *w, ctx.input(3), *plan, y.data<int32_t>(),
                         ctx.pool());
    if (!st.ok()) return ctx.invalid_argument(st.message());
    return Status::OK();
  }
};

// QLinearConv's fast path (int8_conv.h), prepared at load when every input but X is a
// constant of the forms oneDNN takes: float scales, int8 weights without zero points, 8-bit X
// and Y with scalar zero points. One primitive per input shape, made on first use.
class FastQLinearConv {
 public:
  // Null when the node does not qualify (the reference kernel then runs).
  static std::unique_ptr<FastQLinearConv> prepare(const KernelInfo& info) {
    if (!quant::int8_fast_path_enabled()) return nullptr;
    for (size_t k = 1; k < 9; ++k) {
      if (info.has_input(k) && info.constant_input(k) == nullptr) return nullptr;
    }
    const Tensor* xzp = info.constant_input(2);
    const Tensor* w = info.constant_input(3);
    const Tensor* wzp = info.constant_input(5);
    const Tensor* yzp = info.constant_input(7);
    const Tensor* bias = info.constant_input(8);
    const Tensor* scale[3] = {info.constant_input(1), info.constant_input(4),
                              info.constant_input(6)};
    if (w == nullptr || w->dtype() != DataType::kInt8 || w->rank() < 3 || w->rank() > 5 ||
        xzp == nullptr || yzp == nullptr || xzp->numel() != 1 || yzp->numel() != 1) {
      return nullptr;
    }
    for (const Tensor* t : scale) {
      if (t == nullptr || t->dtype() != DataType::kFloat) return nullptr;
    }
    const int64_t M = w->dim(0);
    if (scale[0]->numel() != 1 || scale[2]->numel() != 1 ||
        !(scale[1]->numel() == 1 || (scale[1]->rank() == 1 && scale[1]->dim(0) == M))) {
      return nullptr;
    }
    if (wzp != nullptr) {
      if (wzp->dtype() != DataType::kInt8) return nullptr;
      for (int64_t k = 0; k < wzp->numel(); ++k) {
        if (wzp->data<int8_t>()[k] != 0) return nullptr;
      }
    }
    if (bias != nullptr &&
        (bias->dtype() != DataType::kInt32 || bias->rank() != 1 || bias->dim(0) != M)) {
      return nullptr;
    }
    for (const Tensor* z : {xzp, yzp}) {
      if (z->dtype() != DataType::kUInt8 && z->dtype() != DataType::kInt8) return nullptr;
    }
    auto f = std::make_unique<FastQLinearConv>();
    f->src_type_ = xzp->dtype();
    f->dst_type_ = yzp->dtype();
    f->src_zp_ = static_cast<int32_t>((*quant::int_values(*xzp))[0]);
    f->dst_zp_ = static_cast<int32_t>((*quant::int_values(*yzp))[0]);
    // The reference's multiplier in the scales' precision: (x_scale * w_scale) / y_scale.
    const float xs = scale[0]->data<float>()[0], ys = scale[2]->data<float>()[0];
    for (int64_t m = 0; m < scale[1]->numel(); ++m) {
      const float prod = xs * scale[1]->data<float>()[m];
      f->scales_.push_back(prod / ys);
    }
    f->weights_ = *w;  // shares the constant's buffer
    f->has_bias_ = bias != nullptr;
    if (bias != nullptr) f->bias_ = *bias;
    return f;
  }

  // Runs the convolution; false when oneDNN cannot serve this shape (the caller falls back).
  Result<bool> run(const Tensor& x, const ConvPlan& p, bool channels_last, Tensor& y,
                   const ThreadPool* pool) const {
    auto conv = primitive_for(x, p, channels_last, pool);
    if (conv == nullptr) return false;
    ONYX_RETURN_IF_ERROR(conv->run(x.raw_data(), y.raw_data(), pool));
    return true;
  }

  bool serves(DataType x, DataType y) const { return x == src_type_ && y == dst_type_; }

 private:
  std::shared_ptr<const quant::Int8Convolution> primitive_for(const Tensor& x, const ConvPlan& p,
                                                              bool channels_last,
                                                              const ThreadPool* pool) const {
    std::vector<int64_t> key = x.shape();
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    quant::Int8ConvSpec spec;
    spec.N = p.N;
    spec.C = p.C;
    spec.M = p.M;
    spec.G = p.G;
    spec.window = p.win;
    spec.src_signed = src_type_ == DataType::kInt8;
    spec.dst_signed = dst_type_ == DataType::kInt8;
    spec.src_zero_point = src_zp_;
    spec.dst_zero_point = dst_zp_;
    spec.weights = weights_.data<int8_t>();
    spec.bias = has_bias_ ? bias_.data<int32_t>() : nullptr;
    spec.scales = scales_;
    spec.channels_last = channels_last;
    auto made = quant::Int8Convolution::create(spec, pool);
    std::shared_ptr<const quant::Int8Convolution> conv;
    if (made.ok()) conv = std::move(*made);
    cache_.emplace(std::move(key), conv);
    return conv;
  }

  DataType src_type_ = DataType::kUInt8, dst_type_ = DataType::kUInt8;
  int32_t src_zp_ = 0, dst_zp_ = 0;
  std::vector<float> scales_;
  Tensor weights_, bias_;  // the constants (their buffers shared)
  bool has_bias_ = false;
  mutable std::mutex mutex_;
  mutable std::map<std::vector<int64_t>, std::shared_ptr<const quant::Int8Convolution>> cache_;
};

// Between NCHW and NHWC (4-D, any 1-byte element type): the channels-last kernel's reference
// fallback.
Tensor to_channels_last(const Tensor& t, bool forward) {
  const Shape& s = t.shape();
  const int64_t N = s[0];
  const int64_t C = forward ? s[1] : s[3], H = forward ? s[2] : s[1], W = forward ? s[3] : s[2];
  Tensor out(t.dtype(), forward ? Shape{N, H, W, C} : Shape{N, C, H, W});
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.raw_data());
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t hw = 0; hw < H * W; ++hw) {
        const int64_t nchw = (n * C + c) * H * W + hw, nhwc = (n * H * W + hw) * C + c;
        dst[forward ? nhwc : nchw] = src[forward ? nchw : nhwc];
      }
    }
  }
  return out;
}

// QLinearConv, and onyx NhwcQLinearConv (kChannelsLast: X and Y are [N, H, W, C], the int8
// layout of optimizer/int8_layout.h).
template <bool kChannelsLast>
class QLinearConv final : public ConvIntegerBase {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(ConvIntegerBase::init(info));
    fast_ = FastQLinearConv::prepare(info);
    return Status::OK();
  }

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
    if (kChannelsLast && x->rank() != 4) {
      return ctx.invalid_argument("X must be [N, H, W, C], got ", shape_to_string(x->shape()));
    }
    const Shape x_nchw = kChannelsLast ? Shape{x->dim(0), x->dim(3), x->dim(1), x->dim(2)}
                                       : x->shape();
    auto plan = plan_conv(x_nchw, *w, attrs_, group_);
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
        for (size_t i = 0; i < v->size(); ++i) (*v)[i] = quant::as_double(t->template data<S>()[i]);
        return Status::OK();
      });
    }
    double yz = 0;
    if (yzp != nullptr) {
      auto z = quant::int_values(*yzp);
      if (!z.ok()) return ctx.invalid_argument(z.status().message());
      yz = static_cast<double>((*z)[0]);
    }
    const Shape& os = plan->out_shape;
    Tensor& out = ctx.allocate_output(
        0, out_dt, kChannelsLast ? Shape{os[0], os[2], os[3], os[1]} : os);
    if (fast_ != nullptr && fast_->serves(x->dtype(), out_dt)) {
      if (out.numel() == 0) return Status::OK();
      ONYX_ASSIGN_OR_RETURN(const bool done, fast_->run(*x, *plan, kChannelsLast, out, ctx.pool()));
      if (done) return Status::OK();
    }
    // The reference, in NCHW.
    Tensor x_planar, y_planar;
    if (kChannelsLast) {
      x_planar = to_channels_last(*x, false);
      y_planar = Tensor(out_dt, os);
    }
    Tensor& y = kChannelsLast ? y_planar : out;
    std::vector<int32_t> acc(static_cast<size_t>(shape_numel(plan->out_shape)));
    Status st = int_conv(kChannelsLast ? x_planar : *x, xzp, *w, wzp, *plan, acc.data(),
                         ctx.pool());
    if (!st.ok()) return ctx.invalid_argument(st.message());
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
    ONYX_RETURN_IF_ERROR(quant::dispatch_requant(out_dt, *prec, requant));
    if (kChannelsLast) {
      const Tensor t = to_channels_last(y_planar, true);
      std::memcpy(out.raw_data(), t.raw_data(), static_cast<size_t>(t.numel()));
    }
    return Status::OK();
  }

 private:
  std::unique_ptr<FastQLinearConv> fast_;
};

}  // namespace

void register_integer_conv(KernelRegistry& r) {
  r.add_versions<ConvInteger, quant::Int8Types>("", "ConvInteger", {10});
  r.add_versions<QLinearConv<false>, quant::Int8Types>("", "QLinearConv", {10});
  // Our own op (docs/fused-ops.md), version 1.
  r.add(KernelDef{"onyx", "NhwcQLinearConv", 1, 1, {DataType::kUInt8, DataType::kInt8}, 0,
                  kernel_factory<QLinearConv<true>>()});
}

}  // namespace onyx
