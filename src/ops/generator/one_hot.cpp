// OneHot: indices -> one-hot encoding along a new axis of size `depth`.
#include <cmath>

#include "ops/common/axes.h"
#include "ops/generator/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_double;

class OneHot final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", -1));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* indices, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* depth_t, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* values, ctx.required_input(2));
    ONYX_ASSIGN_OR_RETURN(double depth_d, scalar_as_double(*depth_t, "depth"));
    if (!(depth_d >= 1) || depth_d > 9.0e18) {
      return ctx.invalid_argument("depth must be positive, got ", depth_d);
    }
    const int64_t depth = static_cast<int64_t>(depth_d);
    if (values->numel() != 2) {
      return ctx.invalid_argument("values must hold 2 elements [off, on], got ", values->numel());
    }
    const int64_t rank = static_cast<int64_t>(indices->rank());
    auto axis = normalize_axis(axis_, rank + 1);
    if (!axis.ok()) return ctx.invalid_argument(axis.status().message());
    Shape out_shape = indices->shape();
    out_shape.insert(out_shape.begin() + *axis, depth);
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < *axis; ++i) outer *= indices->dim(i);
    for (int64_t i = *axis; i < rank; ++i) inner *= indices->dim(i);

    // Indices as int64 (float indices are truncated, as casting would).
    std::vector<int64_t> idx(static_cast<size_t>(indices->numel()));
    ONYX_RETURN_IF_ERROR(dispatch<NumericTypes>(indices->dtype(), [&]<typename I>() {
      const I* p = indices->data<I>();
      for (size_t i = 0; i < idx.size(); ++i) {
        const double v = static_cast<double>(static_cast<compute_t<I>>(p[i]));
        // Out-of-range (including NaN) indices give an all-off row.
        idx[i] = (v >= -static_cast<double>(depth) && v < static_cast<double>(depth))
                     ? static_cast<int64_t>(v)
                     : depth;
      }
      return Status::OK();
    }));

    Tensor& out = ctx.allocate_output(0, values->dtype(), out_shape);
    return dispatch<AllTypes>(values->dtype(), [&]<typename T>() {
      const T off = values->data<T>()[0];
      const T on = values->data<T>()[1];
      T* o = out.data<T>();
      for (int64_t i = 0; i < out.numel(); ++i) o[i] = off;
      for (int64_t a = 0; a < outer; ++a) {
        for (int64_t b = 0; b < inner; ++b) {
          int64_t k = idx[static_cast<size_t>(a * inner + b)];
          if (k < 0) k += depth;
          if (k < 0 || k >= depth) continue;
          o[(a * depth + k) * inner + b] = on;
        }
      }
      return Status::OK();
    });
  }

 private:
  int64_t axis_ = -1;
};

}  // namespace

void register_one_hot(KernelRegistry& r) {
  // Kernel selection goes by the values' type (input 2); indices and depth may be any numeric.
  r.add_versions<OneHot, AllTypes>("", "OneHot", {9, 11}, kMaxOnnxOpset, /*type_input=*/2);
}

}  // namespace onyx
