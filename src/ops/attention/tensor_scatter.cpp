// TensorScatter (ai.onnx 24): writes `update` into a copy of a preallocated cache `past_cache`
// along the sequence axis, at a per-batch offset: the in-place KV-cache update that goes with
// Attention's nonpad_kv_seqlen.
//
// past_cache and update agree on every dim except `axis` (default -2; never the batch axis 0),
// where update is no longer. For batch b, update row s lands at write_indices[b] + s (default
// offset 0); mode "linear" requires the rows to fit, "circular" wraps them modulo the cache
// length.
#include "ops/common/block_copy.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class TensorScatter final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -2));
    ONYX_ASSIGN_OR_RETURN(std::string mode, info.attr_string("mode", "linear"));
    if (mode != "linear" && mode != "circular") {
      return info.error(StatusCode::kInvalidArgument, "mode must be 'linear' or 'circular', got '",
                        mode, "'");
    }
    circular_ = mode == "circular";
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* past, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* update, ctx.required_input(1));
    const Tensor* indices = ctx.input(2);
    const int64_t r = static_cast<int64_t>(past->rank());
    const int64_t axis = axis_ < 0 ? axis_ + r : axis_;
    if (axis < 1 || axis >= r) {
      return ctx.invalid_argument("axis ", axis_, " must name a non-batch axis of the rank-", r,
                                  " cache");
    }
    if (update->dtype() != past->dtype() || !block_copyable(past->dtype())) {
      return ctx.invalid_argument("update must have the cache's element type, got ",
                                  data_type_name(update->dtype()), " and ",
                                  data_type_name(past->dtype()));
    }
    bool fits = update->rank() == past->rank();
    for (int64_t i = 0; fits && i < r; ++i) {
      fits = i == axis ? update->dim(i) <= past->dim(i) : update->dim(i) == past->dim(i);
    }
    if (!fits) {
      return ctx.invalid_argument("update ", shape_to_string(update->shape()),
                                  " does not fit the cache ", shape_to_string(past->shape()),
                                  " along axis ", axis);
    }
    const int64_t batch = past->dim(0);
    const int64_t cache_len = past->dim(axis), len = update->dim(axis);
    if (indices && (indices->dtype() != DataType::kInt64 || indices->rank() != 1 ||
                    indices->dim(0) != batch)) {
      return ctx.invalid_argument("write_indices must be int64 of shape [", batch, "], got ",
                                  ctx.input_value(2)->describe());
    }
    for (int64_t b = 0; indices && b < batch; ++b) {
      const int64_t w = indices->data<int64_t>()[b];
      if (w < 0 || (!circular_ && w + len > cache_len)) {
        return ctx.invalid_argument("write index ", w, " of batch ", b, " with ", len,
                                    " rows does not fit the cache length ", cache_len);
      }
    }
    Tensor present = past->clone();
    // Blocks of `inner` elements: (prefix, row) with prefix over dims [0, axis).
    const int64_t inner = dims_product(past->shape(), axis + 1, past->rank());
    const int64_t per_batch = dims_product(past->shape(), 1, axis);
    for (int64_t p = 0; p < batch * per_batch; ++p) {
      const int64_t w = indices ? indices->data<int64_t>()[p / per_batch] : 0;
      for (int64_t s = 0; s < len; ++s) {
        const int64_t row = circular_ ? (w + s) % cache_len : w + s;
        copy_blocks(*update, (p * len + s) * inner, 0, present, (p * cache_len + row) * inner, 0, 1,
                    inner);
      }
    }
    ctx.set_output(0, Value(std::move(present)));
    return Status::OK();
  }

 private:
  int64_t axis_ = -2;
  bool circular_ = false;
};

}  // namespace

void register_tensor_scatter(KernelRegistry& r) {
  r.add_versions<TensorScatter>("", "TensorScatter", {24});
}

}  // namespace onyx
