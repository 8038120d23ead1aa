// MaxUnpool: scatters X into a zero tensor at the flat indices I produced by MaxPool (indices
// over the whole tensor, as MaxPool's Indices output). Indices address the inferred shape
// (in - 1) * stride + kernel - pad_begin - pad_end per spatial dim; when the `output_shape`
// input is given (it must be at least the inferred shape), the inferred block is placed at the
// origin of the larger output, as in ONNX's reference.
#include <cstring>
#include <vector>

#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

class MaxUnpool final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(kernel_, info.required_ints("kernel_shape"));
    ONYX_ASSIGN_OR_RETURN(strides_, info.attr_ints("strides"));
    ONYX_ASSIGN_OR_RETURN(pads_, info.attr_ints("pads"));
    const size_t r = kernel_.size();
    if (r == 0) return info.error(StatusCode::kInvalidArgument, "kernel_shape must not be empty");
    if (strides_.empty()) strides_.assign(r, 1);
    if (pads_.empty()) pads_.assign(2 * r, 0);
    if (strides_.size() != r || pads_.size() != 2 * r) {
      return info.error(StatusCode::kInvalidArgument, "strides must have ", r,
                        " values and pads ", 2 * r);
    }
    for (size_t d = 0; d < r; ++d) {
      if (kernel_[d] <= 0 || strides_[d] <= 0 || pads_[d] < 0 || pads_[d + r] < 0) {
        return info.error(StatusCode::kInvalidArgument,
                          "kernel_shape and strides must be positive, pads non-negative");
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* idx, ctx.required_input(1));
    const Tensor* out_shape_t = ctx.input(2);
    const size_t r = kernel_.size();
    if (x->rank() != r + 2) {
      return ctx.invalid_argument("X must have rank ", r + 2, " for a ", r,
                                  "-D kernel, got shape ", shape_to_string(x->shape()));
    }
    if (idx->dtype() != DataType::kInt64 || idx->shape() != x->shape()) {
      return ctx.invalid_argument("I must be int64 with X's shape ", shape_to_string(x->shape()),
                                  ", got ", data_type_name(idx->dtype()), " ",
                                  shape_to_string(idx->shape()));
    }
    Shape inferred{x->dim(0), x->dim(1)};
    for (size_t d = 0; d < r; ++d) {
      const int64_t v = (x->dim(d + 2) - 1) * strides_[d] + kernel_[d] - pads_[d] - pads_[d + r];
      if (v < 0) return ctx.invalid_argument("inferred output dim ", d, " is negative");
      inferred.push_back(v);
    }
    Shape out = inferred;
    if (out_shape_t != nullptr) {
      out.resize(2);
      if (out_shape_t->dtype() != DataType::kInt64 || out_shape_t->rank() != 1 ||
          out_shape_t->numel() != static_cast<int64_t>(r + 2)) {
        return ctx.invalid_argument("output_shape must be a 1-D int64 tensor of ", r + 2,
                                    " values, got ", shape_to_string(out_shape_t->shape()));
      }
      const int64_t* s = out_shape_t->data<int64_t>();
      if (s[0] != x->dim(0) || s[1] != x->dim(1)) {
        return ctx.invalid_argument("output_shape ", s[0], "x", s[1],
                                    " must keep X's batch and channel dims");
      }
      for (size_t d = 0; d < r; ++d) {
        if (s[d + 2] < inferred[d + 2]) {
          return ctx.invalid_argument("output_shape ", shape_to_string(Shape(s, s + r + 2)),
                                      " is smaller than the inferred shape ",
                                      shape_to_string(inferred));
        }
        out.push_back(s[d + 2]);
      }
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    const int64_t total = y.numel(), inferred_total = shape_numel(inferred);
    const int64_t* ip = idx->data<int64_t>();
    // Output flat position of each index (re-encoded from the inferred shape when they differ).
    std::vector<int64_t> pos(static_cast<size_t>(x->numel()));
    for (int64_t i = 0; i < x->numel(); ++i) {
      if (ip[i] < 0 || ip[i] >= inferred_total) {
        return ctx.invalid_argument("index ", ip[i], " at position ", i,
                                    " is out of range for shape ", shape_to_string(inferred));
      }
      int64_t p = ip[i];
      if (out != inferred) {
        int64_t rem = p, q = 0, mul = 1;
        for (size_t d = out.size(); d-- > 0;) {
          q += (rem % inferred[d]) * mul;
          rem /= inferred[d];
          mul *= out[d];
        }
        p = q;
      }
      pos[static_cast<size_t>(i)] = p;
    }
    return dispatch<TypeList<float, double, float16, bfloat16>>(
        x->dtype(), [&]<typename T>() -> Status {
          T* yp = y.data<T>();
          std::memset(static_cast<void*>(yp), 0, static_cast<size_t>(total) * sizeof(T));
          const T* xp = x->data<T>();
          for (int64_t i = 0; i < x->numel(); ++i) yp[pos[static_cast<size_t>(i)]] = xp[i];
          return Status::OK();
        });
  }

 private:
  std::vector<int64_t> kernel_, strides_, pads_;
};

}  // namespace

void register_max_unpool(KernelRegistry& r) {
  r.add_versions<MaxUnpool, TypeList<float, double, float16>>("", "MaxUnpool", {9, 11}, 21);
  r.add_versions<MaxUnpool, TypeList<float, double, float16, bfloat16>>("", "MaxUnpool", {22});
}

}  // namespace onyx
