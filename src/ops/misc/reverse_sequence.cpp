// ReverseSequence: for each batch entry b, reverses the first sequence_lens[b] elements along
// time_axis and copies the rest unchanged. batch_axis and time_axis are 0 and 1 in some order.
#include "ops/registry.h"

namespace onyx {
namespace {

class ReverseSequence final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(batch_axis_, info.attr_int("batch_axis", 1));
    ONYX_ASSIGN_OR_RETURN(time_axis_, info.attr_int("time_axis", 0));
    if (!((batch_axis_ == 0 && time_axis_ == 1) || (batch_axis_ == 1 && time_axis_ == 0))) {
      return info.error(StatusCode::kInvalidGraph,
                        "batch_axis and time_axis must be 0 and 1 in some order, got ",
                        batch_axis_, " and ", time_axis_);
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* lens, ctx.required_input(1));
    if (x->rank() < 2) {
      return ctx.invalid_argument("input must have rank >= 2, got shape ",
                                  shape_to_string(x->shape()));
    }
    const int64_t batch = x->dim(static_cast<size_t>(batch_axis_));
    const int64_t time = x->dim(static_cast<size_t>(time_axis_));
    if (lens->dtype() != DataType::kInt64) {
      return ctx.invalid_argument("sequence_lens must be int64, got ", data_type_name(lens->dtype()));
    }
    if (lens->shape() != Shape{batch}) {
      return ctx.invalid_argument("sequence_lens must have shape [", batch, "], got ",
                                  shape_to_string(lens->shape()));
    }
    const int64_t* len = lens->data<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
      if (len[b] < 0 || len[b] > time) {
        return ctx.invalid_argument("sequence_lens[", b, "] = ", len[b], " is outside [0, ", time, "]");
      }
    }
    int64_t inner = 1;  // elements per (batch, time) pair
    for (size_t i = 2; i < x->rank(); ++i) inner *= x->dim(i);
    // Element offsets of one step along the batch and the time axis.
    const int64_t batch_stride = batch_axis_ == 0 ? time * inner : inner;
    const int64_t time_stride = time_axis_ == 0 ? batch * inner : inner;
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t t = 0; t < time; ++t) {
          const int64_t src_t = t < len[b] ? len[b] - 1 - t : t;
          const T* src = in + b * batch_stride + src_t * time_stride;
          T* dst = out + b * batch_stride + t * time_stride;
          for (int64_t k = 0; k < inner; ++k) dst[k] = src[k];
        }
      }
      return Status::OK();
    });
  }

 private:
  int64_t batch_axis_ = 1;
  int64_t time_axis_ = 0;
};

}  // namespace

void register_reverse_sequence(KernelRegistry& r) {
  r.add_versions<ReverseSequence, AllTypes>("", "ReverseSequence", {10});
}

}  // namespace onyx
