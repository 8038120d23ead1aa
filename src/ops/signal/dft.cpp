// DFT: the discrete Fourier transform along one axis of a real ([..., 1]) or complex
// ([..., 2]) signal.
//
// Opset 17 takes the axis as an attribute (default 1), opset 20 as an optional int64 scalar
// input (default -2, the last signal axis); the math is the same. `onesided` with a forward
// transform returns the floor(n/2) + 1 non-redundant bins of a real signal (RFFT); with
// `inverse` it reads those bins of a Hermitian spectrum and returns the real signal (IRFFT,
// default length 2 * (bins - 1)), as the v17 and v20 specs both describe since ONNX 1.16.
// `dft_length` crops or zero-pads the input along the axis. Computed in double.
#include <algorithm>
#include <vector>

#include "ops/generator/values.h"
#include "ops/registry.h"
#include "ops/signal/fft.h"
#include "ops/signal/signal_util.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_int;
using signal::cdouble;

class Dft final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(inverse_, signal::attr_flag(info, "inverse", false));
    ONYX_ASSIGN_OR_RETURN(onesided_, signal::attr_flag(info, "onesided", false));
    axis_from_input_ = info.opset() >= 20;
    if (!axis_from_input_) {
      ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 1));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const auto rank = static_cast<int64_t>(x->rank());
    if (rank < 2 || (x->dim(rank - 1) != 1 && x->dim(rank - 1) != 2)) {
      return ctx.invalid_argument("input must be [..., 1] (real) or [..., 2] (complex), got ",
                                  shape_to_string(x->shape()));
    }
    const bool complex_in = x->dim(rank - 1) == 2;
    int64_t axis = axis_;
    if (axis_from_input_ && ctx.has_input(2)) {
      ONYX_ASSIGN_OR_RETURN(axis, scalar_as_int(*ctx.input(2), "axis"));
    } else if (axis_from_input_) {
      axis = -2;
    }
    // The last dimension holds the real/imaginary parts and is not a signal axis.
    if (axis < -rank || axis > rank - 2 || axis == -1) {
      return ctx.invalid_argument("axis ", axis, " is out of range for input rank ", rank,
                                  " (accepted: [", -rank, ", -2] and [0, ", rank - 2, "])");
    }
    if (axis < 0) axis += rank;

    const bool irfft = onesided_ && inverse_;
    if (onesided_ && !inverse_ && complex_in) {
      return ctx.invalid_argument("onesided forward DFT needs a real input ([..., 1])");
    }
    const int64_t n_in = x->dim(axis);
    int64_t n = irfft ? 2 * (n_in - 1) : n_in;
    if (ctx.has_input(1)) {
      ONYX_ASSIGN_OR_RETURN(n, scalar_as_int(*ctx.input(1), "dft_length"));
    }
    if (n < 1) return ctx.invalid_argument("dft_length must be at least 1, got ", n);

    // Output: the axis becomes the transform's length (or its bins), the last dim 2 (or 1 for
    // the real IRFFT result).
    const int64_t n_out = onesided_ && !inverse_ ? n / 2 + 1 : n;
    Shape out_shape = x->shape();
    out_shape[static_cast<size_t>(axis)] = n_out;
    out_shape.back() = irfft ? 1 : 2;
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();

    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x->dim(d);
    for (int64_t d = axis + 1; d < rank - 1; ++d) inner *= x->dim(d);
    // Input points used: IRFFT reads the n/2 + 1 bins of the half spectrum.
    const int64_t n_read = std::min(n_in, irfft ? n / 2 + 1 : n);
    const int64_t c_in = x->dim(rank - 1);
    const int64_t c_out = irfft ? 1 : 2;
    const signal::FftPlan plan(n);
    const double scale = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;

    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      parallel_for(ctx.pool(), outer * inner, 1, [&](int64_t begin, int64_t end) {
        std::vector<cdouble> buf(static_cast<size_t>(n));
        for (int64_t s = begin; s < end; ++s) {
          const int64_t o = s / inner, i = s % inner;
          std::fill(buf.begin(), buf.end(), cdouble(0, 0));
          for (int64_t k = 0; k < n_read; ++k) {
            const T* e = in + ((o * n_in + k) * inner + i) * c_in;
            buf[static_cast<size_t>(k)] =
                cdouble(signal::to_double(e[0]), complex_in ? signal::to_double(e[1]) : 0.0);
          }
          if (irfft) {
            // Rebuild the full Hermitian spectrum X[n - k] = conj(X[k]); the imaginary parts
            // of the DC and (even n) Nyquist bins cannot be represented in a real signal and
            // are dropped, as numpy.fft.irfft does.
            buf[0].imag(0);
            if (n % 2 == 0) buf[static_cast<size_t>(n / 2)].imag(0);
            for (int64_t k = n / 2 + 1; k < n; ++k) {
              buf[static_cast<size_t>(k)] = std::conj(buf[static_cast<size_t>(n - k)]);
            }
          }
          plan.transform(buf.data(), inverse_);
          for (int64_t k = 0; k < n_out; ++k) {
            T* e = out + ((o * n_out + k) * inner + i) * c_out;
            const cdouble v = buf[static_cast<size_t>(k)] * scale;
            e[0] = signal::from_double<T>(v.real());
            if (c_out == 2) e[1] = signal::from_double<T>(v.imag());
          }
        }
      });
      return Status::OK();
    });
  }

 private:
  bool inverse_ = false;
  bool onesided_ = false;
  bool axis_from_input_ = false;
  int64_t axis_ = 1;
};

}  // namespace

void register_dft(KernelRegistry& r) {
  r.add_versions<Dft, FloatTypes>("", "DFT", {17, 20});
}

}  // namespace onyx
