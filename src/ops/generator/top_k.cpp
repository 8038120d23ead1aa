// TopK: the k largest (or smallest) elements along an axis, with their indices.
// Ties keep the lower index first; NaN counts as larger than every number.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/common/axes.h"
#include "ops/generator/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_int;

template <typename C>
bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

class TopK final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -1));
    if (opset_ < 10) {
      ONYX_ASSIGN_OR_RETURN(k_, info.required_int("k"));
    }
    if (opset_ >= 11) {
      ONYX_ASSIGN_OR_RETURN(largest_, info.attr_int("largest", 1));
      ONYX_ASSIGN_OR_RETURN(sorted_, info.attr_int("sorted", 1));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t k = k_;
    if (opset_ >= 10) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* kt, ctx.required_input(1));
      auto kv = scalar_as_int(*kt, "K");
      if (!kv.ok()) return ctx.invalid_argument(kv.status().message());
      k = *kv;
    }
    const int64_t rank = static_cast<int64_t>(x->rank());
    if (rank == 0) return ctx.invalid_argument("input must have rank >= 1");
    auto axis_r = normalize_axis(axis_, rank);
    if (!axis_r.ok()) return ctx.invalid_argument(axis_r.status().message());
    const int64_t axis = *axis_r;
    const int64_t n = x->dim(static_cast<size_t>(axis));
    if (k < 0 || k > n) {
      return ctx.invalid_argument("k = ", k, " is out of range for axis of size ", n);
    }
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x->dim(static_cast<size_t>(i));
    for (int64_t i = axis + 1; i < rank; ++i) inner *= x->dim(static_cast<size_t>(i));
    Shape out_shape = x->shape();
    out_shape[static_cast<size_t>(axis)] = k;
    Tensor& values = ctx.allocate_output(0, x->dtype(), out_shape);
    Tensor& indices = ctx.allocate_output(1, DataType::kInt64, out_shape);
    const bool largest = largest_ != 0;
    return dispatch<NumericTypes>(x->dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const T* in = x->data<T>();
      T* ov = values.data<T>();
      int64_t* oi = indices.data<int64_t>();
      std::vector<C> row(static_cast<size_t>(n));
      std::vector<int64_t> order(static_cast<size_t>(n));
      // Strict weak order: "a comes before b". NaN first when largest, last when smallest.
      auto before = [&](int64_t a, int64_t b) {
        const C va = row[static_cast<size_t>(a)], vb = row[static_cast<size_t>(b)];
        const bool na = is_nan(va), nb = is_nan(vb);
        if (na || nb) {
          if (na && nb) return a < b;
          return largest ? na : nb;
        }
        if (va != vb) return largest ? va > vb : va < vb;
        return a < b;
      };
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          const T* base = in + o * n * inner + i;
          for (int64_t j = 0; j < n; ++j) row[static_cast<size_t>(j)] = static_cast<C>(base[j * inner]);
          std::iota(order.begin(), order.end(), int64_t{0});
          // Always sorted (allowed when sorted=0 too): the result is then deterministic.
          std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
          for (int64_t j = 0; j < k; ++j) {
            const int64_t src = order[static_cast<size_t>(j)];
            const int64_t dst = o * k * inner + j * inner + i;
            ov[dst] = base[src * inner];
            oi[dst] = src;
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  int opset_ = 11;
  int64_t axis_ = -1;
  int64_t k_ = 0;
  int64_t largest_ = 1;
  int64_t sorted_ = 1;
};

}  // namespace

void register_top_k(KernelRegistry& r) {
  r.add_versions<TopK, NumericTypes>("", "TopK", {1, 10, 11, 24});
}

}  // namespace onyx
