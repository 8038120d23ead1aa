// ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum
// ReduceLogSumExp ReduceSumSquare: one kernel template over reduce::Kind.
//
// Axes come from the `axes` attribute up to ReduceSum-11 / other ops-13, and from the optional
// second input from ReduceSum-13 / other ops-18 on, together with `noop_with_empty_axes`.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/common/axes.h"
#include "ops/reduce/reduce_engine.h"
#include "ops/reduce/reduce_policies.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using reduce::Kind;
using reduce::Policy;

using SumTypes = TypeList<float, double, float16, bfloat16, int32_t, int64_t, uint32_t, uint64_t>;
using MaxTypes = TypeList<float, double, float16, bfloat16, int32_t, int64_t, uint32_t, uint64_t,
                          int8_t, uint8_t>;
using MaxTypes20 = TypeList<float, double, float16, bfloat16, int32_t, int64_t, uint32_t,
                            uint64_t, int8_t, uint8_t, bool>;

// max(x) + log(sum(exp(x - max))): stable for large inputs.
template <typename T>
void log_sum_exp(const reduce::ReducePlan& plan, const T* x, T* y, ThreadPool* pool) {
  std::vector<double> m(static_cast<size_t>(plan.num_out));
  using MaxP = Policy<Kind::kMax, double>;
  const auto as_double = [](T v) {
    if constexpr (reduce::kIsFloat<T>) {
      return static_cast<double>(static_cast<compute_t<T>>(v));
    } else {
      return static_cast<double>(v);
    }
  };
  reduce::run_reduce<double>(
      plan, x, m.data(), pool, MaxP::init,
      [&](double& a, T v, int64_t) { MaxP::step(a, as_double(v)); },
      [](double a, int64_t) { return a; });
  reduce::run_reduce<double>(
      plan, x, y, pool, [] { return 0.0; },
      [&](double& a, T v, int64_t o) {
        if (std::isfinite(m[o])) a += std::exp(as_double(v) - m[o]);
      },
      [&](double a, int64_t o) {
        return reduce::from_double<T>(std::isfinite(m[o]) ? m[o] + std::log(a) : m[o]);
      });
}

template <Kind K>
class Reduce final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    const bool sum_like = K == Kind::kSum;
    axes_from_input_ = info.opset() >= (sum_like ? 13 : 18);
    ONYX_ASSIGN_OR_RETURN(int64_t keep, info.attr_int("keepdims", 1));
    keepdims_ = keep != 0;
    bool_ok_ = (K == Kind::kMax || K == Kind::kMin) && info.opset() >= 20;
    if (axes_from_input_) {
      ONYX_ASSIGN_OR_RETURN(int64_t noop, info.attr_int("noop_with_empty_axes", 0));
      noop_ = noop != 0;
      if (info.has_attr("axes")) {
        return info.error(StatusCode::kInvalidGraph, "axes is an input since this opset, not an attribute");
      }
    } else {
      ONYX_ASSIGN_OR_RETURN(axes_, info.attr_ints("axes", {}));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    if (x->dtype() == DataType::kBool && !bool_ok_) {
      return ctx.error(StatusCode::kNotImplemented, "bool input needs ReduceMax/ReduceMin opset 20+");
    }
    std::vector<int64_t> axes = axes_;
    if (axes_from_input_ && ctx.has_input(1)) {
      const Tensor* a = ctx.input(1);
      if (a == nullptr || a->dtype() != DataType::kInt64 || a->rank() > 1) {
        return ctx.invalid_argument("axes must be a 1-D int64 tensor");
      }
      axes.assign(a->data<int64_t>(), a->data<int64_t>() + a->numel());
    }
    if (axes.empty() && noop_) {
      ctx.set_output(0, Value(*x));
      return Status::OK();
    }
    std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
    if (!axes.empty()) {
      auto norm = normalize_axes(axes, rank);
      if (!norm.ok()) return ctx.invalid_argument(norm.status().message());
      for (int64_t a : *norm) reduced[a] = true;
    }
    Shape out_shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (!reduced[d]) {
        out_shape.push_back(x->dim(d));
      } else if (keepdims_) {
        out_shape.push_back(1);
      }
    }
    const reduce::ReducePlan plan = reduce::make_plan(x->shape(), reduced);
    if (plan.num_reduced == 0 && plan.num_out > 0 && K == Kind::kMean && !is_floating(x->dtype())) {
      return ctx.invalid_argument("the mean of an empty set is undefined for integer types");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    using Types = std::conditional_t<K == Kind::kMax || K == Kind::kMin, MaxTypes20, SumTypes>;
    return dispatch<Types>(x->dtype(), [&]<typename T>() {
      if constexpr (K == Kind::kLogSumExp) {
        log_sum_exp<T>(plan, x->data<T>(), y.data<T>(), ctx.pool());
      } else {
        using P = Policy<K, T>;
        const int64_t n = plan.num_reduced;
        reduce::run_reduce<typename P::Acc>(
            plan, x->data<T>(), y.data<T>(), ctx.pool(), P::init,
            [](typename P::Acc& a, T v, int64_t) { P::step(a, v); },
            [n](typename P::Acc a, int64_t) { return P::finish(a, n); });
      }
      return Status::OK();
    });
  }

 private:
  bool axes_from_input_ = false;
  bool keepdims_ = true;
  bool noop_ = false;
  bool bool_ok_ = false;
  std::vector<int64_t> axes_;
};

template <Kind K>
void add_reduce(KernelRegistry& r, const std::string& op) {
  if constexpr (K == Kind::kMax || K == Kind::kMin) {
    r.add_versions<Reduce<K>, MaxTypes>("", op, {1, 11, 12, 13, 18}, 19);
    r.add_versions<Reduce<K>, MaxTypes20>("", op, {20});
  } else if constexpr (K == Kind::kSum) {
    r.add_versions<Reduce<K>, SumTypes>("", op, {1, 11, 13});
  } else {
    r.add_versions<Reduce<K>, SumTypes>("", op, {1, 11, 13, 18});
  }
}

}  // namespace

void register_reduce_kernels(KernelRegistry& r) {
  add_reduce<Kind::kSum>(r, "ReduceSum");
  add_reduce<Kind::kMean>(r, "ReduceMean");
  add_reduce<Kind::kProd>(r, "ReduceProd");
  add_reduce<Kind::kMax>(r, "ReduceMax");
  add_reduce<Kind::kMin>(r, "ReduceMin");
  add_reduce<Kind::kL1>(r, "ReduceL1");
  add_reduce<Kind::kL2>(r, "ReduceL2");
  add_reduce<Kind::kLogSum>(r, "ReduceLogSum");
  add_reduce<Kind::kLogSumExp>(r, "ReduceLogSumExp");
  add_reduce<Kind::kSumSquare>(r, "ReduceSumSquare");
}

}  // namespace onyx
