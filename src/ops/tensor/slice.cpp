// Slice: starts/ends/axes are attributes before opset 10, inputs (with steps) from 10.
// The result is a strided view of the input, copied out with strided_copy.
#include <algorithm>

#include "ops/common/axes.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;
using tensor_ops::read_int_tensor;

class Slice final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    from_inputs_ = info.opset() >= 10;
    if (!from_inputs_) {
      ONYX_ASSIGN_OR_RETURN(starts_, info.required_ints("starts"));
      ONYX_ASSIGN_OR_RETURN(ends_, info.required_ints("ends"));
      has_axes_ = info.has_attr("axes");
      ONYX_ASSIGN_OR_RETURN(axes_, info.attr_ints("axes", {}));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    std::vector<int64_t> starts = starts_, ends = ends_, axes = axes_, steps;
    bool has_axes = has_axes_;
    if (from_inputs_) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* ts, ctx.required_input(1));
      ONYX_ASSIGN_OR_RETURN(const Tensor* te, ctx.required_input(2));
      ONYX_ASSIGN_OR_RETURN(starts, wrap(ctx, read_int_tensor(*ts, "starts")));
      ONYX_ASSIGN_OR_RETURN(ends, wrap(ctx, read_int_tensor(*te, "ends")));
      if (const Tensor* ta = ctx.input(3)) {
        ONYX_ASSIGN_OR_RETURN(axes, wrap(ctx, read_int_tensor(*ta, "axes")));
        has_axes = true;
      }
      if (const Tensor* tp = ctx.input(4)) {
        ONYX_ASSIGN_OR_RETURN(steps, wrap(ctx, read_int_tensor(*tp, "steps")));
      } else {
        steps.assign(starts.size(), 1);
      }
    } else {
      steps.assign(starts.size(), 1);
    }
    if (!has_axes) {
      axes.resize(starts.size());
      for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    }
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
      return ctx.invalid_argument("starts, ends, axes and steps have different lengths (",
                                  starts.size(), ", ", ends.size(), ", ", axes.size(), ", ",
                                  steps.size(), ")");
    }
    const Shape& in = x->shape();
    auto norm = normalize_axes(axes, static_cast<int64_t>(in.size()));
    if (!norm.ok()) return ctx.invalid_argument(norm.status().message());

    const std::vector<int64_t> in_strides = tensor_ops::contiguous_strides(in);
    Shape out = in;
    // Per dim: first element read and step (dims not sliced read everything with step 1).
    std::vector<std::pair<int64_t, int64_t>> plan(in.size(), {0, 1});
    for (size_t i = 0; i < starts.size(); ++i) {
      const size_t d = static_cast<size_t>((*norm)[i]);
      const int64_t dim = in[d];
      const int64_t st = steps[i];
      if (st == 0) return ctx.invalid_argument("slice step must not be 0 (axis ", d, ")");
      int64_t s = starts[i], e = ends[i];
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      int64_t len;
      if (st > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        len = e > s ? (e - s - 1) / st + 1 : 0;
      } else if (dim == 0) {
        len = 0;  // nothing to read (and [0, dim - 1] would be an empty clamp range)
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        len = s > e ? (s - e - 1) / (-st) + 1 : 0;
      }
      out[d] = len;
      plan[d] = {s, st};
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    if (y.numel() == 0) return Status::OK();
    int64_t offset = 0;
    std::vector<int64_t> strides(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      offset += plan[d].first * in_strides[d];
      // A dim of length 1 never advances; avoid step * stride overflow for huge steps.
      strides[d] = out[d] == 1 ? 0 : plan[d].second * in_strides[d];
    }
    tensor_ops::strided_copy(x->dtype(), x->raw_data(), offset, out, strides, y.raw_data(),
                             ctx.pool());
    return Status::OK();
  }

 private:
  template <typename T>
  static Result<T> wrap(const KernelContext& ctx, Result<T> r) {
    if (!r.ok()) return ctx.invalid_argument(r.status().message());
    return r;
  }

  bool from_inputs_ = false;
  bool has_axes_ = false;
  std::vector<int64_t> starts_, ends_, axes_;
};

}  // namespace

void register_slice(KernelRegistry& r) {
  r.add_versions<Slice, MovableTypes>("", "Slice", {1, 10, 11, 13});
}

}  // namespace onyx
