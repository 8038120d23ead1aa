// ScatterElements (and its deprecated alias Scatter) and ScatterND. The output starts as a copy
// of data; updates are applied in order (so with duplicate indices and reduction "none" the
// last one wins), optionally combined with add / mul (opset 16+) or max / min (opset 18+).
#include <algorithm>
#include <type_traits>

#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Result<Reduction> parse_reduction(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(std::string s, info.attr_string("reduction", "none"));
  const int opset = info.opset();
  if (s == "none") return Reduction::kNone;
  if (s == "add" && opset >= 16) return Reduction::kAdd;
  if (s == "mul" && opset >= 16) return Reduction::kMul;
  if (s == "max" && opset >= 18) return Reduction::kMax;
  if (s == "min" && opset >= 18) return Reduction::kMin;
  return info.error(StatusCode::kInvalidGraph, "unsupported reduction '", s, "' for opset ", opset);
}

// d = d (op) s. Integers wrap (computed unsigned) instead of overflowing; bool add/max is "or",
// mul/min is "and".
template <Reduction R, typename T>
inline void combine(T& d, const T& s) {
  if constexpr (R == Reduction::kNone) {
    d = s;
  } else if constexpr (std::is_same_v<T, bool>) {
    d = (R == Reduction::kAdd || R == Reduction::kMax) ? (d || s) : (d && s);
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    if constexpr (R == Reduction::kAdd) d = static_cast<T>(static_cast<U>(static_cast<U>(d) + static_cast<U>(s)));
    if constexpr (R == Reduction::kMul) {
      // Promote to at least unsigned int so small types do not multiply as signed int.
      using W = std::common_type_t<U, unsigned>;
      d = static_cast<T>(static_cast<U>(static_cast<W>(static_cast<U>(d)) * static_cast<W>(static_cast<U>(s))));
    }
    if constexpr (R == Reduction::kMax) d = std::max(d, s);
    if constexpr (R == Reduction::kMin) d = std::min(d, s);
  } else {
    using C = compute_t<T>;
    const C a = static_cast<C>(d), b = static_cast<C>(s);
    if constexpr (R == Reduction::kAdd) d = static_cast<T>(a + b);
    if constexpr (R == Reduction::kMul) d = static_cast<T>(a * b);
    if constexpr (R == Reduction::kMax) d = static_cast<T>(std::max(a, b));
    if constexpr (R == Reduction::kMin) d = static_cast<T>(std::min(a, b));
  }
}

// Runs f.template operator()<T, R>() with T the element type (a same-size stand-in when no
// arithmetic is needed) and R the reduction.
template <typename F>
Status with_types(DataType dt, Reduction red, F&& f) {
  if (red == Reduction::kNone) {
    if (!tensor_ops::movable(dt)) {
      return NotImplemented("element type ", data_type_name(dt), " is not supported");
    }
    tensor_ops::visit_element_type(dt, [&]<typename E>() { f.template operator()<E, Reduction::kNone>(); });
    return Status::OK();
  }
  return dispatch<NumericAndBoolTypes>(dt, [&]<typename T>() -> Status {
    switch (red) {
      case Reduction::kAdd: f.template operator()<T, Reduction::kAdd>(); break;
      case Reduction::kMul: f.template operator()<T, Reduction::kMul>(); break;
      case Reduction::kMax: f.template operator()<T, Reduction::kMax>(); break;
      case Reduction::kMin: f.template operator()<T, Reduction::kMin>(); break;
      case Reduction::kNone: break;
    }
    return Status::OK();
  });
}

class ScatterElements final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    if (info.node().op_type == "ScatterElements") {
      ONYX_ASSIGN_OR_RETURN(reduction_, parse_reduction(info));
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ti, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* tu, ctx.required_input(2));
    const Shape& in = x->shape();
    const Shape& is = ti->shape();
    const size_t rank = in.size();
    if (rank == 0) return ctx.invalid_argument("data must have rank >= 1");
    if (is.size() != rank) {
      return ctx.invalid_argument("indices rank ", is.size(), " differs from data rank ", rank);
    }
    if (tu->shape() != is) {
      return ctx.invalid_argument("updates shape ", shape_to_string(tu->shape()),
                                  " differs from indices shape ", shape_to_string(is));
    }
    if (tu->dtype() != x->dtype()) {
      return ctx.invalid_argument("updates type ", data_type_name(tu->dtype()),
                                  " differs from data type ", data_type_name(x->dtype()));
    }
    int64_t a = axis_;
    if (a < -static_cast<int64_t>(rank) || a >= static_cast<int64_t>(rank)) {
      return ctx.invalid_argument("axis ", axis_, " is out of range for rank ", rank);
    }
    if (a < 0) a += static_cast<int64_t>(rank);
    const size_t axis = static_cast<size_t>(a);
    for (size_t d = 0; d < rank; ++d) {
      if (d != axis && is[d] > in[d]) {
        return ctx.invalid_argument("indices shape ", shape_to_string(is),
                                    " exceeds data shape ", shape_to_string(in), " on axis ", d);
      }
    }
    auto idx = tensor_ops::read_indices(*ti);
    if (!idx.ok()) return ctx.invalid_argument(idx.status().message());
    for (int64_t& i : *idx) {
      const int64_t orig = i;
      if (!tensor_ops::wrap_index(i, in[axis])) {
        return ctx.invalid_argument("index ", orig, " is out of range for axis ", axis,
                                    " of size ", in[axis]);
      }
    }
    const std::vector<int64_t> st = tensor_ops::contiguous_strides(in);
    const std::vector<int64_t>& ids = *idx;
    Tensor y = x->clone();
    Status s = with_types(x->dtype(), reduction_, [&]<typename T, Reduction R>() {
      T* dst = y.data<T>();
      const T* upd = tu->data<T>();
      std::vector<int64_t> counter(rank, 0);
      int64_t base = 0;
      const int64_t total = tu->numel();
      for (int64_t i = 0; i < total; ++i) {
        combine<R>(dst[base + ids[static_cast<size_t>(i)] * st[axis]], upd[i]);
        for (size_t d = rank; d-- > 0;) {
          if (d != axis) base += st[d];
          if (++counter[d] < is[d]) break;
          if (d != axis) base -= st[d] * is[d];
          counter[d] = 0;
        }
      }
    });
    if (!s.ok()) return ctx.error(s.code(), s.message());
    ctx.set_output(0, Value(std::move(y)));
    return Status::OK();
  }

 private:
  int64_t axis_ = 0;
  Reduction reduction_ = Reduction::kNone;
};

class ScatterND final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(reduction_, parse_reduction(info));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ti, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* tu, ctx.required_input(2));
    const Shape& in = x->shape();
    const Shape& is = ti->shape();
    if (in.empty() || is.empty()) return ctx.invalid_argument("data and indices must have rank >= 1");
    const int64_t k = is.back();
    if (k < 0 || k > static_cast<int64_t>(in.size())) {
      return ctx.invalid_argument("indices last dim ", k, " must be in [0, ", in.size(), "]");
    }
    Shape expect(is.begin(), is.end() - 1);
    expect.insert(expect.end(), in.begin() + k, in.end());
    if (tu->shape() != expect) {
      return ctx.invalid_argument("updates shape ", shape_to_string(tu->shape()),
                                  " should be ", shape_to_string(expect));
    }
    if (tu->dtype() != x->dtype()) {
      return ctx.invalid_argument("updates type ", data_type_name(tu->dtype()),
                                  " differs from data type ", data_type_name(x->dtype()));
    }
    auto idx = tensor_ops::read_indices(*ti);
    if (!idx.ok()) return ctx.invalid_argument(idx.status().message());
    const std::vector<int64_t> st = tensor_ops::contiguous_strides(in);
    const int64_t tuples = tensor_ops::dims_product(is, 0, is.size() - 1);
    const int64_t slice = tensor_ops::dims_product(in, static_cast<size_t>(k), in.size());
    std::vector<int64_t> offsets(static_cast<size_t>(tuples));
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = 0;
      for (int64_t j = 0; j < k; ++j) {
        int64_t v = (*idx)[static_cast<size_t>(t * k + j)];
        const size_t d = static_cast<size_t>(j);
        if (!tensor_ops::wrap_index(v, in[d])) {
          return ctx.invalid_argument("index ", (*idx)[static_cast<size_t>(t * k + j)],
                                      " is out of range for data dim ", d, " of size ", in[d]);
        }
        off += v * st[d];
      }
      offsets[static_cast<size_t>(t)] = off;
    }
    Tensor y = x->clone();
    Status s = with_types(x->dtype(), reduction_, [&]<typename T, Reduction R>() {
      T* dst = y.data<T>();
      const T* upd = tu->data<T>();
      for (int64_t t = 0; t < tuples; ++t) {
        T* d = dst + offsets[static_cast<size_t>(t)];
        const T* u = upd + t * slice;
        for (int64_t j = 0; j < slice; ++j) combine<R>(d[j], u[j]);
      }
    });
    if (!s.ok()) return ctx.error(s.code(), s.message());
    ctx.set_output(0, Value(std::move(y)));
    return Status::OK();
  }

 private:
  Reduction reduction_ = Reduction::kNone;
};

}  // namespace

void register_scatter(KernelRegistry& r) {
  r.add_versions<ScatterElements, MovableTypes>("", "ScatterElements", {11, 13, 16, 18});
  r.add_versions<ScatterElements, MovableTypes>("", "Scatter", {9}, 10);  // deprecated at 11
  r.add_versions<ScatterND, MovableTypes>("", "ScatterND", {11, 13, 16, 18});
}

}  // namespace onyx
