// LinearClassifier and LinearRegressor: scores = X * coefficients^T + intercepts, then the
// post transform. X is [N, F] or [F] (one row); integer inputs are converted to double.
#include <algorithm>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

class LinearClassifier final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<float> coef, info.attr_floats("coefficients"));
    if (!info.has_attr("coefficients")) {
      return info.error(StatusCode::kInvalidArgument, "attribute 'coefficients' is required");
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<float> icpt, info.attr_floats("intercepts"));
    ONYX_ASSIGN_OR_RETURN(labels_, read_class_labels(info, "classlabels_ints", "classlabels_strings"));
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    ONYX_ASSIGN_OR_RETURN(int64_t mc, info.attr_int("multi_class", 0));
    (void)mc;  // OvR and multinomial score the same way here.
    if (labels_.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "one of classlabels_ints / classlabels_strings is required");
    }
    classes_ = !icpt.empty() ? static_cast<int64_t>(icpt.size()) : static_cast<int64_t>(labels_.size());
    if (coef.empty() || coef.size() % static_cast<size_t>(classes_) != 0) {
      return info.error(StatusCode::kInvalidArgument, "coefficients has ", coef.size(),
                        " values, not a multiple of the ", classes_, " classes");
    }
    if (classes_ != 1 && classes_ != static_cast<int64_t>(labels_.size())) {
      return info.error(StatusCode::kInvalidArgument, classes_, " score columns for ",
                        labels_.size(), " class labels");
    }
    features_ = static_cast<int64_t>(coef.size()) / classes_;
    coef_.assign(coef.begin(), coef.end());
    icpt_.assign(icpt.begin(), icpt.end());
    icpt_.resize(static_cast<size_t>(classes_), 0.0);
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    if (f != features_) {
      return ctx.invalid_argument("input has ", f, " features, the model ", features_);
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    // One score column with two labels: a binary model; Z gets both columns.
    const bool binary = classes_ == 1;
    const int64_t zc = binary && labels_.size() == 2 ? 2 : classes_;
    Tensor& y = ctx.allocate_output(0, labels_.dtype(), {n});
    Tensor* z = ctx.output_requested(1) ? &ctx.allocate_output(1, DataType::kFloat, {n, zc}) : nullptr;
    parallel_for(ctx.pool(), n, 64, [&](int64_t b, int64_t e) {
      std::vector<double> s(static_cast<size_t>(std::max<int64_t>(classes_, 2)));
      for (int64_t i = b; i < e; ++i) {
        const double* row = xs.data() + i * f;
        for (int64_t c = 0; c < classes_; ++c) {
          double acc = icpt_[c];
          const double* w = coef_.data() + c * f;
          for (int64_t k = 0; k < f; ++k) acc += w[k] * row[k];
          s[c] = acc;
        }
        if (binary) {
          const bool pos = s[0] > 0;
          if (labels_.size() >= 2) {
            labels_.write(y, i, pos ? 1 : 0);
          } else if (labels_.strings) {
            y.data<std::string>()[i] = pos ? labels_.strs[0] : std::string();
          } else {
            y.data<int64_t>()[i] = pos ? labels_.ints[0] : 0;
          }
          if (zc == 2) {
            // Both columns: [1 - p, p] for probabilistic transforms, [-s, s] otherwise.
            const double raw = s[0];
            if (post_ == PostTransform::kLogistic || post_ == PostTransform::kProbit) {
              const double p = post_ == PostTransform::kLogistic ? logistic(raw) : probit(raw);
              s[0] = 1 - p;
              s[1] = p;
            } else {
              s[0] = -raw;
              s[1] = raw;
              apply_post_transform(post_, s.data(), 2);
            }
          } else {
            apply_post_transform(post_, s.data(), 1);
          }
        } else {
          const int64_t best = std::max_element(s.begin(), s.begin() + classes_) - s.begin();
          labels_.write(y, i, static_cast<size_t>(best));
          apply_post_transform(post_, s.data(), classes_);
        }
        if (z != nullptr) {
          float* zr = z->data<float>() + i * zc;
          for (int64_t c = 0; c < zc; ++c) zr[c] = static_cast<float>(s[c]);
        }
      }
    });
    return Status::OK();
  }

 private:
  ClassLabels labels_;
  PostTransform post_ = PostTransform::kNone;
  int64_t classes_ = 0, features_ = 0;
  std::vector<double> coef_, icpt_;
};

class LinearRegressor final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<float> coef, info.attr_floats("coefficients"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> icpt, info.attr_floats("intercepts"));
    ONYX_ASSIGN_OR_RETURN(targets_, info.attr_int("targets", 1));
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    if (targets_ < 1) {
      return info.error(StatusCode::kInvalidArgument, "targets must be positive, got ", targets_);
    }
    if (coef.empty() || coef.size() % static_cast<size_t>(targets_) != 0) {
      return info.error(StatusCode::kInvalidArgument, "coefficients has ", coef.size(),
                        " values, not a multiple of targets=", targets_);
    }
    if (!icpt.empty() && static_cast<int64_t>(icpt.size()) != targets_) {
      return info.error(StatusCode::kInvalidArgument, "intercepts has ", icpt.size(),
                        " values for ", targets_, " targets");
    }
    features_ = static_cast<int64_t>(coef.size()) / targets_;
    coef_.assign(coef.begin(), coef.end());
    icpt_.assign(icpt.begin(), icpt.end());
    icpt_.resize(static_cast<size_t>(targets_), 0.0);
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    if (f != features_) {
      return ctx.invalid_argument("input has ", f, " features, the model ", features_);
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, {n, targets_});
    parallel_for(ctx.pool(), n, 64, [&](int64_t b, int64_t e) {
      std::vector<double> s(static_cast<size_t>(targets_));
      for (int64_t i = b; i < e; ++i) {
        const double* row = xs.data() + i * f;
        for (int64_t t = 0; t < targets_; ++t) {
          double acc = icpt_[t];
          const double* w = coef_.data() + t * f;
          for (int64_t k = 0; k < f; ++k) acc += w[k] * row[k];
          s[t] = acc;
        }
        apply_post_transform(post_, s.data(), targets_);
        for (int64_t t = 0; t < targets_; ++t) y.data<float>()[i * targets_ + t] = static_cast<float>(s[t]);
      }
    });
    return Status::OK();
  }

 private:
  int64_t targets_ = 1, features_ = 0;
  PostTransform post_ = PostTransform::kNone;
  std::vector<double> coef_, icpt_;
};

}  // namespace

void register_linear(KernelRegistry& r) {
  r.add_versions<LinearClassifier, MlNumericTypes>(kOnnxMlDomain, "LinearClassifier", {1}, kMl);
  r.add_versions<LinearRegressor, MlNumericTypes>(kOnnxMlDomain, "LinearRegressor", {1}, kMl);
}

}  // namespace onyx::ml
