// Trilu (upper/lower triangle of the last two dims, diagonal offset k) and EyeLike.
#include "ops/generator/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_int;

class Trilu final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(upper_, info.attr_int("upper", 1));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() < 2) return ctx.invalid_argument("input must have rank >= 2, got ", x->rank());
    int64_t k = 0;
    if (const Tensor* kt = ctx.input(1)) {
      auto kv = scalar_as_int(*kt, "k");
      if (!kv.ok()) return ctx.invalid_argument(kv.status().message());
      k = *kv;
    }
    const size_t r = x->rank();
    const int64_t rows = x->dim(r - 2), cols = x->dim(r - 1);
    const int64_t mats = rows * cols == 0 ? 0 : x->numel() / (rows * cols);
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    const bool upper = upper_ != 0;
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      for (int64_t m = 0; m < mats; ++m) {
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t j = 0; j < cols; ++j) {
            const int64_t at = (m * rows + i) * cols + j;
            // Compare in 128 bits: k may be any int64.
            const __int128 diff = static_cast<__int128>(j) - i;
            const bool keep = upper ? diff >= k : diff <= k;
            out[at] = keep ? in[at] : T{};
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  int64_t upper_ = 1;
};

// EyeLike: a 2-D tensor shaped like the input with ones on diagonal k, zeros elsewhere.
class EyeLike final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(k_, info.attr_int("k", 0));
    if (info.has_attr("dtype")) {
      ONYX_ASSIGN_OR_RETURN(int64_t code, info.required_int("dtype"));
      auto dt = data_type_from_onnx(static_cast<int32_t>(code));
      if (!dt || !TypeListTraits<NumericAndBoolTypes>::contains(*dt)) {
        return info.error(StatusCode::kInvalidGraph, "unsupported dtype ", code);
      }
      dtype_ = *dt;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() != 2) return ctx.invalid_argument("input must be 2-D, got rank ", x->rank());
    const DataType dt = dtype_ == DataType::kUndefined ? x->dtype() : dtype_;
    Tensor& y = ctx.allocate_output(0, dt, x->shape());
    const int64_t rows = x->dim(0), cols = x->dim(1);
    return dispatch<NumericAndBoolTypes>(dt, [&]<typename T>() {
      T* out = y.data<T>();
      for (int64_t i = 0; i < y.numel(); ++i) out[i] = T(0);
      for (int64_t i = 0; i < rows; ++i) {
        const __int128 j = static_cast<__int128>(i) + k_;
        if (j >= 0 && j < cols) out[i * cols + static_cast<int64_t>(j)] = T(1);
      }
      return Status::OK();
    });
  }

 private:
  int64_t k_ = 0;
  DataType dtype_ = DataType::kUndefined;
};

}  // namespace

void register_trilu(KernelRegistry& r) {
  r.add_versions<Trilu, AllTypes>("", "Trilu", {14});
  r.add_versions<EyeLike, NumericAndBoolTypes>("", "EyeLike", {9, 22});
}

}  // namespace onyx
