// Compress: keeps the slices of the input along `axis` (or the elements of the flattened input
// when no axis is given) whose entry in the 1-D bool `condition` is true. A condition shorter
// than the axis drops the remaining slices; entries past the end of the axis must be false.
#include <optional>
#include <vector>

#include "ops/common/axes.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class Compress final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_optional_int("axis"));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* cond, ctx.required_input(1));
    if (cond->dtype() != DataType::kBool) {
      return ctx.invalid_argument("condition must be bool, got ", data_type_name(cond->dtype()));
    }
    if (cond->rank() != 1) {
      return ctx.invalid_argument("condition must be 1-D, got shape ",
                                  shape_to_string(cond->shape()));
    }
    int64_t outer = 1, n = x->numel(), inner = 1, axis = 0;
    if (axis_) {
      auto a = normalize_axis(*axis_, static_cast<int64_t>(x->rank()));
      if (!a.ok()) return ctx.invalid_argument(a.status().message());
      axis = *a;
      n = x->dim(static_cast<size_t>(axis));
      for (int64_t i = 0; i < axis; ++i) outer *= x->dim(static_cast<size_t>(i));
      for (size_t i = static_cast<size_t>(axis) + 1; i < x->rank(); ++i) inner *= x->dim(i);
    }
    const bool* c = cond->data<bool>();
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < cond->numel(); ++i) {
      if (!c[i]) continue;
      if (i >= n) {
        return ctx.invalid_argument("condition selects index ", i, " past the axis length ", n);
      }
      kept.push_back(i);
    }
    const int64_t m = static_cast<int64_t>(kept.size());
    Shape y_shape = axis_ ? x->shape() : Shape{m};
    if (axis_) y_shape[static_cast<size_t>(axis)] = m;
    Tensor& y = ctx.allocate_output(0, x->dtype(), y_shape);
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < m; ++j) {
          const T* src = in + (o * n + kept[static_cast<size_t>(j)]) * inner;
          T* dst = out + (o * m + j) * inner;
          for (int64_t k = 0; k < inner; ++k) dst[k] = src[k];
        }
      }
      return Status::OK();
    });
  }

 private:
  std::optional<int64_t> axis_;
};

}  // namespace

void register_compress(KernelRegistry& r) {
  r.add_versions<Compress, AllTypes>("", "Compress", {9, 11});
}

}  // namespace onyx
