// GlobalAveragePool, GlobalMaxPool, GlobalLpPool: one reduction over all spatial dims per
// (n, c) plane; output shape [N, C, 1, ..., 1]. Planes run in parallel.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/nn/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

enum class GlobalKind { kAverage, kMax, kLp };

template <GlobalKind Kind>
class GlobalPool final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if constexpr (Kind == GlobalKind::kLp) {
      // GlobalLpPool-1 had a float `p`; from opset 2 it is an int.
      if (info.opset() < 2) {
        ONYX_ASSIGN_OR_RETURN(p_, info.attr_float("p", 2.f));
      } else {
        ONYX_ASSIGN_OR_RETURN(int64_t p, info.attr_int("p", 2));
        p_ = static_cast<float>(p);
      }
      if (!(p_ > 0)) return info.error(StatusCode::kInvalidArgument, "p must be > 0");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() < 2) {
      return ctx.invalid_argument("X must have rank >= 2, got ", shape_to_string(x->shape()));
    }
    Shape out_shape(x->rank(), 1);
    out_shape[0] = x->dim(0);
    out_shape[1] = x->dim(1);
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    const int64_t planes = x->dim(0) * x->dim(1);
    const int64_t size = planes == 0 ? 0 : x->numel() / planes;
    const float p = p_;
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      using C = compute_t<T>;
      const T* in = x->data<T>();
      T* out = y.data<T>();
      parallel_for(ctx.pool(), planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(size, 1)),
                   [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const T* v = in + i * size;
          C acc = Kind == GlobalKind::kMax ? -std::numeric_limits<C>::infinity() : C(0);
          for (int64_t j = 0; j < size; ++j) {
            const C a = static_cast<C>(v[j]);
            if constexpr (Kind == GlobalKind::kMax) {
              acc = (a > acc || std::isnan(a)) ? a : acc;
            } else if constexpr (Kind == GlobalKind::kAverage) {
              acc += a;
            } else if (p == 2.f) {
              acc += a * a;
            } else {
              acc += static_cast<C>(std::pow(std::abs(static_cast<double>(a)), p));
            }
          }
          if constexpr (Kind == GlobalKind::kAverage) {
            acc = size > 0 ? acc / static_cast<C>(size) : std::numeric_limits<C>::quiet_NaN();
          } else if constexpr (Kind == GlobalKind::kLp) {
            acc = p == 2.f ? std::sqrt(acc)
                           : static_cast<C>(std::pow(static_cast<double>(acc), 1.0 / p));
          }
          out[i] = static_cast<T>(acc);
        }
      });
      return Status::OK();
    });
  }

 private:
  float p_ = 2.f;
};

}  // namespace

void register_global_pool(KernelRegistry& r) {
  r.add_versions<GlobalPool<GlobalKind::kAverage>, FloatTypes>("", "GlobalAveragePool", {1, 22});
  r.add_versions<GlobalPool<GlobalKind::kMax>, FloatTypes>("", "GlobalMaxPool", {1, 22});
  r.add_versions<GlobalPool<GlobalKind::kLp>, FloatTypes>("", "GlobalLpPool", {1, 2, 22});
}

}  // namespace onyx
