// HannWindow, HammingWindow, BlackmanWindow: generalized cosine windows
//   w[k] = a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N),  k < size,
// with N = size for a periodic window (the default: the first `size` points of a symmetric
// window of size + 1) and N = size - 1 for a symmetric one. The output type is the
// `output_datatype` attribute (float by default); values are computed in double.
#include <cmath>
#include <numbers>

#include "ops/generator/values.h"
#include "ops/registry.h"
#include "ops/signal/signal_util.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_int;

struct CosineCoefficients {
  double a0, a1, a2;
};

// Hann: 0.5 / 0.5. Hamming: 25/46 and 21/46 (the exact form of 0.54 / 0.46 that zeroes the
// first side lobe), as the ONNX spec and reference use. Blackman: 0.42 / 0.5 / 0.08.
constexpr CosineCoefficients kHann{0.5, 0.5, 0.0};
constexpr CosineCoefficients kHamming{25.0 / 46.0, 21.0 / 46.0, 0.0};
constexpr CosineCoefficients kBlackman{0.42, 0.5, 0.08};

template <const CosineCoefficients& C>
class CosineWindow final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(periodic_, signal::attr_flag(info, "periodic", true));
    ONYX_ASSIGN_OR_RETURN(dtype_, signal::output_datatype(info));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* size_t_, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const int64_t size, scalar_as_int(*size_t_, "size"));
    if (size < 0) return ctx.invalid_argument("size must not be negative, got ", size);
    Tensor& y = ctx.allocate_output(0, dtype_, {size});
    const int64_t period = periodic_ ? size : size - 1;
    return dispatch<signal::GeneratedTypes>(dtype_, [&]<typename T>() -> Status {
      T* out = y.data<T>();
      for (int64_t k = 0; k < size; ++k) {
        // A symmetric window of one point has no period; it is the window's peak, 1.
        double v = 1.0;
        if (period > 0) {
          const double a =
              2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(period);
          v = C.a0 - C.a1 * std::cos(a) + C.a2 * std::cos(2.0 * a);
        }
        out[k] = signal::from_double<T>(v);
      }
      return Status::OK();
    });
  }

 private:
  bool periodic_ = true;
  DataType dtype_ = DataType::kFloat;
};

using IndexTypes = TypeList<int32_t, int64_t>;

}  // namespace

void register_window(KernelRegistry& r) {
  r.add_versions<CosineWindow<kHann>, IndexTypes>("", "HannWindow", {17});
  r.add_versions<CosineWindow<kHamming>, IndexTypes>("", "HammingWindow", {17});
  r.add_versions<CosineWindow<kBlackman>, IndexTypes>("", "BlackmanWindow", {17});
}

}  // namespace onyx
