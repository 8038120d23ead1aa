// ArgMax / ArgMin: int64 index of the extreme along one axis, viewed as outer x n x inner.
// Ties give the first index, or the last with select_last_index (opset 12+). A NaN counts as
// the extreme (first NaN wins), as in numpy.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/common/axes.h"
#include "ops/reduce/reduce_policies.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using ArgTypes = TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t, int64_t,
                          uint8_t, uint16_t, uint32_t, uint64_t>;

template <bool kMax>
class ArgReduce final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    ONYX_ASSIGN_OR_RETURN(int64_t keep, info.attr_int("keepdims", 1));
    keepdims_ = keep != 0;
    if (info.opset() >= 12) {
      ONYX_ASSIGN_OR_RETURN(int64_t last, info.attr_int("select_last_index", 0));
      last_ = last != 0;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    // A scalar is treated as a 1-element vector (axis 0 or -1).
    const Shape shape = rank == 0 ? Shape{1} : x->shape();
    auto ax = normalize_axis(axis_, static_cast<int64_t>(shape.size()));
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const int64_t axis = *ax;
    const int64_t n = shape[axis];
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
    for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
    Shape out_shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis) {
        out_shape.push_back(x->dim(d));
      } else if (keepdims_) {
        out_shape.push_back(1);
      }
    }
    if (n == 0 && outer * inner > 0) {
      return ctx.invalid_argument("cannot take Arg", kMax ? "Max" : "Min", " over an empty axis");
    }
    Tensor& y = ctx.allocate_output(0, DataType::kInt64, out_shape);
    int64_t* out = y.data<int64_t>();
    return dispatch<ArgTypes>(x->dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const T* in = x->data<T>();
      const bool last = last_;
      // `better(v, best)`: v replaces the current best. NaN beats everything but an earlier NaN.
      const auto better = [last](C v, C best) {
        if constexpr (reduce::kIsFloat<T>) {
          if (std::isnan(best)) return last && std::isnan(v);
          if (std::isnan(v)) return true;
        }
        if constexpr (kMax) return last ? v >= best : v > best;
        return last ? v <= best : v < best;
      };
      parallel_for(ctx.pool(), outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * inner)),
                   [&](int64_t b, int64_t e) {
                     std::vector<C> best(static_cast<size_t>(inner));
                     for (int64_t o = b; o < e; ++o) {
                       const T* base = in + o * n * inner;
                       int64_t* dst = out + o * inner;
                       for (int64_t i = 0; i < inner; ++i) {
                         best[i] = static_cast<C>(base[i]);
                         dst[i] = 0;
                       }
                       for (int64_t k = 1; k < n; ++k) {
                         const T* row = base + k * inner;
                         for (int64_t i = 0; i < inner; ++i) {
                           const C v = static_cast<C>(row[i]);
                           if (better(v, best[i])) {
                             best[i] = v;
                             dst[i] = k;
                           }
                         }
                       }
                     }
                   });
      return Status::OK();
    });
  }

 private:
  int64_t axis_ = 0;
  bool keepdims_ = true;
  bool last_ = false;
};

}  // namespace

void register_arg_reduce_kernels(KernelRegistry& r) {
  r.add_versions<ArgReduce<true>, ArgTypes>("", "ArgMax", {1, 11, 12, 13});
  r.add_versions<ArgReduce<false>, ArgTypes>("", "ArgMin", {1, 11, 12, 13});
}

}  // namespace onyx
