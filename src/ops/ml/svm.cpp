// SVMClassifier and SVMRegressor (libsvm semantics).
//  - Kernels: LINEAR x.y, POLY (gamma x.y + coef0)^degree, RBF exp(-gamma |x-y|^2),
//    SIGMOID tanh(gamma x.y + coef0); kernel_params = [gamma, coef0, degree].
//  - Classifier with support vectors: one-vs-one decision values (coefficients laid out as
//    libsvm's sv_coef, [classes-1, vectors]), votes pick the label; with prob_a/prob_b the
//    pairwise Platt probabilities are coupled (Wu, Lin & Weng) into per-class probabilities.
//  - Without support vectors: a linear model, coefficients [classes, features], rho per class.
#include <algorithm>
#include <cmath>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

enum class KernelType { kLinear, kPoly, kRbf, kSigmoid };

struct SvmKernel {
  KernelType type = KernelType::kLinear;
  double gamma = 0, coef0 = 0, degree = 0;

  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(std::string kt, info.attr_string("kernel_type", "LINEAR"));
    if (kt == "LINEAR") {
      type = KernelType::kLinear;
    } else if (kt == "POLY") {
      type = KernelType::kPoly;
    } else if (kt == "RBF") {
      type = KernelType::kRbf;
    } else if (kt == "SIGMOID") {
      type = KernelType::kSigmoid;
    } else {
      return info.error(StatusCode::kInvalidArgument, "unknown kernel_type '", kt, "'");
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<float> p, info.attr_floats("kernel_params"));
    if (!p.empty() && p.size() != 3) {
      return info.error(StatusCode::kInvalidArgument, "kernel_params must have 3 values [gamma, coef0, degree]");
    }
    if (p.size() == 3) {
      gamma = p[0];
      coef0 = p[1];
      degree = p[2];
    }
    return Status::OK();
  }

  double operator()(const double* a, const double* b, int64_t n) const {
    if (type == KernelType::kRbf) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) {
        const double d = a[k] - b[k];
        s += d * d;
      }
      return std::exp(-gamma * s);
    }
    double dot = 0;
    for (int64_t k = 0; k < n; ++k) dot += a[k] * b[k];
    switch (type) {
      case KernelType::kPoly:
        return std::pow(gamma * dot + coef0, degree);
      case KernelType::kSigmoid:
        return std::tanh(gamma * dot + coef0);
      default:
        return dot;
    }
  }
};

// Pairwise probabilities r (k x k) -> class probabilities p (libsvm's multiclass_probability).
void couple_probabilities(int64_t k, const std::vector<double>& r, double* p) {
  std::vector<double> q(static_cast<size_t>(k * k), 0.0), qp(static_cast<size_t>(k));
  const int max_iter = std::max<int>(100, static_cast<int>(k));
  const double eps = 0.005 / static_cast<double>(k);
  for (int64_t t = 0; t < k; ++t) {
    p[t] = 1.0 / static_cast<double>(k);
    q[t * k + t] = 0;
    for (int64_t j = 0; j < t; ++j) {
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = q[j * k + t];
    }
    for (int64_t j = t + 1; j < k; ++j) {
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  for (int iter = 0; iter < max_iter; ++iter) {
    double pqp = 0;
    for (int64_t t = 0; t < k; ++t) {
      qp[t] = 0;
      for (int64_t j = 0; j < k; ++j) qp[t] += q[t * k + j] * p[j];
      pqp += p[t] * qp[t];
    }
    double max_error = 0;
    for (int64_t t = 0; t < k; ++t) max_error = std::max(max_error, std::abs(qp[t] - pqp));
    if (max_error < eps) break;
    for (int64_t t = 0; t < k; ++t) {
      const double diff = (-qp[t] + pqp) / q[t * k + t];
      p[t] += diff;
      pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
      for (int64_t j = 0; j < k; ++j) {
        qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
        p[j] /= (1 + diff);
      }
    }
  }
}

double platt(double f, double a, double b) {
  const double v = f * a + b;
  return v >= 0 ? std::exp(-v) / (1 + std::exp(-v)) : 1 / (1 + std::exp(v));
}

class SVMClassifier final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(kernel_.init(info));
    ONYX_ASSIGN_OR_RETURN(labels_, read_class_labels(info, "classlabels_ints", "classlabels_strings"));
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> coef, info.attr_floats("coefficients"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> sv, info.attr_floats("support_vectors"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> rho, info.attr_floats("rho"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> pa, info.attr_floats("prob_a"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> pb, info.attr_floats("prob_b"));
    ONYX_ASSIGN_OR_RETURN(vpc_, info.attr_ints("vectors_per_class"));
    classes_ = static_cast<int64_t>(labels_.size());
    if (classes_ < 1) {
      return info.error(StatusCode::kInvalidArgument, "one of classlabels_ints / classlabels_strings is required");
    }
    coef_.assign(coef.begin(), coef.end());
    sv_.assign(sv.begin(), sv.end());
    rho_.assign(rho.begin(), rho.end());
    prob_a_.assign(pa.begin(), pa.end());
    prob_b_.assign(pb.begin(), pb.end());
    vectors_ = 0;
    for (int64_t v : vpc_) {
      if (v < 0) return info.error(StatusCode::kInvalidArgument, "negative vectors_per_class ", v);
      starts_.push_back(vectors_);
      vectors_ += v;
    }
    if (vectors_ > 0) {
      svc_ = true;
      if (static_cast<int64_t>(vpc_.size()) != classes_) {
        return info.error(StatusCode::kInvalidArgument, "vectors_per_class has ", vpc_.size(),
                          " entries for ", classes_, " classes");
      }
      if (sv_.empty() || sv_.size() % static_cast<size_t>(vectors_) != 0) {
        return info.error(StatusCode::kInvalidArgument, "support_vectors has ", sv_.size(),
                          " values, not a multiple of ", vectors_, " vectors");
      }
      features_ = static_cast<int64_t>(sv_.size()) / vectors_;
      if (static_cast<int64_t>(coef_.size()) != (classes_ - 1) * vectors_) {
        return info.error(StatusCode::kInvalidArgument, "coefficients has ", coef_.size(),
                          " values, expected (classes-1)*vectors = ", (classes_ - 1) * vectors_);
      }
      const int64_t pairs = classes_ * (classes_ - 1) / 2;
      if (static_cast<int64_t>(rho_.size()) != pairs) {
        return info.error(StatusCode::kInvalidArgument, "rho has ", rho_.size(), " values for ", pairs,
                          " class pairs");
      }
      if (!prob_a_.empty() || !prob_b_.empty()) {
        if (static_cast<int64_t>(prob_a_.size()) != pairs || static_cast<int64_t>(prob_b_.size()) != pairs) {
          return info.error(StatusCode::kInvalidArgument, "prob_a / prob_b must have ", pairs, " values");
        }
        proba_ = true;
      }
    } else {
      // Linear: one weight row per class (or one row for two classes).
      rows_ = classes_ == 2 && !coef_.empty() && rho_.size() == 1 ? 1 : classes_;
      if (coef_.empty() || coef_.size() % static_cast<size_t>(rows_) != 0) {
        return info.error(StatusCode::kInvalidArgument, "coefficients has ", coef_.size(),
                          " values, not a multiple of ", rows_, " classes");
      }
      features_ = static_cast<int64_t>(coef_.size()) / rows_;
      if (rho_.size() != 1 && static_cast<int64_t>(rho_.size()) != rows_) {
        return info.error(StatusCode::kInvalidArgument, "rho has ", rho_.size(), " values for ", rows_, " rows");
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    if (f != features_) return ctx.invalid_argument("input has ", f, " features, the model ", features_);
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    const int64_t pairs = classes_ * (classes_ - 1) / 2;
    int64_t zc = 0;
    if (svc_) {
      zc = proba_ ? classes_ : (classes_ == 2 ? 2 : pairs);
    } else {
      zc = rows_ == 1 ? 2 : classes_;
    }
    Tensor& y = ctx.allocate_output(0, labels_.dtype(), {n});
    Tensor* z = ctx.output_requested(1) ? &ctx.allocate_output(1, DataType::kFloat, {n, zc}) : nullptr;
    parallel_for(ctx.pool(), n, 16, [&](int64_t b, int64_t e) {
      std::vector<double> kv(static_cast<size_t>(vectors_)), dec(static_cast<size_t>(std::max<int64_t>(pairs, classes_)));
      std::vector<double> out(static_cast<size_t>(std::max<int64_t>(zc, 2))), r(static_cast<size_t>(classes_ * classes_));
      std::vector<int64_t> votes(static_cast<size_t>(classes_));
      for (int64_t i = b; i < e; ++i) {
        const double* row = xs.data() + i * f;
        size_t label = 0;
        if (svc_) {
          for (int64_t v = 0; v < vectors_; ++v) kv[v] = kernel_(row, sv_.data() + v * f, f);
          std::fill(votes.begin(), votes.end(), 0);
          int64_t p = 0;
          for (int64_t a = 0; a < classes_; ++a) {
            for (int64_t c = a + 1; c < classes_; ++c, ++p) {
              double s = rho_[p];
              const double* ca = coef_.data() + (c - 1) * vectors_ + starts_[a];
              for (int64_t m = 0; m < vpc_[a]; ++m) s += ca[m] * kv[starts_[a] + m];
              const double* cc = coef_.data() + a * vectors_ + starts_[c];
              for (int64_t m = 0; m < vpc_[c]; ++m) s += cc[m] * kv[starts_[c] + m];
              dec[p] = s;
              ++votes[s > 0 ? a : c];
            }
          }
          label = static_cast<size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
          if (proba_) {
            p = 0;
            for (int64_t a = 0; a < classes_; ++a) {
              for (int64_t c = a + 1; c < classes_; ++c, ++p) {
                const double pr = std::min(std::max(platt(dec[p], prob_a_[p], prob_b_[p]), 1e-7), 1 - 1e-7);
                r[a * classes_ + c] = pr;
                r[c * classes_ + a] = 1 - pr;
              }
            }
            couple_probabilities(classes_, r, out.data());
            apply_post_transform(post_, out.data(), classes_);
          } else if (classes_ == 2) {
            // Binary: [-d, d] with d the decision value of class 0 against class 1.
            out[0] = -dec[0];
            out[1] = dec[0];
            apply_post_transform(post_, out.data(), 2);
          } else {
            std::copy(dec.begin(), dec.begin() + pairs, out.begin());
            apply_post_transform(post_, out.data(), pairs);
          }
        } else {
          for (int64_t c = 0; c < rows_; ++c) {
            out[c] = kernel_(row, coef_.data() + c * f, f) + rho_[rho_.size() == 1 ? 0 : c];
          }
          if (rows_ == 1) {
            label = out[0] > 0 ? 1 : 0;
            out[1] = out[0];
            out[0] = -out[1];
            apply_post_transform(post_, out.data(), 2);
          } else {
            label = static_cast<size_t>(std::max_element(out.begin(), out.begin() + rows_) - out.begin());
            apply_post_transform(post_, out.data(), rows_);
          }
        }
        labels_.write(y, i, label);
        if (z != nullptr) {
          for (int64_t c = 0; c < zc; ++c) z->data<float>()[i * zc + c] = static_cast<float>(out[c]);
        }
      }
    });
    return Status::OK();
  }

 private:
  SvmKernel kernel_;
  ClassLabels labels_;
  PostTransform post_ = PostTransform::kNone;
  std::vector<double> coef_, sv_, rho_, prob_a_, prob_b_;
  std::vector<int64_t> vpc_, starts_;
  int64_t classes_ = 0, vectors_ = 0, features_ = 0, rows_ = 0;
  bool svc_ = false, proba_ = false;
};

class SVMRegressor final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(kernel_.init(info));
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> coef, info.attr_floats("coefficients"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> sv, info.attr_floats("support_vectors"));
    ONYX_ASSIGN_OR_RETURN(std::vector<float> rho, info.attr_floats("rho"));
    ONYX_ASSIGN_OR_RETURN(vectors_, info.attr_int("n_supports", 0));
    ONYX_ASSIGN_OR_RETURN(int64_t oc, info.attr_int("one_class", 0));
    one_class_ = oc != 0;
    coef_.assign(coef.begin(), coef.end());
    sv_.assign(sv.begin(), sv.end());
    rho_ = rho.empty() ? 0.0 : rho[0];
    if (vectors_ < 0) return info.error(StatusCode::kInvalidArgument, "negative n_supports");
    if (vectors_ > 0) {
      if (sv_.empty() || sv_.size() % static_cast<size_t>(vectors_) != 0) {
        return info.error(StatusCode::kInvalidArgument, "support_vectors has ", sv_.size(),
                          " values, not a multiple of n_supports=", vectors_);
      }
      if (static_cast<int64_t>(coef_.size()) != vectors_) {
        return info.error(StatusCode::kInvalidArgument, "coefficients has ", coef_.size(),
                          " values for ", vectors_, " support vectors");
      }
      features_ = static_cast<int64_t>(sv_.size()) / vectors_;
    } else {
      if (coef_.empty()) return info.error(StatusCode::kInvalidArgument, "coefficients are required");
      features_ = static_cast<int64_t>(coef_.size());
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    if (f != features_) return ctx.invalid_argument("input has ", f, " features, the model ", features_);
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, {n, 1});
    parallel_for(ctx.pool(), n, 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const double* row = xs.data() + i * f;
        double s = rho_;
        if (vectors_ > 0) {
          for (int64_t v = 0; v < vectors_; ++v) s += coef_[v] * kernel_(row, sv_.data() + v * f, f);
        } else {
          s += kernel_(row, coef_.data(), f);
        }
        if (one_class_) {
          s = s > 0 ? 1 : -1;
        } else {
          apply_post_transform(post_, &s, 1);
        }
        y.data<float>()[i] = static_cast<float>(s);
      }
    });
    return Status::OK();
  }

 private:
  SvmKernel kernel_;
  PostTransform post_ = PostTransform::kNone;
  std::vector<double> coef_, sv_;
  double rho_ = 0;
  int64_t vectors_ = 0, features_ = 0;
  bool one_class_ = false;
};

}  // namespace

void register_svm(KernelRegistry& r) {
  r.add_versions<SVMClassifier, MlNumericTypes>(kOnnxMlDomain, "SVMClassifier", {1}, kMl);
  r.add_versions<SVMRegressor, MlNumericTypes>(kOnnxMlDomain, "SVMRegressor", {1}, kMl);
}

}  // namespace onyx::ml
