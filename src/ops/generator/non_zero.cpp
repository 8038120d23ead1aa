// NonZero: indices of the non-zero elements, as a [rank, count] int64 tensor (row-major order).
#include "ops/registry.h"

namespace onyx {
namespace {

template <typename T>
bool is_nonzero(const T& v) {
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    return static_cast<float>(v) != 0.f;  // -0 is zero, NaN is non-zero
  } else {
    return v != T(0);
  }
}

class NonZero final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return dispatch<NumericAndBoolTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      const int64_t n = x->numel();
      int64_t count = 0;
      for (int64_t i = 0; i < n; ++i) count += is_nonzero(in[i]) ? 1 : 0;
      // A scalar is treated as 1-D of one element (numpy's behaviour): shape [1, count].
      const Shape& shape = x->shape();
      const size_t rank = shape.empty() ? 1 : shape.size();
      Tensor& out = ctx.allocate_output(0, DataType::kInt64, {static_cast<int64_t>(rank), count});
      int64_t* o = out.data<int64_t>();
      if (shape.empty()) {
        if (count == 1) o[0] = 0;
        return Status::OK();
      }
      std::vector<int64_t> counter(rank, 0);
      int64_t j = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (is_nonzero(in[i])) {
          for (size_t d = 0; d < rank; ++d) o[static_cast<int64_t>(d) * count + j] = counter[d];
          ++j;
        }
        for (size_t d = rank; d-- > 0;) {
          if (++counter[d] < shape[d]) break;
          counter[d] = 0;
        }
      }
      return Status::OK();
    });
  }
};

}  // namespace

void register_non_zero(KernelRegistry& r) {
  r.add_versions<NonZero, NumericAndBoolTypes>("", "NonZero", {9, 13});
}

}  // namespace onyx
