// GatherND: each innermost row of `indices` addresses a slice of `data` (after batch_dims
// leading dims that data and indices share).
#include <algorithm>

#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

class GatherND final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(batch_dims_, info.attr_int("batch_dims", 0));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* ti, ctx.required_input(1));
    const Shape& in = x->shape();
    const Shape& is = ti->shape();
    const int64_t r = static_cast<int64_t>(in.size());
    const int64_t q = static_cast<int64_t>(is.size());
    const int64_t b = batch_dims_;
    if (r < 1 || q < 1) return ctx.invalid_argument("data and indices must have rank >= 1");
    if (b < 0 || b >= std::min(r, q)) {
      return ctx.invalid_argument("batch_dims ", b, " must be in [0, min(", r, ", ", q, "))");
    }
    for (size_t d = 0; d < static_cast<size_t>(b); ++d) {
      if (in[d] != is[d]) {
        return ctx.invalid_argument("batch dims of data ", shape_to_string(in),
                                    " and indices ", shape_to_string(is), " differ");
      }
    }
    const int64_t k = is.back();
    if (k < 0 || k > r - b) {
      return ctx.invalid_argument("indices last dim ", k, " must be in [0, ", r - b, "]");
    }
    auto idx = tensor_ops::read_indices(*ti);
    if (!idx.ok()) return ctx.invalid_argument(idx.status().message());
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Shape out(is.begin(), is.end() - 1);
    out.insert(out.end(), in.begin() + (b + k), in.end());
    const std::vector<int64_t> st = tensor_ops::contiguous_strides(in);
    const int64_t batches = tensor_ops::dims_product(in, 0, static_cast<size_t>(b));
    const int64_t batch_stride = tensor_ops::dims_product(in, static_cast<size_t>(b), in.size());
    // Index tuples per batch (data and indices share the batch dims, checked above).
    const int64_t per_batch =
        tensor_ops::dims_product(is, static_cast<size_t>(b), is.size() - 1);
    const int64_t slice = tensor_ops::dims_product(in, static_cast<size_t>(b + k), in.size());
    // Resolve every index tuple to a data offset first, validating each component.
    std::vector<int64_t> offsets(static_cast<size_t>(batches * per_batch));
    for (int64_t t = 0; t < static_cast<int64_t>(offsets.size()); ++t) {
      int64_t off = (t / per_batch) * batch_stride;
      for (int64_t j = 0; j < k; ++j) {
        int64_t v = (*idx)[static_cast<size_t>(t * k + j)];
        const size_t d = static_cast<size_t>(b + j);
        if (!tensor_ops::wrap_index(v, in[d])) {
          return ctx.invalid_argument("index ", (*idx)[static_cast<size_t>(t * k + j)],
                                      " is out of range for data dim ", d, " of size ", in[d]);
        }
        off += v * st[d];
      }
      offsets[static_cast<size_t>(t)] = off;
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    if (y.numel() == 0) return Status::OK();
    const DataType dt = x->dtype();
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(slice, 1));
    parallel_for(ctx.pool(), static_cast<int64_t>(offsets.size()), grain,
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t t = t0; t < t1; ++t) {
                     tensor_ops::copy_elements(dt, x->raw_data(), offsets[static_cast<size_t>(t)],
                                               y.raw_data(), t * slice, slice);
                   }
                 });
    return Status::OK();
  }

 private:
  int64_t batch_dims_ = 0;
};

}  // namespace

void register_gather_nd(KernelRegistry& r) {
  r.add_versions<GatherND, MovableTypes>("", "GatherND", {11, 12, 13});
}

}  // namespace onyx
