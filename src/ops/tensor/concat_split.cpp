// Concat and Split: block copies along one axis. Viewing the tensor as [outer, axis, inner],
// every (outer row, input/output) pair is one contiguous run.
#include <algorithm>
#include <vector>

#include "ops/common/axes.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

// Grain for parallel_for over rows of `row_elems` elements: ~32K elements per task.
int64_t row_grain(int64_t row_elems) {
  return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(row_elems, 1));
}

class Concat final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if (info.opset() < 4) {
      ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 1));
    } else {
      ONYX_ASSIGN_OR_RETURN(axis_, info.required_int("axis"));
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    std::vector<const Tensor*> xs;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* t, ctx.required_input(i));
      xs.push_back(t);
    }
    if (xs.empty()) return ctx.invalid_argument("Concat needs at least one input");
    const Tensor& first = *xs[0];
    const int64_t rank = static_cast<int64_t>(first.rank());
    if (rank == 0) return ctx.invalid_argument("cannot concatenate scalars");
    auto ax = normalize_axis(axis_, rank);
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const size_t axis = static_cast<size_t>(*ax);
    Shape out = first.shape();
    out[axis] = 0;
    for (const Tensor* t : xs) {
      if (t->dtype() != first.dtype()) {
        return ctx.invalid_argument("inputs have different element types: ",
                                    data_type_name(first.dtype()), " and ",
                                    data_type_name(t->dtype()));
      }
      bool same = t->rank() == first.rank();
      for (size_t d = 0; same && d < out.size(); ++d) {
        same = d == axis || t->dim(d) == first.dim(d);
      }
      if (!same) {
        return ctx.invalid_argument("cannot concatenate shapes ", shape_to_string(first.shape()),
                                    " and ", shape_to_string(t->shape()), " on axis ", axis);
      }
      out[axis] += t->dim(axis);
    }
    if (!tensor_ops::movable(first.dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(first.dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, first.dtype(), out);
    const int64_t outer = tensor_ops::dims_product(out, 0, axis);
    const int64_t inner = tensor_ops::dims_product(out, axis + 1, out.size());
    const int64_t row = out[axis] * inner;
    if (y.numel() == 0) return Status::OK();
    const DataType dt = first.dtype();
    const int64_t threads = ctx.pool() ? ctx.pool()->num_threads() : 1;
    // Pieces over the threads only for tensors worth waking a thread for: a shape computation's
    // Concat of a few int64 values cost 5 ms at 2 threads when the worker slept (the first runs).
    if (outer < 4 * threads && threads > 1 && y.numel() > kPiece) {
      copy_in_pieces(ctx, xs, axis, outer, inner, row, y);
      return Status::OK();
    }
    parallel_for(ctx.pool(), outer, row_grain(row), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        int64_t dst = o * row;
        for (const Tensor* t : xs) {
          const int64_t chunk = t->dim(axis) * inner;
          tensor_ops::copy_elements(dt, t->raw_data(), o * chunk, y.raw_data(), dst, chunk);
          dst += chunk;
        }
      }
    });
    return Status::OK();
  }

 private:
  // Few outer rows (a batch-1 channel concat has one): the (row, input) runs cut into pieces of
  // at most kPiece elements, spread over the threads. DenseNet-121 at batch 1 copies ~40 MB in
  // its 62 Concats, which on one thread took 11% of its 2-thread run.
  static constexpr int64_t kPiece = int64_t{1} << 15;  // elements per piece

  static void copy_in_pieces(KernelContext& ctx, const std::vector<const Tensor*>& xs, size_t axis,
                             int64_t outer, int64_t inner, int64_t row, Tensor& y) {
    struct Piece {
      const Tensor* t;
      int64_t src, dst, n;
    };
    std::vector<Piece> pieces;
    for (int64_t o = 0; o < outer; ++o) {
      int64_t dst = o * row;
      for (const Tensor* t : xs) {
        const int64_t chunk = t->dim(axis) * inner;
        for (int64_t off = 0; off < chunk; off += kPiece) {
          pieces.push_back({t, o * chunk + off, dst + off, std::min(kPiece, chunk - off)});
        }
        dst += chunk;
      }
    }
    const DataType dt = y.dtype();
    parallel_for(ctx.pool(), static_cast<int64_t>(pieces.size()), 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const Piece& c = pieces[static_cast<size_t>(p)];
        tensor_ops::copy_elements(dt, c.t->raw_data(), c.src, y.raw_data(), c.dst, c.n);
      }
    });
  }

  int64_t axis_ = 1;
};

class Split final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    if (opset_ < 13) {
      has_split_attr_ = info.has_attr("split");
      ONYX_ASSIGN_OR_RETURN(split_attr_, info.attr_ints("split", {}));
    }
    if (opset_ >= 18) {
      ONYX_ASSIGN_OR_RETURN(num_outputs_, info.attr_int("num_outputs", 0));
      if (info.has_attr("num_outputs") &&
          (num_outputs_ < 1 || num_outputs_ != static_cast<int64_t>(info.num_outputs()))) {
        return info.error(StatusCode::kInvalidGraph, "num_outputs ", num_outputs_,
                          " does not match the node's ", info.num_outputs(), " outputs");
      }
      if (num_outputs_ > 0 && info.has_input(1)) {
        return info.error(StatusCode::kInvalidGraph,
                          "num_outputs and the split input are mutually exclusive");
      }
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    auto ax = normalize_axis(axis_, rank);
    if (!ax.ok()) return ctx.invalid_argument(ax.status().message());
    const size_t axis = static_cast<size_t>(*ax);
    const int64_t dim = x->dim(axis);
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());
    // Split sizes: the attribute (< 13), the optional input (opset 1 and >= 13), or equal parts.
    std::vector<int64_t> sizes;
    bool given = false;
    if (has_split_attr_) {
      sizes = split_attr_;
      given = true;
    } else if ((opset_ == 1 || opset_ >= 13) && ctx.input(1) != nullptr) {
      auto r = tensor_ops::read_int_tensor(*ctx.input(1), "split");
      if (!r.ok()) return ctx.invalid_argument(r.status().message());
      sizes = std::move(*r);
      given = true;
    }
    if (given) {
      if (static_cast<int64_t>(sizes.size()) != n) {
        return ctx.invalid_argument("split has ", sizes.size(), " entries for ", n, " outputs");
      }
      int64_t sum = 0;
      for (int64_t s : sizes) {
        if (s < 0) return ctx.invalid_argument("split sizes must be >= 0, got ", s);
        sum += s;
        if (sum > dim) break;
      }
      if (sum != dim) {
        return ctx.invalid_argument("split sizes ", shape_to_string(sizes), " do not sum to dim ",
                                    dim, " of axis ", axis);
      }
    } else if (num_outputs_ > 0) {
      // Opset 18: ceil-sized chunks, the last one smaller.
      const int64_t chunk = (dim + n - 1) / n;
      int64_t left = dim;
      for (int64_t i = 0; i < n; ++i) {
        sizes.push_back(std::min(chunk, left));
        left -= sizes.back();
      }
    } else {
      if (dim % n != 0) {
        return ctx.invalid_argument("dim ", dim, " of axis ", axis, " does not split into ", n,
                                    " equal parts");
      }
      sizes.assign(static_cast<size_t>(n), dim / n);
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    const Shape& in = x->shape();
    const int64_t outer = tensor_ops::dims_product(in, 0, axis);
    const int64_t inner = tensor_ops::dims_product(in, axis + 1, in.size());
    int64_t start = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t size = sizes[static_cast<size_t>(i)];
      Shape out = in;
      out[axis] = size;
      Tensor& y = ctx.allocate_output(static_cast<size_t>(i), x->dtype(), out);
      const int64_t chunk = size * inner;
      const int64_t offset = start * inner;
      const int64_t row = dim * inner;
      if (chunk > 0) {
        parallel_for(ctx.pool(), outer, row_grain(chunk), [&](int64_t o0, int64_t o1) {
          for (int64_t o = o0; o < o1; ++o) {
            tensor_ops::copy_elements(x->dtype(), x->raw_data(), o * row + offset, y.raw_data(),
                                      o * chunk, chunk);
          }
        });
      }
      start += size;
    }
    return Status::OK();
  }

 private:
  int opset_ = 0;
  int64_t axis_ = 0;
  bool has_split_attr_ = false;
  std::vector<int64_t> split_attr_;
  int64_t num_outputs_ = 0;
};

}  // namespace

void register_concat_split(KernelRegistry& r) {
  r.add_versions<Concat, MovableTypes>("", "Concat", {1, 4, 11, 13});
  r.add_versions<Split, MovableTypes>("", "Split", {1, 2, 11, 13, 18});
}

}  // namespace onyx
