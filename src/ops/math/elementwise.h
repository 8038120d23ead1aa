// The elementwise framework of the math family: broadcast plans, tight unary/binary/ternary loops
// and generic kernel classes, so that each operator is a small functor.
//
// Broadcasting is planned once per call: dims of size 1 in the output are dropped and adjacent
// dims that every input broadcasts (or not) alike are merged, so the common cases (same shape,
// scalar operand, [N,C,H,W] + [C,1,1]) become one or two loops whose innermost level has unit or
// zero strides. Loops are split over the thread pool by rows of that innermost level.
#pragma once

#include <cmath>
#include <cstdint>
#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/data_type.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/common/dnnl_eltwise.h"
#include "ops/kernel.h"

namespace onyx::math {

// Elements per parallel chunk: below this, threading costs more than it saves.
inline constexpr int64_t kGrain = 32768;

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;

// Loads a storage value as its compute value (float for the 16-bit floats; by reference else).
template <typename T>
inline compute_t<T> load(const T& v) {
  return static_cast<compute_t<T>>(v);
}
inline const std::string& load(const std::string& v) { return v; }

// Stores a compute value back to storage type T.
template <typename T, typename C>
inline T store(const C& v) {
  return static_cast<T>(v);
}

// Two's-complement wrapping for signed integer arithmetic (signed overflow is UB in C++).
template <typename T>
inline T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
inline T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <typename T>
inline T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    // uint16 * uint16 promotes to (signed) int and can overflow: multiply in a wide unsigned.
    using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    return static_cast<T>(static_cast<U>(static_cast<W>(static_cast<U>(a)) *
                                         static_cast<W>(static_cast<U>(b))));
  } else {
    return a * b;
  }
}
template <typename T>
inline T wrap_neg(T a) {
  return wrap_sub(T(0), a);
}

// ---- broadcast plans ------------------------------------------------------------------------

struct BroadcastPlan {
  Shape out_shape;
  int64_t numel = 0;
  std::vector<int64_t> dims;                  // collapsed output dims (at least one)
  std::vector<std::vector<int64_t>> strides;  // [input][collapsed dim], 0 where broadcast
};

// Plans numpy-style broadcasting of the given shapes (InvalidArgument when incompatible).
Result<BroadcastPlan> plan_broadcast(const std::vector<Shape>& shapes);

// Legacy (opset < 7) broadcasting of Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Less/Greater: with
// broadcast=1, B's dims line up with A's starting at `axis` (default: suffix); with broadcast=0
// numpy rules apply (a superset of the old "shapes must be equal").
class LegacyBroadcast {
 public:
  Status init(const KernelInfo& info);
  // PRelu before opset 7 (Caffe heritage): a 1-D slope of C values applies per channel (axis 1).
  void set_channel_slope(const KernelInfo& info) { channel_slope_ = info.opset() < 7; }
  // Shape B is read as (may add size-1 dims), or an error.
  Result<Shape> b_shape(const Shape& a, const Shape& b) const;
  Result<BroadcastPlan> plan(const Shape& a, const Shape& b) const;

 private:
  bool legacy_ = false;
  bool channel_slope_ = false;
  bool has_axis_ = false;
  int64_t axis_ = 0;
};

// Rewrites a plain error Status with the node context of `ctx`.
inline Status node_error(const KernelContext& ctx, const Status& s) {
  return ctx.error(s.code(), s.message());
}

// ---- loops ----------------------------------------------------------------------------------

// y[i] = f(x[i]) over n contiguous elements, in parallel for big n.
template <typename X, typename Y, typename F>
void unary_loop(ThreadPool* pool, const X* x, Y* y, int64_t n, const F& f) {
  parallel_for(pool, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
  });
}

// The innermost level of a binary loop: strides are 0 or 1 after collapsing.
template <typename A, typename B, typename O, typename F>
inline void binary_inner(const A* a, int64_t sa, const B* b, int64_t sb, O* o, int64_t n,
                         const F& f) {
  if (sa == 1 && sb == 1) {
    for (int64_t j = 0; j < n; ++j) o[j] = f(a[j], b[j]);
  } else if (sa == 1) {
    const B bv = *b;
    for (int64_t j = 0; j < n; ++j) o[j] = f(a[j], bv);
  } else if (sb == 1) {
    const A av = *a;
    for (int64_t j = 0; j < n; ++j) o[j] = f(av, b[j]);
  } else {
    const O v = f(*a, *b);
    for (int64_t j = 0; j < n; ++j) o[j] = v;
  }
}

// Walks rows [r0, r1) of the plan's outer dims, calling row(offsets..., row_index).
template <size_t N, typename Row>
void for_rows(const BroadcastPlan& p, int64_t r0, int64_t r1, const Row& row) {
  const size_t outer = p.dims.size() - 1;
  std::vector<int64_t> idx(outer, 0);  // once per chunk
  int64_t off[N] = {};
  // Decompose r0 into outer indices.
  int64_t rem = r0;
  for (size_t d = outer; d-- > 0;) {
    idx[d] = rem % p.dims[d];
    rem /= p.dims[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
  }
  for (int64_t r = r0; r < r1; ++r) {
    row(off, r);
    for (size_t d = outer; d-- > 0;) {
      ++idx[d];
      for (size_t k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (idx[d] < p.dims[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

// o = f(a, b) under the plan. `o` may alias `a` or `b` when that input has the output's shape.
template <typename A, typename B, typename O, typename F>
void binary_loop(ThreadPool* pool, const BroadcastPlan& p, const A* a, const B* b, O* o,
                 const F& f) {
  if (p.numel <= 0) return;
  const size_t last = p.dims.size() - 1;
  const int64_t inner = p.dims[last];
  const int64_t sa = p.strides[0][last], sb = p.strides[1][last];
  const int64_t rows = p.numel / inner;
  if (rows == 1) {  // same shapes or scalar operand: split the single row
    parallel_for(pool, inner, kGrain, [&](int64_t j0, int64_t j1) {
      binary_inner(a + j0 * sa, sa, b + j0 * sb, sb, o + j0, j1 - j0, f);
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrain / inner);
  parallel_for(pool, rows, grain, [&](int64_t r0, int64_t r1) {
    for_rows<2>(p, r0, r1, [&](const int64_t* off, int64_t r) {
      binary_inner(a + off[0], sa, b + off[1], sb, o + r * inner, inner, f);
    });
  });
}

// o = f(a, b, c) under a plan of three shapes.
template <typename A, typename B, typename C, typename O, typename F>
void ternary_loop(ThreadPool* pool, const BroadcastPlan& p, const A* a, const B* b, const C* c,
                  O* o, const F& f) {
  if (p.numel <= 0) return;
  const size_t last = p.dims.size() - 1;
  const int64_t inner = p.dims[last];
  const int64_t sa = p.strides[0][last], sb = p.strides[1][last], sc = p.strides[2][last];
  const int64_t rows = p.numel / inner;
  const int64_t grain = std::max<int64_t>(1, kGrain / inner);
  parallel_for(pool, rows, grain, [&](int64_t r0, int64_t r1) {
    for_rows<3>(p, r0, r1, [&](const int64_t* off, int64_t r) {
      const A* pa = a + off[0];
      const B* pb = b + off[1];
      const C* pc = c + off[2];
      O* po = o + r * inner;
      if (sa == 1 && sb == 1 && sc == 1) {
        for (int64_t j = 0; j < inner; ++j) po[j] = f(pa[j], pb[j], pc[j]);
      } else {
        for (int64_t j = 0; j < inner; ++j) po[j] = f(pa[j * sa], pb[j * sb], pc[j * sc]);
      }
    });
  });
}

// ---- generic kernels ------------------------------------------------------------------------

// Base for functors without attributes.
struct NoAttrs {
  Status init(const KernelInfo&) { return Status::OK(); }
};

// Unary kernel: Y = Op(X), same dtype. Op: `template <typename C> C operator()(C) const` on the
// compute type, plus init(KernelInfo).
//
// An Op with `std::optional<DnnlEltwiseCall> dnnl() const` has a oneDNN (vectorized)
// equivalent, used for large float tensors (ops/common/dnnl_eltwise.h).
struct DnnlEltwiseCall {
  dnnl_ops::Eltwise f;
  float alpha = 0.f;
};
template <typename Op>
concept HasDnnlEltwise = requires(const Op& op) {
  { op.dnnl() } -> std::same_as<std::optional<DnnlEltwiseCall>>;
};

template <typename Op, typename Types>
class UnaryKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override { return op_.init(info); }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return dispatch<Types>(x->dtype(), [&]<typename T>() -> Status {
      Tensor& y = ctx.allocate_output_in_place(0, 0, x->dtype(), x->shape());
      const Op& op = op_;
      if constexpr (HasDnnlEltwise<Op> && std::is_same_v<T, float>) {
        if (const auto call = op.dnnl()) {
          if (dnnl_ops::eltwise(call->f, call->alpha, x->data<float>(), y.data<float>(),
                                x->numel(), ctx.pool())) {
            return Status::OK();
          }
        }
      }
      unary_loop(ctx.pool(), x->data<T>(), y.data<T>(), x->numel(),
                 [&op](const T& v) { return store<T>(op(load(v))); });
      return Status::OK();
    });
  }

 private:
  Op op_;
};

// Unary predicate kernel: Y (bool) = Op(X).
template <typename Op, typename Types>
class UnaryPredicateKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override { return op_.init(info); }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return dispatch<Types>(x->dtype(), [&]<typename T>() -> Status {
      Tensor& y = ctx.allocate_output(0, DataType::kBool, x->shape());
      const Op& op = op_;
      unary_loop(ctx.pool(), x->data<T>(), y.data<bool>(), x->numel(),
                 [&op](const T& v) -> bool { return op(load(v)); });
      return Status::OK();
    });
  }

 private:
  Op op_;
};

// Binary kernel over two inputs of one dtype with broadcasting. Op provides
//   template <typename C> R operator()(C a, C b) const   (R: C, or bool for comparisons)
//   static constexpr bool kBool;      output is bool
//   static constexpr bool kDivides;   integer inputs: a zero in B is an error
//   static constexpr bool kChannelSlope;  (optional; PRelu) B is a per-channel slope before opset 7
//   Status init(const KernelInfo&);
template <typename Op, typename Types>
class BinaryKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(legacy_.init(info));
    if constexpr (requires { requires Op::kChannelSlope; }) legacy_.set_channel_slope(info);
    return op_.init(info);
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    if (a->dtype() != b->dtype()) {
      return ctx.invalid_argument("inputs have different element types (",
                                  data_type_name(a->dtype()), " and ",
                                  data_type_name(b->dtype()), ")");
    }
    auto plan = legacy_.plan(a->shape(), b->shape());
    if (!plan.ok()) return node_error(ctx, plan.status());
    return dispatch<Types>(a->dtype(), [&]<typename T>() -> Status {
      using O = std::conditional_t<Op::kBool, bool, T>;
      if constexpr (Op::kDivides && std::is_integral_v<T>) {
        const T* bd = b->data<T>();
        for (int64_t i = 0; i < b->numel(); ++i) {
          if (bd[i] == T(0)) return ctx.invalid_argument("integer division by zero");
        }
      }
      // Element i of the output reads element i of an input of its shape only.
      Tensor& y = ctx.allocate_output_in_place(0, {0, 1}, data_type_of<O>, plan->out_shape);
      const Op& op = op_;
      binary_loop(ctx.pool(), *plan, a->data<T>(), b->data<T>(), y.data<O>(),
                  [&op](const T& u, const T& v) { return store<O>(op(load(u), load(v))); });
      return Status::OK();
    });
  }

 private:
  Op op_;
  LegacyBroadcast legacy_;
};

}  // namespace onyx::math
