// STFT: short-time Fourier transform. The signal [batch, length, 1 | 2] is cut into frames of
// frame_length samples, frame_step apart (1 + (length - frame_length) / frame_step of them),
// each multiplied by the window and transformed; the output is
// [batch, frames, onesided ? frame_length / 2 + 1 : frame_length, 2]. Computed in double.
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

class Stft final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(onesided_, signal::attr_flag(info, "onesided", true));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* step_t, ctx.required_input(1));
    if (x->rank() != 3 || (x->dim(2) != 1 && x->dim(2) != 2)) {
      return ctx.invalid_argument("signal must be [batch, length, 1 | 2], got ",
                                  shape_to_string(x->shape()));
    }
    const bool complex_in = x->dim(2) == 2;
    if (complex_in && onesided_) {
      return ctx.invalid_argument("onesided STFT needs a real signal ([batch, length, 1])");
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t step, scalar_as_int(*step_t, "frame_step"));
    if (step < 1) return ctx.invalid_argument("frame_step must be at least 1, got ", step);

    const Tensor* window = ctx.input(2);
    if (window != nullptr) {
      if (window->rank() != 1) {
        return ctx.invalid_argument("window must be rank 1, got ",
                                    shape_to_string(window->shape()));
      }
      if (window->dtype() != x->dtype()) {
        return ctx.invalid_argument("window must have the signal's type ",
                                    data_type_name(x->dtype()), ", got ",
                                    data_type_name(window->dtype()));
      }
    }
    const int64_t length = x->dim(1);
    // Frame length: the input, else the window's length, else the whole signal.
    int64_t frame = window != nullptr ? window->dim(0) : length;
    if (ctx.has_input(3)) {
      ONYX_ASSIGN_OR_RETURN(frame, scalar_as_int(*ctx.input(3), "frame_length"));
      if (window != nullptr && window->dim(0) != frame) {
        return ctx.invalid_argument("window length ", window->dim(0), " differs from frame_length ",
                                    frame);
      }
    }
    if (frame < 1) return ctx.invalid_argument("frame_length must be at least 1, got ", frame);

    const int64_t frames = length >= frame ? 1 + (length - frame) / step : 0;
    const int64_t bins = onesided_ ? frame / 2 + 1 : frame;
    const int64_t batch = x->dim(0);
    Tensor& y = ctx.allocate_output(0, x->dtype(), {batch, frames, bins, 2});
    if (y.numel() == 0) return Status::OK();

    const signal::FftPlan plan(frame);
    const int64_t c_in = x->dim(2);
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      const T* w = window != nullptr ? window->data<T>() : nullptr;
      T* out = y.data<T>();
      parallel_for(ctx.pool(), batch * frames, 1, [&](int64_t begin, int64_t end) {
        std::vector<cdouble> buf(static_cast<size_t>(frame));
        for (int64_t s = begin; s < end; ++s) {
          const int64_t b = s / frames, f = s % frames;
          for (int64_t k = 0; k < frame; ++k) {
            const T* e = in + (b * length + f * step + k) * c_in;
            const double wk = w != nullptr ? signal::to_double(w[k]) : 1.0;
            buf[static_cast<size_t>(k)] =
                cdouble(signal::to_double(e[0]), complex_in ? signal::to_double(e[1]) : 0.0) * wk;
          }
          plan.transform(buf.data(), /*inverse=*/false);
          T* o = out + s * bins * 2;
          for (int64_t k = 0; k < bins; ++k) {
            o[2 * k] = signal::from_double<T>(buf[static_cast<size_t>(k)].real());
            o[2 * k + 1] = signal::from_double<T>(buf[static_cast<size_t>(k)].imag());
          }
        }
      });
      return Status::OK();
    });
  }

 private:
  bool onesided_ = true;
};

}  // namespace

void register_stft(KernelRegistry& r) {
  r.add_versions<Stft, FloatTypes>("", "STFT", {17});
}

}  // namespace onyx
