// Softmax, LogSoftmax, Hardmax.
//
// Up to opset 12 the input is flattened to 2-D at `axis` (default 1) and the op runs over each
// row of prod(dims[axis:]) elements; from 13 on it runs along the single axis (default -1).
// Both are an outer x n x inner walk: old semantics are inner == 1. Each outer block is
// processed with `inner` lanes side by side so every read is contiguous.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/common/axes.h"
#include "ops/common/dnnl_eltwise.h"
#include "ops/normalization/norm_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

enum class SoftKind { kSoftmax, kLogSoftmax, kHardmax };

template <SoftKind K, typename T>
void soft_block(const T* x, T* y, int64_t n, int64_t inner, std::vector<norm::calc_t<T>>& mx,
                std::vector<norm::calc_t<T>>& acc, std::vector<int64_t>& arg) {
  using C = norm::calc_t<T>;
  for (int64_t i = 0; i < inner; ++i) {
    mx[i] = -std::numeric_limits<C>::infinity();
    acc[i] = 0;
    arg[i] = 0;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const C v = static_cast<C>(row[i]);
      if (v > mx[i]) {
        mx[i] = v;
        arg[i] = k;
      }
    }
  }
  if constexpr (K == SoftKind::kHardmax) {
    for (int64_t k = 0; k < n; ++k) {
      for (int64_t i = 0; i < inner; ++i) y[k * inner + i] = static_cast<T>(C(arg[i] == k ? 1 : 0));
    }
    return;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    for (int64_t i = 0; i < inner; ++i) acc[i] += std::exp(static_cast<C>(row[i]) - mx[i]);
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    T* out = y + k * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const C d = static_cast<C>(row[i]) - mx[i];
      if constexpr (K == SoftKind::kSoftmax) {
        out[i] = static_cast<T>(std::exp(d) / acc[i]);
      } else {
        out[i] = static_cast<T>(d - std::log(acc[i]));
      }
    }
  }
}

template <SoftKind K>
class SoftmaxLike final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    flatten_ = info.opset() < 13;
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", flatten_ ? 1 : -1));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    int64_t outer = 1, n = 1, inner = 1;
    if (flatten_) {
      // axis may equal rank here (every row is one element).
      if (axis_ < -rank || axis_ > rank) {
        return ctx.invalid_argument("axis ", axis_, " is out of range for rank ", rank);
      }
      const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
      outer = norm::span_numel(x->shape(), 0, axis);
      n = norm::span_numel(x->shape(), axis, rank);
    } else {
      auto ax = normalize_axis(axis_, rank);
      if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
      outer = norm::span_numel(x->shape(), 0, *ax);
      n = x->dim(*ax);
      inner = norm::span_numel(x->shape(), *ax + 1, rank);
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    if (x->numel() == 0) return Status::OK();
    if constexpr (K != SoftKind::kHardmax) {
      if (x->dtype() == DataType::kFloat &&
          dnnl_ops::softmax(K == SoftKind::kLogSoftmax, x->data<float>(), y.data<float>(), outer,
                            n, inner, ctx.pool())) {
        return Status::OK();
      }
    }
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      const int64_t grain = std::max<int64_t>(1, 16384 / (n * inner));
      parallel_for(ctx.pool(), outer, grain, [&](int64_t b, int64_t e) {
        std::vector<norm::calc_t<T>> mx(inner), acc(inner);
        std::vector<int64_t> arg(inner);
        for (int64_t o = b; o < e; ++o) {
          soft_block<K, T>(in + o * n * inner, out + o * n * inner, n, inner, mx, acc, arg);
        }
      });
      return Status::OK();
    });
  }

 private:
  bool flatten_ = false;
  int64_t axis_ = -1;
};

}  // namespace

void register_softmax_kernels(KernelRegistry& r) {
  r.add_versions<SoftmaxLike<SoftKind::kSoftmax>, FloatTypes>("", "Softmax", {1, 11, 13});
  r.add_versions<SoftmaxLike<SoftKind::kLogSoftmax>, FloatTypes>("", "LogSoftmax", {1, 11, 13});
  r.add_versions<SoftmaxLike<SoftKind::kHardmax>, FloatTypes>("", "Hardmax", {1, 11, 13});
}

}  // namespace onyx
