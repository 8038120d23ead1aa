// LpNormalization (x / ||x||_p along one axis, p = 1 or 2) and MeanVarianceNormalization
// ((x - mean) / std over `axes`, as the ONNX function body computes it).
#include <cmath>
#include <vector>

#include "ops/common/axes.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class LpNormalization final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -1));
    ONYX_ASSIGN_OR_RETURN(p_, info.attr_int("p", 2));
    if (p_ != 1 && p_ != 2) {
      return info.error(StatusCode::kInvalidGraph, "p must be 1 or 2, got ", p_);
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    auto a = normalize_axis(axis_, rank == 0 ? 1 : rank);
    if (!a.ok()) return ctx.invalid_argument(a.status().message());
    const int64_t axis = *a;
    const int64_t n = rank == 0 ? 1 : x->dim(static_cast<size_t>(axis));
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x->dim(static_cast<size_t>(i));
    for (int64_t i = axis + 1; i < rank; ++i) inner *= x->dim(static_cast<size_t>(i));
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t base = o * n * inner + i;
          double acc = 0;
          for (int64_t j = 0; j < n; ++j) {
            const double v = static_cast<double>(static_cast<compute_t<T>>(in[base + j * inner]));
            acc += p_ == 1 ? std::abs(v) : v * v;
          }
          const double norm = p_ == 1 ? acc : std::sqrt(acc);
          for (int64_t j = 0; j < n; ++j) {
            const double v = static_cast<double>(static_cast<compute_t<T>>(in[base + j * inner]));
            // A zero vector stays zero rather than becoming 0/0 = NaN.
            out[base + j * inner] = static_cast<T>(norm == 0 ? 0.0 : v / norm);
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  int64_t axis_ = -1;
  int64_t p_ = 2;
};

class MeanVarianceNormalization final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axes_, info.attr_ints("axes", {0, 2, 3}));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    auto axes_r = normalize_axes(axes_, rank);
    if (!axes_r.ok()) return ctx.invalid_argument(axes_r.status().message());
    std::vector<bool> reduced(static_cast<size_t>(rank), false);
    for (int64_t a : *axes_r) reduced[static_cast<size_t>(a)] = true;
    // Each element's group: its coordinates on the kept axes, flattened.
    const int64_t numel = x->numel();
    std::vector<int64_t> group(static_cast<size_t>(numel));
    int64_t groups = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (!reduced[static_cast<size_t>(d)]) groups *= x->dim(static_cast<size_t>(d));
    }
    for (int64_t i = 0; i < numel; ++i) {
      int64_t rem = i, g = 0, scale = 1;
      for (int64_t d = rank - 1; d >= 0; --d) {
        const int64_t dim = x->dim(static_cast<size_t>(d));
        const int64_t c = rem % dim;
        rem /= dim;
        if (!reduced[static_cast<size_t>(d)]) {
          g += c * scale;
          scale *= dim;
        }
      }
      group[static_cast<size_t>(i)] = g;
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      std::vector<double> sum(static_cast<size_t>(groups)), sum_sq(static_cast<size_t>(groups));
      std::vector<int64_t> count(static_cast<size_t>(groups));
      for (int64_t i = 0; i < numel; ++i) {
        const double v = static_cast<double>(static_cast<compute_t<T>>(in[i]));
        const size_t g = static_cast<size_t>(group[static_cast<size_t>(i)]);
        sum[g] += v;
        sum_sq[g] += v * v;
        ++count[g];
      }
      for (int64_t i = 0; i < numel; ++i) {
        const size_t g = static_cast<size_t>(group[static_cast<size_t>(i)]);
        const double mean = sum[g] / static_cast<double>(count[g]);
        // Var = E[x^2] - E[x]^2 and std + 1e-9 as in the ONNX function body; rounding can make
        // the variance slightly negative, which is clamped.
        const double var = std::max(0.0, sum_sq[g] / static_cast<double>(count[g]) - mean * mean);
        const double v = static_cast<double>(static_cast<compute_t<T>>(in[i]));
        y.data<T>()[i] = static_cast<T>((v - mean) / (std::sqrt(var) + 1e-9));
      }
      return Status::OK();
    });
  }

 private:
  std::vector<int64_t> axes_;
};

}  // namespace

void register_normalization(KernelRegistry& r) {
  r.add_versions<LpNormalization, FloatTypes>("", "LpNormalization", {1, 22});
  r.add_versions<MeanVarianceNormalization, FloatTypes>("", "MeanVarianceNormalization", {9, 13});
}

}  // namespace onyx
