// Expand (broadcast to a shape) and Tile (repeat along each axis). Both are strided reads of
// the input: broadcast dims get stride 0, and Tile reads the input through a view of shape
// [rep0, dim0, rep1, dim1, ...] whose rep dims have stride 0.
#include "ops/common/broadcast.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

class Expand final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ts, ctx.required_input(1));
    auto spec = tensor_ops::read_int_tensor(*ts, "shape");
    if (!spec.ok()) return ctx.invalid_argument(spec.status().message());
    for (int64_t d : *spec) {
      if (d < 0) return ctx.invalid_argument("shape ", shape_to_string(*spec), " has a negative dim");
    }
    auto out = broadcast_shapes({x->shape(), *spec});
    if (!out.ok()) return ctx.invalid_argument(out.status().message());
    if (*out == x->shape()) {  // nothing to broadcast: pass the buffer through
      ctx.set_output(0, Value(*x));
      return Status::OK();
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), *out);
    if (y.numel() == 0) return Status::OK();
    tensor_ops::strided_copy(x->dtype(), x->raw_data(), 0, y.shape(),
                             broadcast_strides(x->shape(), y.shape()), y.raw_data(), ctx.pool());
    return Status::OK();
  }
};

class Tile final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* tr, ctx.required_input(1));
    const Shape& in = x->shape();
    const size_t rank = in.size();
    std::vector<int64_t> reps;
    if (opset_ < 6) {
      // Tile-1: a scalar count `tiles` along the scalar `axis` (input 2).
      ONYX_ASSIGN_OR_RETURN(const Tensor* ta, ctx.required_input(2));
      auto tiles = tensor_ops::read_int_tensor(*tr, "tiles");
      auto axis = tensor_ops::read_int_tensor(*ta, "axis");
      if (!tiles.ok()) return ctx.invalid_argument(tiles.status().message());
      if (!axis.ok()) return ctx.invalid_argument(axis.status().message());
      if (tiles->size() != 1 || axis->size() != 1) {
        return ctx.invalid_argument("tiles and axis must hold one value each");
      }
      int64_t a = (*axis)[0];
      if (a < 0) a += static_cast<int64_t>(rank);
      if (a < 0 || a >= static_cast<int64_t>(rank)) {
        return ctx.invalid_argument("axis ", (*axis)[0], " is out of range for rank ", rank);
      }
      reps.assign(rank, 1);
      reps[static_cast<size_t>(a)] = (*tiles)[0];
    } else {
      auto r = tensor_ops::read_int_tensor(*tr, "repeats");
      if (!r.ok()) return ctx.invalid_argument(r.status().message());
      reps = std::move(*r);
    }
    if (reps.size() != rank) {
      return ctx.invalid_argument("repeats has ", reps.size(), " values for an input of rank ",
                                  rank);
    }
    const std::vector<int64_t> in_strides = tensor_ops::contiguous_strides(in);
    Shape out(rank), view;
    std::vector<int64_t> strides;
    for (size_t d = 0; d < rank; ++d) {
      if (reps[d] < 0) return ctx.invalid_argument("repeats must be >= 0, got ", reps[d]);
      if (__builtin_mul_overflow(in[d], reps[d], &out[d])) {
        return ctx.invalid_argument("tiled shape overflows");
      }
      view.push_back(reps[d]);
      strides.push_back(0);
      view.push_back(in[d]);
      strides.push_back(in_strides[d]);
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    if (y.numel() == 0) return Status::OK();
    tensor_ops::strided_copy(x->dtype(), x->raw_data(), 0, view, strides, y.raw_data(),
                             ctx.pool());
    return Status::OK();
  }

 private:
  int opset_ = 0;
};

}  // namespace

void register_expand_tile(KernelRegistry& r) {
  r.add_versions<Expand, MovableTypes>("", "Expand", {8, 13});
  r.add_versions<Tile, MovableTypes>("", "Tile", {1, 6, 13});
}

}  // namespace onyx
