// Element-wise and row-wise ml transforms: ArrayFeatureExtractor, Binarizer, Imputer,
// Normalizer, Scaler, FeatureVectorizer, OneHotEncoder, CategoryMapper.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

// Z = X[..., indices]: the last axis indexed by the (flattened) int64 indices Y.
// A 1-D X gives [1, k].
class ArrayFeatureExtractor final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* idx, ctx.required_input(1));
    if (idx->dtype() != DataType::kInt64) return ctx.invalid_argument("indices must be int64");
    if (x->rank() == 0) return ctx.invalid_argument("X must have rank >= 1");
    const int64_t d = x->dim(x->rank() - 1);
    const int64_t k = idx->numel();
    const int64_t* ind = idx->data<int64_t>();
    for (int64_t j = 0; j < k; ++j) {
      if (ind[j] < 0 || ind[j] >= d) {
        return ctx.invalid_argument("index ", ind[j], " out of range [0, ", d, ")");
      }
    }
    if (k == 0) return ctx.invalid_argument("indices must not be empty");
    Shape out_shape = x->shape();
    if (x->rank() == 1) out_shape.insert(out_shape.begin(), 1);
    out_shape.back() = k;
    const int64_t rows = d == 0 ? 0 : x->numel() / d;
    Tensor& z = ctx.allocate_output(0, x->dtype(), out_shape);
    return dispatch<TypeList<float, double, int64_t, int32_t, std::string>>(
        x->dtype(), [&]<typename T>() -> Status {
          const T* in = x->data<T>();
          T* out = z.data<T>();
          for (int64_t r = 0; r < rows; ++r) {
            for (int64_t j = 0; j < k; ++j) out[r * k + j] = in[r * d + ind[j]];
          }
          return Status::OK();
        });
  }
};

class Binarizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(threshold_, info.attr_float("threshold", 0.f));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<MlNumericTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      const double t = threshold_;
      for (int64_t i = 0; i < x->numel(); ++i) out[i] = static_cast<double>(in[i]) > t ? T(1) : T(0);
      return Status::OK();
    });
  }

 private:
  float threshold_ = 0;
};

class Imputer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(fvals_, info.attr_floats("imputed_value_floats"));
    ONYX_ASSIGN_OR_RETURN(ivals_, info.attr_ints("imputed_value_int64s"));
    ONYX_ASSIGN_OR_RETURN(freplaced_, info.attr_float("replaced_value_float", 0.f));
    ONYX_ASSIGN_OR_RETURN(ireplaced_, info.attr_int("replaced_value_int64", 0));
    if (fvals_.empty() == ivals_.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "exactly one of imputed_value_floats and imputed_value_int64s must be given");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const bool is_float = x->dtype() == DataType::kFloat || x->dtype() == DataType::kDouble;
    if (is_float && fvals_.empty()) return ctx.invalid_argument("float input needs imputed_value_floats");
    if (!is_float && ivals_.empty()) return ctx.invalid_argument("integer input needs imputed_value_int64s");
    const int64_t c = x->rank() == 0 ? 1 : x->dim(x->rank() - 1);
    const size_t nv = is_float ? fvals_.size() : ivals_.size();
    if (nv != 1 && static_cast<int64_t>(nv) != c) {
      return ctx.invalid_argument(nv, " imputed values for ", c, " features");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<MlNumericTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t i = 0; i < x->numel(); ++i) {
        const size_t j = nv == 1 ? 0 : static_cast<size_t>(i % c);
        if constexpr (std::is_floating_point_v<T>) {
          const bool hit = std::isnan(freplaced_) ? std::isnan(in[i]) : in[i] == static_cast<T>(freplaced_);
          out[i] = hit ? static_cast<T>(fvals_[j]) : in[i];
        } else {
          out[i] = static_cast<int64_t>(in[i]) == ireplaced_ ? static_cast<T>(ivals_[j]) : in[i];
        }
      }
      return Status::OK();
    });
  }

 private:
  std::vector<float> fvals_;
  std::vector<int64_t> ivals_;
  float freplaced_ = 0;
  int64_t ireplaced_ = 0;
};

// Normalizes each row (last axis) by MAX, L1 or L2; output float. All-zero rows stay zero.
class Normalizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::string norm, info.attr_string("norm", "MAX"));
    if (norm == "MAX") {
      norm_ = 0;
    } else if (norm == "L1") {
      norm_ = 1;
    } else if (norm == "L2") {
      norm_ = 2;
    } else {
      return info.error(StatusCode::kInvalidArgument, "unknown norm '", norm, "' (MAX, L1 or L2)");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, x->shape());
    float* out = y.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      const double* r = xs.data() + i * f;
      double d = 0;
      if (norm_ == 0) {
        d = f > 0 ? *std::max_element(r, r + f) : 0;
      } else if (norm_ == 1) {
        for (int64_t k = 0; k < f; ++k) d += std::abs(r[k]);
      } else {
        for (int64_t k = 0; k < f; ++k) d += r[k] * r[k];
        d = std::sqrt(d);
      }
      for (int64_t k = 0; k < f; ++k) out[i * f + k] = static_cast<float>(d != 0 ? r[k] / d : r[k]);
    }
    return Status::OK();
  }

 private:
  int norm_ = 0;
};

// Y = (X - offset) * scale along the last axis; offset/scale of length 1 or C; output float.
class Scaler final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(offset_, info.attr_floats("offset"));
    ONYX_ASSIGN_OR_RETURN(scale_, info.attr_floats("scale"));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t c = x->rank() == 0 ? 1 : x->dim(x->rank() - 1);
    for (const auto* v : {&offset_, &scale_}) {
      if (v->size() > 1 && static_cast<int64_t>(v->size()) != c) {
        return ctx.invalid_argument("offset/scale of length ", v->size(), " for ", c, " features");
      }
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, x->shape());
    float* out = y.data<float>();
    for (int64_t i = 0; i < x->numel(); ++i) {
      const size_t j = static_cast<size_t>(c == 0 ? 0 : i % c);
      const double o = offset_.empty() ? 0.0 : offset_[offset_.size() == 1 ? 0 : j];
      const double s = scale_.empty() ? 1.0 : scale_[scale_.size() == 1 ? 0 : j];
      out[i] = static_cast<float>((xs[i] - o) * s);
    }
    return Status::OK();
  }

 private:
  std::vector<float> offset_, scale_;
};

// Concatenates [N, C_i] inputs (1-D: [1, C_i]) into [N, sum(inputdimensions)] floats; each
// input is truncated or zero-padded to its declared dimension.
class FeatureVectorizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(dims_, info.attr_ints("inputdimensions"));
    for (int64_t d : dims_) {
      if (d < 0) return info.error(StatusCode::kInvalidArgument, "negative inputdimensions ", d);
      total_ += d;
    }
    if (dims_.size() != info.num_inputs()) {
      return info.error(StatusCode::kInvalidArgument, "inputdimensions has ", dims_.size(),
                        " entries for ", info.num_inputs(), " inputs");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    int64_t n = -1;
    std::vector<std::vector<double>> data(ctx.num_inputs());
    std::vector<int64_t> cols(ctx.num_inputs());
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(i));
      int64_t rows = 1;
      if (x->rank() == 0) {
        cols[i] = 1;
      } else {
        cols[i] = x->dim(x->rank() - 1);
        rows = cols[i] == 0 ? (x->rank() >= 2 ? x->dim(0) : 1) : x->numel() / cols[i];
      }
      if (n >= 0 && rows != n) return ctx.invalid_argument("input ", i, " has ", rows, " rows, expected ", n);
      n = rows;
      ONYX_ASSIGN_OR_RETURN(data[i], tensor_to_doubles(*x));
    }
    if (n < 0) n = 0;
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, {n, total_});
    float* out = y.data<float>();
    for (int64_t r = 0; r < n; ++r) {
      int64_t o = r * total_;
      for (size_t i = 0; i < data.size(); ++i) {
        for (int64_t k = 0; k < dims_[i]; ++k) {
          out[o + k] = k < cols[i] ? static_cast<float>(data[i][r * cols[i] + k]) : 0.f;
        }
        o += dims_[i];
      }
    }
    return Status::OK();
  }

 private:
  std::vector<int64_t> dims_;
  int64_t total_ = 0;
};

// Output shape: input shape + [number of categories], float.
class OneHotEncoder final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> ints, info.attr_ints("cats_int64s"));
    ONYX_ASSIGN_OR_RETURN(std::vector<std::string> strs, info.attr_strings("cats_strings"));
    ONYX_ASSIGN_OR_RETURN(int64_t zeros, info.attr_int("zeros", 1));
    zeros_ = zeros != 0;
    if (ints.empty() == strs.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "exactly one of cats_int64s and cats_strings must be given");
    }
    for (size_t i = 0; i < ints.size(); ++i) int_index_.emplace(ints[i], static_cast<int64_t>(i));
    for (size_t i = 0; i < strs.size(); ++i) str_index_.emplace(strs[i], static_cast<int64_t>(i));
    count_ = static_cast<int64_t>(ints.size() + strs.size());
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    Shape shape = x->shape();
    shape.push_back(count_);
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, shape);
    float* out = y.data<float>();
    std::fill(out, out + y.numel(), 0.f);
    auto place = [&](int64_t i, int64_t cat) -> Status {
      if (cat < 0) {
        if (!zeros_) return ctx.invalid_argument("value at ", i, " is not a known category (zeros=0)");
        return Status::OK();
      }
      out[i * count_ + cat] = 1.f;
      return Status::OK();
    };
    if (x->dtype() == DataType::kString) {
      if (str_index_.empty()) return ctx.invalid_argument("string input needs cats_strings");
      for (int64_t i = 0; i < x->numel(); ++i) {
        auto it = str_index_.find(x->data<std::string>()[i]);
        ONYX_RETURN_IF_ERROR(place(i, it == str_index_.end() ? -1 : it->second));
      }
      return Status::OK();
    }
    if (int_index_.empty()) return ctx.invalid_argument("numeric input needs cats_int64s");
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    for (int64_t i = 0; i < x->numel(); ++i) {
      const double v = xs[i];
      int64_t cat = -1;
      if (v == std::trunc(v) && std::abs(v) < 9.2e18) {
        auto it = int_index_.find(static_cast<int64_t>(v));
        if (it != int_index_.end()) cat = it->second;
      }
      ONYX_RETURN_IF_ERROR(place(i, cat));
    }
    return Status::OK();
  }

 private:
  std::unordered_map<int64_t, int64_t> int_index_;
  std::unordered_map<std::string, int64_t> str_index_;
  int64_t count_ = 0;
  bool zeros_ = true;
};

// string -> int64 (unknown: default_int64) or int64 -> string (unknown: default_string).
class CategoryMapper final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> ints, info.attr_ints("cats_int64s"));
    ONYX_ASSIGN_OR_RETURN(std::vector<std::string> strs, info.attr_strings("cats_strings"));
    ONYX_ASSIGN_OR_RETURN(default_int_, info.attr_int("default_int64", -1));
    ONYX_ASSIGN_OR_RETURN(default_str_, info.attr_string("default_string", "_Unused"));
    if (ints.size() != strs.size()) {
      return info.error(StatusCode::kInvalidArgument, "cats_int64s has ", ints.size(),
                        " values, cats_strings ", strs.size());
    }
    for (size_t i = 0; i < ints.size(); ++i) {
      to_int_.emplace(strs[i], ints[i]);
      to_str_.emplace(ints[i], strs[i]);
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() == DataType::kString) {
      Tensor& y = ctx.allocate_output(0, DataType::kInt64, x->shape());
      for (int64_t i = 0; i < x->numel(); ++i) {
        auto it = to_int_.find(x->data<std::string>()[i]);
        y.data<int64_t>()[i] = it == to_int_.end() ? default_int_ : it->second;
      }
      return Status::OK();
    }
    if (x->dtype() != DataType::kInt64) return ctx.invalid_argument("input must be string or int64");
    Tensor& y = ctx.allocate_output(0, DataType::kString, x->shape());
    for (int64_t i = 0; i < x->numel(); ++i) {
      auto it = to_str_.find(x->data<int64_t>()[i]);
      y.data<std::string>()[i] = it == to_str_.end() ? default_str_ : it->second;
    }
    return Status::OK();
  }

 private:
  std::unordered_map<std::string, int64_t> to_int_;
  std::unordered_map<int64_t, std::string> to_str_;
  int64_t default_int_ = -1;
  std::string default_str_;
};

}  // namespace

void register_transforms(KernelRegistry& r) {
  using AfeTypes = TypeList<float, double, int64_t, int32_t, std::string>;
  r.add_versions<ArrayFeatureExtractor, AfeTypes>(kOnnxMlDomain, "ArrayFeatureExtractor", {1}, kMl);
  r.add_versions<Binarizer, MlNumericTypes>(kOnnxMlDomain, "Binarizer", {1}, kMl);
  r.add_versions<Imputer, MlNumericTypes>(kOnnxMlDomain, "Imputer", {1}, kMl);
  r.add_versions<Normalizer, MlNumericTypes>(kOnnxMlDomain, "Normalizer", {1}, kMl);
  r.add_versions<Scaler, MlNumericTypes>(kOnnxMlDomain, "Scaler", {1}, kMl);
  r.add_versions<FeatureVectorizer, MlNumericTypes>(kOnnxMlDomain, "FeatureVectorizer", {1}, kMl);
  r.add_versions<OneHotEncoder, TypeList<std::string, int64_t, int32_t, float, double>>(
      kOnnxMlDomain, "OneHotEncoder", {1}, kMl);
  r.add_versions<CategoryMapper, TypeList<std::string, int64_t>>(kOnnxMlDomain, "CategoryMapper",
                                                                 {1}, kMl);
}

}  // namespace onyx::ml
