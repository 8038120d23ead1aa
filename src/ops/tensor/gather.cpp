// Gather (whole slices along an axis) and GatherElements (one element per index).
#include <algorithm>

#include "ops/common/axes.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

class Gather final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ti, ctx.required_input(1));
    const Shape& in = x->shape();
    if (in.empty()) return ctx.invalid_argument("Gather data must have rank >= 1");
    auto ax = normalize_axis(axis_, static_cast<int64_t>(in.size()));
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const size_t axis = static_cast<size_t>(*ax);
    auto idx = tensor_ops::read_indices(*ti);
    if (!idx.ok()) return ctx.invalid_argument(idx.status().message());
    const int64_t dim = in[axis];
    for (int64_t& i : *idx) {
      const int64_t orig = i;
      if (!tensor_ops::wrap_index(i, dim)) {
        return ctx.invalid_argument("index ", orig, " is out of range for axis ", axis,
                                    " of size ", dim);
      }
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Shape out(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), ti->shape().begin(), ti->shape().end());
    out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(axis) + 1, in.end());
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    if (y.numel() == 0) return Status::OK();
    const int64_t outer = tensor_ops::dims_product(in, 0, axis);
    const int64_t inner = tensor_ops::dims_product(in, axis + 1, in.size());
    const int64_t n = static_cast<int64_t>(idx->size());
    const std::vector<int64_t>& ids = *idx;
    const int64_t total = outer * n;  // one block of `inner` elements each
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(inner, 1));
    tensor_ops::visit_element_type(x->dtype(), [&]<typename E>() {
      const E* src = x->data<E>();
      E* dst = y.data<E>();
      parallel_for(ctx.pool(), total, grain, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t o = b / n;
          const E* s = src + (o * dim + ids[static_cast<size_t>(b % n)]) * inner;
          std::copy(s, s + inner, dst + b * inner);
        }
      });
    });
    return Status::OK();
  }

 private:
  int64_t axis_ = 0;
};

class GatherElements final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ti, ctx.required_input(1));
    const Shape& in = x->shape();
    const Shape& is = ti->shape();
    const size_t rank = in.size();
    if (rank == 0) return ctx.invalid_argument("GatherElements data must have rank >= 1");
    if (is.size() != rank) {
      return ctx.invalid_argument("indices rank ", is.size(), " differs from data rank ", rank);
    }
    auto ax = normalize_axis(axis_, static_cast<int64_t>(rank));
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const size_t axis = static_cast<size_t>(*ax);
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
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), is);
    if (y.numel() == 0) return Status::OK();
    const std::vector<int64_t> st = tensor_ops::contiguous_strides(in);
    const std::vector<int64_t>& ids = *idx;
    tensor_ops::visit_element_type(x->dtype(), [&]<typename E>() {
      const E* src = x->data<E>();
      E* dst = y.data<E>();
      // Walk the indices tensor with a counter; `base` is the data offset without the axis term.
      std::vector<int64_t> counter(rank, 0);
      int64_t base = 0;
      const int64_t total = y.numel();
      for (int64_t i = 0; i < total; ++i) {
        dst[i] = src[base + ids[static_cast<size_t>(i)] * st[axis]];
        for (size_t d = rank; d-- > 0;) {
          if (d != axis) base += st[d];
          if (++counter[d] < is[d]) break;
          if (d != axis) base -= st[d] * is[d];
          counter[d] = 0;
        }
      }
    });
    return Status::OK();
  }

 private:
  int64_t axis_ = 0;
};

}  // namespace

void register_gather(KernelRegistry& r) {
  r.add_versions<Gather, MovableTypes>("", "Gather", {1, 11, 13});
  r.add_versions<GatherElements, MovableTypes>("", "GatherElements", {11, 13});
}

}  // namespace onyx
