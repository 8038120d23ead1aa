// The ai.onnx.preview.training optimizers: Adagrad, Momentum and Adam. Each takes a learning
// rate R and an update count T (scalars), then n tensors to optimize, their n gradients, and one
// or two groups of n optimizer-state tensors; it returns the n updated tensors followed by the
// updated state groups. The math is done in double and stored back in each tensor's type.
#include <cmath>
#include <string>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

constexpr const char* kTrainingDomain = "ai.onnx.preview.training";

// Reads R and T and checks that the remaining inputs split into `groups` groups of equally
// shaped float/double tensors. Returns n, the number of tensors per group.
Result<int64_t> read_common(KernelContext& ctx, size_t groups, double& r, int64_t& t) {
  ONYX_ASSIGN_OR_RETURN(const Tensor* rt, ctx.required_input(0));
  ONYX_ASSIGN_OR_RETURN(const Tensor* tt, ctx.required_input(1));
  if (rt->numel() != 1 || (rt->dtype() != DataType::kFloat && rt->dtype() != DataType::kDouble)) {
    return ctx.invalid_argument("R must be a float or double scalar");
  }
  r = rt->dtype() == DataType::kFloat ? rt->data<float>()[0] : rt->data<double>()[0];
  if (tt->numel() != 1 || tt->dtype() != DataType::kInt64) {
    return ctx.invalid_argument("T must be an int64 scalar");
  }
  t = tt->data<int64_t>()[0];
  const size_t rest = ctx.num_inputs() - 2;
  if (ctx.num_inputs() < 2 || rest % groups != 0 || rest == 0) {
    return ctx.invalid_argument("expected R, T and ", groups, " equal groups of tensors, got ",
                                ctx.num_inputs(), " inputs");
  }
  const size_t n = rest / groups;
  if (ctx.num_outputs() > n * (groups - 1)) {
    return ctx.invalid_argument("expected at most ", n * (groups - 1), " outputs, got ",
                                ctx.num_outputs());
  }
  for (size_t i = 0; i < n; ++i) {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(2 + i));
    if (x->dtype() != DataType::kFloat && x->dtype() != DataType::kDouble) {
      return ctx.invalid_argument("optimized tensors must be float or double, got ",
                                  data_type_name(x->dtype()));
    }
    for (size_t g = 1; g < groups; ++g) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* other, ctx.required_input(2 + g * n + i));
      if (other->dtype() != x->dtype() || other->shape() != x->shape()) {
        return ctx.invalid_argument("input ", 2 + g * n + i, " must match input ", 2 + i,
                                    " in type and shape");
      }
    }
  }
  return static_cast<int64_t>(n);
}

// Element k of tensor t as double.
double get(const Tensor& t, int64_t k) {
  return t.dtype() == DataType::kFloat ? t.data<float>()[k] : t.data<double>()[k];
}
void put(Tensor& t, int64_t k, double v) {
  if (t.dtype() == DataType::kFloat) {
    t.data<float>()[k] = static_cast<float>(v);
  } else {
    t.data<double>()[k] = v;
  }
}

// Allocates output i like `like` when the graph uses it; returns null otherwise.
Tensor* maybe_output(KernelContext& ctx, size_t i, const Tensor& like) {
  if (i >= ctx.num_outputs() || !ctx.output_requested(i)) return nullptr;
  return &ctx.allocate_output(i, like.dtype(), like.shape());
}

class Adagrad final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(decay_factor_, info.attr_float("decay_factor", 0.f));
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-6f));
    ONYX_ASSIGN_OR_RETURN(norm_coefficient_, info.attr_float("norm_coefficient", 0.f));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    double r = 0;
    int64_t t = 0;
    ONYX_ASSIGN_OR_RETURN(const int64_t n, read_common(ctx, 3, r, t));
    const double rate = r / (1 + static_cast<double>(t) * decay_factor_);
    for (int64_t i = 0; i < n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      const Tensor& g = *ctx.input(2 + n + i);
      const Tensor& h = *ctx.input(2 + 2 * n + i);
      Tensor* x_new = maybe_output(ctx, i, x);
      Tensor* h_new = maybe_output(ctx, n + i, x);
      for (int64_t k = 0; k < x.numel(); ++k) {
        const double grad = norm_coefficient_ * get(x, k) + get(g, k);
        const double acc = get(h, k) + grad * grad;
        if (h_new) put(*h_new, k, acc);
        if (x_new) put(*x_new, k, get(x, k) - rate * grad / (std::sqrt(acc) + epsilon_));
      }
    }
    return Status::OK();
  }

 private:
  double decay_factor_ = 0, epsilon_ = 1e-6, norm_coefficient_ = 0;
};

class Momentum final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(alpha_, info.required_float("alpha"));
    ONYX_ASSIGN_OR_RETURN(beta_, info.required_float("beta"));
    ONYX_ASSIGN_OR_RETURN(norm_coefficient_, info.required_float("norm_coefficient"));
    // Held in the Result (not moved out) to dodge a GCC 12 -Wmaybe-uninitialized false positive.
    const auto mode_r = info.required_string("mode");
    if (!mode_r.ok()) return mode_r.status();
    const std::string& mode = *mode_r;
    if (mode != "standard" && mode != "nesterov") {
      return info.error(StatusCode::kInvalidGraph, "mode must be standard or nesterov, got '",
                        mode, "'");
    }
    nesterov_ = mode == "nesterov";
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    double r = 0;
    int64_t t = 0;
    ONYX_ASSIGN_OR_RETURN(const int64_t n, read_common(ctx, 3, r, t));
    // The first update (T = 0) takes the gradient unscaled.
    const double beta = t > 0 ? beta_ : 1.0;
    for (int64_t i = 0; i < n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      const Tensor& g = *ctx.input(2 + n + i);
      const Tensor& v = *ctx.input(2 + 2 * n + i);
      Tensor* x_new = maybe_output(ctx, i, x);
      Tensor* v_new = maybe_output(ctx, n + i, x);
      for (int64_t k = 0; k < x.numel(); ++k) {
        const double grad = norm_coefficient_ * get(x, k) + get(g, k);
        const double vel = alpha_ * get(v, k) + beta * grad;
        if (v_new) put(*v_new, k, vel);
        const double step = nesterov_ ? grad + alpha_ * vel : vel;
        if (x_new) put(*x_new, k, get(x, k) - r * step);
      }
    }
    return Status::OK();
  }

 private:
  double alpha_ = 0, beta_ = 0, norm_coefficient_ = 0;
  bool nesterov_ = false;
};

class Adam final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(alpha_, info.attr_float("alpha", 0.9f));
    ONYX_ASSIGN_OR_RETURN(beta_, info.attr_float("beta", 0.999f));
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-6f));
    ONYX_ASSIGN_OR_RETURN(norm_coefficient_, info.attr_float("norm_coefficient", 0.f));
    ONYX_ASSIGN_OR_RETURN(norm_coefficient_post_, info.attr_float("norm_coefficient_post", 0.f));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    double r = 0;
    int64_t t = 0;
    ONYX_ASSIGN_OR_RETURN(const int64_t n, read_common(ctx, 4, r, t));
    // Bias correction of both moments, folded into the learning rate (none before the first
    // update).
    const double td = static_cast<double>(t);
    const double rate =
        t > 0 ? r * std::sqrt(1 - std::pow(beta_, td)) / (1 - std::pow(alpha_, td)) : r;
    for (int64_t i = 0; i < n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      const Tensor& g = *ctx.input(2 + n + i);
      const Tensor& v = *ctx.input(2 + 2 * n + i);
      const Tensor& h = *ctx.input(2 + 3 * n + i);
      Tensor* x_new = maybe_output(ctx, i, x);
      Tensor* v_new = maybe_output(ctx, n + i, x);
      Tensor* h_new = maybe_output(ctx, 2 * n + i, x);
      for (int64_t k = 0; k < x.numel(); ++k) {
        const double grad = norm_coefficient_ * get(x, k) + get(g, k);
        const double m1 = alpha_ * get(v, k) + (1 - alpha_) * grad;
        const double m2 = beta_ * get(h, k) + (1 - beta_) * grad * grad;
        if (v_new) put(*v_new, k, m1);
        if (h_new) put(*h_new, k, m2);
        const double updated = get(x, k) - rate * m1 / (std::sqrt(m2) + epsilon_);
        if (x_new) put(*x_new, k, (1 - norm_coefficient_post_) * updated);
      }
    }
    return Status::OK();
  }

 private:
  double alpha_ = 0.9, beta_ = 0.999, epsilon_ = 1e-6, norm_coefficient_ = 0,
         norm_coefficient_post_ = 0;
};

}  // namespace

void register_training(KernelRegistry& r) {
  // The inputs mix float/double tensors with an int64 count: no single input selects a type.
  r.add_versions<Adagrad, FloatTypes>(kTrainingDomain, "Adagrad", {1}, 1, -1);
  r.add_versions<Momentum, FloatTypes>(kTrainingDomain, "Momentum", {1}, 1, -1);
  r.add_versions<Adam, FloatTypes>(kTrainingDomain, "Adam", {1}, 1, -1);
}

}  // namespace onyx
