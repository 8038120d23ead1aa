#include "ops/ml/ml_common.h"

#include <algorithm>
#include <limits>

namespace onyx::ml {

Result<PostTransform> parse_post_transform(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(std::string s, info.attr_string("post_transform", "NONE"));
  if (s == "NONE") return PostTransform::kNone;
  if (s == "SOFTMAX") return PostTransform::kSoftmax;
  if (s == "LOGISTIC") return PostTransform::kLogistic;
  if (s == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  if (s == "PROBIT") return PostTransform::kProbit;
  return info.error(StatusCode::kInvalidArgument, "unknown post_transform '", s,
                    "' (expected NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or PROBIT)");
}

Result<PostTransform> post_transform_from_int(const KernelInfo& info, int64_t v) {
  if (v < 0 || v > 4) {
    return info.error(StatusCode::kInvalidArgument, "post_transform ", v, " out of range [0, 4]");
  }
  return static_cast<PostTransform>(v);
}

double logistic(double x) {
  const double v = 1.0 / (1.0 + std::exp(-std::abs(x)));
  return x < 0 ? 1.0 - v : v;
}

namespace {
double erfinv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1) return std::numeric_limits<double>::infinity();
  if (y == -1) return -std::numeric_limits<double>::infinity();
  // Winitzki's approximation, refined by Newton steps on erf(x) - y.
  const double a = 0.147;
  const double ln = std::log((1 - y) * (1 + y));
  const double t = 2 / (M_PI * a) + ln / 2;
  double x = std::copysign(std::sqrt(std::sqrt(t * t - ln / a) - t), y);
  for (int i = 0; i < 3; ++i) {
    const double err = std::erf(x) - y;
    x -= err / (2 / std::sqrt(M_PI) * std::exp(-x * x));
  }
  return x;
}
}  // namespace

double probit(double p) { return M_SQRT2 * erfinv(2 * p - 1); }

void apply_post_transform(PostTransform t, double* s, int64_t n) {
  switch (t) {
    case PostTransform::kNone:
      return;
    case PostTransform::kLogistic:
      for (int64_t i = 0; i < n; ++i) s[i] = logistic(s[i]);
      return;
    case PostTransform::kProbit:
      for (int64_t i = 0; i < n; ++i) s[i] = probit(s[i]);
      return;
    case PostTransform::kSoftmax: {
      if (n == 0) return;
      const double m = *std::max_element(s, s + n);
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += (s[i] = std::exp(s[i] - m));
      for (int64_t i = 0; i < n; ++i) s[i] /= sum;
      return;
    }
    case PostTransform::kSoftmaxZero: {
      // Softmax over the non-zero scores; zeros stay zero.
      if (n == 0) return;
      const double m = *std::max_element(s, s + n);
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (s[i] != 0) sum += (s[i] = std::exp(s[i] - m));
      }
      if (sum > 0) {
        for (int64_t i = 0; i < n; ++i) s[i] /= sum;
      }
      return;
    }
  }
}

Result<ClassLabels> read_class_labels(const KernelInfo& info, const std::string& ints_name,
                                      const std::string& strings_name) {
  ClassLabels l;
  ONYX_ASSIGN_OR_RETURN(l.ints, info.attr_ints(ints_name));
  ONYX_ASSIGN_OR_RETURN(l.strs, info.attr_strings(strings_name));
  if (!l.ints.empty() && !l.strs.empty()) {
    return info.error(StatusCode::kInvalidArgument, "only one of ", ints_name, " and ",
                      strings_name, " may be given");
  }
  l.strings = !l.strs.empty();
  return l;
}

Result<std::vector<double>> tensor_to_doubles(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(std::max<int64_t>(t.numel(), 0)));
  ONYX_RETURN_IF_ERROR(dispatch<NumericTypes>(t.dtype(), [&]<typename T>() -> Status {
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(static_cast<compute_t<T>>(p[i]));
    return Status::OK();
  }));
  return out;
}

Result<const Tensor*> optional_tensor_attr(const KernelInfo& info, const std::string& name) {
  const ir::Attribute* a = info.node().find_attribute(name);
  if (a == nullptr) return static_cast<const Tensor*>(nullptr);
  if (a->type != ir::Attribute::Type::kTensor) {
    return info.error(StatusCode::kInvalidArgument, "attribute '", name, "' must be a tensor");
  }
  return &a->t;
}

Result<std::vector<double>> floats_or_tensor(const KernelInfo& info, const std::string& name) {
  ONYX_ASSIGN_OR_RETURN(const Tensor* t, optional_tensor_attr(info, name + "_as_tensor"));
  if (t != nullptr) {
    if (info.has_attr(name)) {
      return info.error(StatusCode::kInvalidArgument, "only one of '", name, "' and '", name,
                        "_as_tensor' may be given");
    }
    auto r = tensor_to_doubles(*t);
    if (!r.ok()) {
      return info.error(StatusCode::kInvalidArgument, "attribute '", name,
                        "_as_tensor': ", r.status().to_string());
    }
    return r;
  }
  ONYX_ASSIGN_OR_RETURN(std::vector<float> f, info.attr_floats(name));
  return std::vector<double>(f.begin(), f.end());
}

Status rows_and_cols(const KernelContext& ctx, const Tensor& x, int64_t* n, int64_t* f) {
  if (x.rank() == 2) {
    *n = x.dim(0);
    *f = x.dim(1);
  } else if (x.rank() == 1) {
    *n = 1;
    *f = x.dim(0);
  } else {
    return ctx.invalid_argument("input must be 1-D or 2-D, got shape ", shape_to_string(x.shape()));
  }
  return Status::OK();
}

}  // namespace onyx::ml
