// Random generators: RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike,
// Multinomial and Bernoulli.
//
// Kernels hold no mutable state (compute() may run concurrently), so each call builds its own
// generator: with a `seed` attribute every call draws the same values, without one each call is
// seeded from std::random_device. The draws are our own (64-bit Mersenne Twister, 53-bit uniform
// doubles, Box-Muller normals, inverse-CDF sampling), so they are reproducible across platforms
// for one seed but cannot equal another engine's: the ONNX spec leaves the generator
// unspecified, and the backend-suite outputs for Bernoulli come from numpy's global RandomState
// after it had already drawn the test's inputs -- state no kernel can know. Those cases can only
// match by chance.
#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

// The per-call generator. A seed is a float attribute; its bit pattern seeds the engine so
// distinct seeds give distinct streams.
class Rng {
 public:
  explicit Rng(std::optional<float> seed) {
    if (seed) {
      uint32_t bits = 0;
      std::memcpy(&bits, &*seed, sizeof bits);
      engine_.seed(bits);
    } else {
      engine_.seed((static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}());
    }
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Standard normal by the Box-Muller transform (one value per pair of uniforms).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::mt19937_64 engine_;
};

Result<std::optional<float>> read_seed(const KernelInfo& info) {
  if (!info.has_attr("seed")) return std::optional<float>();
  ONYX_ASSIGN_OR_RETURN(const float s, info.attr_float("seed", 0.f));
  return std::optional<float>(s);
}

// The `dtype` attribute as a floating DataType (or `def` when absent / nullopt when absent and
// no default).
Result<std::optional<DataType>> read_float_dtype(const KernelInfo& info,
                                                 std::optional<DataType> def) {
  if (!info.has_attr("dtype")) return def;
  ONYX_ASSIGN_OR_RETURN(const int64_t code, info.attr_int("dtype", 1));
  auto dt = data_type_from_onnx(static_cast<int32_t>(code));
  if (!dt || !is_floating(*dt)) {
    return info.error(StatusCode::kInvalidGraph, "dtype ", code, " is not a floating type");
  }
  return std::optional<DataType>(*dt);
}

// Fills `out` with `draw()` converted to its floating type.
template <typename Draw>
Status fill_float(KernelContext& ctx, Tensor& out, Draw&& draw) {
  Status s = dispatch<FloatTypes>(out.dtype(), [&]<typename T>() -> Status {
    T* o = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) o[i] = static_cast<T>(draw());
    return Status::OK();
  });
  if (!s.ok()) return ctx.invalid_argument(s.message());
  return Status::OK();
}

// RandomUniform / RandomNormal (shape from the attribute) and their *Like forms (shape and, by
// default, type from the input).
template <bool kNormal, bool kLike>
class RandomFill final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(seed_, read_seed(info));
    if (kNormal) {
      ONYX_ASSIGN_OR_RETURN(a_, info.attr_float("mean", 0.f));
      ONYX_ASSIGN_OR_RETURN(b_, info.attr_float("scale", 1.f));
    } else {
      ONYX_ASSIGN_OR_RETURN(a_, info.attr_float("low", 0.f));
      ONYX_ASSIGN_OR_RETURN(b_, info.attr_float("high", 1.f));
    }
    ONYX_ASSIGN_OR_RETURN(dtype_, read_float_dtype(info, kLike ? std::nullopt
                                                               : std::optional(DataType::kFloat)));
    if (!kLike) {
      ONYX_ASSIGN_OR_RETURN(shape_, info.required_ints("shape"));
      for (int64_t d : shape_) {
        if (d < 0) return info.error(StatusCode::kInvalidGraph, "negative dimension ", d, " in shape");
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    Shape shape = shape_;
    DataType dtype = dtype_.value_or(DataType::kFloat);
    if (kLike) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
      shape = x->shape();
      if (!dtype_) {
        if (!is_floating(x->dtype())) {
          return ctx.invalid_argument("input type ", data_type_name(x->dtype()),
                                      " is not floating; give the dtype attribute");
        }
        dtype = x->dtype();
      }
    }
    if (shape_numel(shape) < 0) return ctx.invalid_argument("shape ", shape_to_string(shape), " is too large");
    Tensor& out = ctx.allocate_output(0, dtype, shape);
    Rng rng(seed_);
    if (kNormal) return fill_float(ctx, out, [&] { return a_ + b_ * rng.normal(); });
    return fill_float(ctx, out, [&] { return a_ + (b_ - a_) * rng.uniform(); });
  }

 private:
  std::optional<float> seed_;
  double a_ = 0, b_ = 1;  // low/high or mean/scale
  std::optional<DataType> dtype_;
  std::vector<int64_t> shape_;
};

// Multinomial: input [batch, classes] of unnormalized log-probabilities; output [batch,
// sample_size] of class indices (int32 or int64).
class Multinomial final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(seed_, read_seed(info));
    ONYX_ASSIGN_OR_RETURN(sample_size_, info.attr_int("sample_size", 1));
    if (sample_size_ < 0) {
      return info.error(StatusCode::kInvalidGraph, "sample_size must be >= 0, got ", sample_size_);
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t code, info.attr_int("dtype", 6));
    if (code != 6 && code != 7) {
      return info.error(StatusCode::kInvalidGraph, "dtype must be int32 (6) or int64 (7), got ", code);
    }
    dtype_ = code == 6 ? DataType::kInt32 : DataType::kInt64;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() != 2) {
      return ctx.invalid_argument("input must be [batch_size, class_size], got shape ",
                                  shape_to_string(x->shape()));
    }
    const int64_t batch = x->dim(0), classes = x->dim(1);
    if (classes == 0 && batch > 0 && sample_size_ > 0) {
      return ctx.invalid_argument("cannot sample from zero classes");
    }
    Tensor& out = ctx.allocate_output(0, dtype_, {batch, sample_size_});
    Rng rng(seed_);
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      std::vector<double> cdf(static_cast<size_t>(classes));
      for (int64_t b = 0; b < batch; ++b) {
        double mx = -INFINITY;
        for (int64_t k = 0; k < classes; ++k) {
          mx = std::max(mx, static_cast<double>(static_cast<compute_t<T>>(in[b * classes + k])));
        }
        double total = 0;
        for (int64_t k = 0; k < classes; ++k) {
          total += std::exp(static_cast<double>(static_cast<compute_t<T>>(in[b * classes + k])) - mx);
          cdf[static_cast<size_t>(k)] = total;
        }
        for (int64_t s = 0; s < sample_size_; ++s) {
          const double u = rng.uniform() * total;
          int64_t k = 0;
          while (k + 1 < classes && cdf[static_cast<size_t>(k)] <= u) ++k;
          if (dtype_ == DataType::kInt32) {
            out.data<int32_t>()[b * sample_size_ + s] = static_cast<int32_t>(k);
          } else {
            out.data<int64_t>()[b * sample_size_ + s] = k;
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  std::optional<float> seed_;
  int64_t sample_size_ = 1;
  DataType dtype_ = DataType::kInt32;
};

// Bernoulli: y[i] = 1 with probability x[i], else 0, in `dtype` (default: the input's type).
class Bernoulli final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(seed_, read_seed(info));
    if (info.has_attr("dtype")) {
      ONYX_ASSIGN_OR_RETURN(const int64_t code, info.attr_int("dtype", 1));
      auto dt = data_type_from_onnx(static_cast<int32_t>(code));
      if (!dt || !TypeListTraits<NumericAndBoolTypes>::contains(*dt)) {
        return info.error(StatusCode::kInvalidGraph, "dtype ", code, " is not numeric or bool");
      }
      dtype_ = *dt;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    std::vector<double> p(static_cast<size_t>(x->numel()));
    ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      for (size_t i = 0; i < p.size(); ++i) {
        p[i] = static_cast<double>(static_cast<compute_t<T>>(x->data<T>()[i]));
      }
      return Status::OK();
    }));
    Tensor& y = ctx.allocate_output(0, dtype_.value_or(x->dtype()), x->shape());
    Rng rng(seed_);
    return dispatch<NumericAndBoolTypes>(y.dtype(), [&]<typename T>() -> Status {
      for (size_t i = 0; i < p.size(); ++i) {
        y.data<T>()[i] = static_cast<T>(rng.uniform() < p[i] ? 1 : 0);
      }
      return Status::OK();
    });
  }

 private:
  std::optional<float> seed_;
  std::optional<DataType> dtype_;
};

}  // namespace

void register_random(KernelRegistry& r) {
  // The generators take no typed input: the output type comes from `dtype`.
  r.add_versions<RandomFill<false, false>, FloatTypes>("", "RandomUniform", {1, 22},
                                                       kMaxOnnxOpset, -1);
  r.add_versions<RandomFill<true, false>, FloatTypes>("", "RandomNormal", {1, 22}, kMaxOnnxOpset,
                                                      -1);
  r.add_versions<RandomFill<false, true>, AllTypes>("", "RandomUniformLike", {1, 22});
  r.add_versions<RandomFill<true, true>, AllTypes>("", "RandomNormalLike", {1, 22});
  r.add_versions<Multinomial, FloatTypes>("", "Multinomial", {7, 22});
  r.add_versions<Bernoulli, FloatTypes>("", "Bernoulli", {15, 22});
}

}  // namespace onyx
