// MelWeightMatrix: a [dft_length / 2 + 1, num_mel_bins] matrix of triangular filters, evenly
// spaced on the mel scale mel(f) = 2595 log10(1 + f / 700) between lower_edge_hertz and
// upper_edge_hertz, each peaking at 1. Right-multiplying a linear spectrogram by it gives a mel
// spectrogram.
//
// The filter edges follow the ONNX reference (and so the conformance data) exactly:
// num_mel_bins + 2 edge points, spaced (mel_high - mel_low) / (num_mel_bins + 2) apart (one
// step more than fills the range, so the last edge falls short of upper_edge_hertz), each
// snapped to spectrogram bin floor((dft_length + 1) * f / sample_rate). Filter i rises over bins
// [edge i, edge i+1] and falls over [edge i+1, edge i+2); a filter whose rising edge is empty is
// a single 1 at its centre.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/generator/values.h"
#include "ops/registry.h"
#include "ops/signal/signal_util.h"

namespace onyx {
namespace {

using generator_detail::scalar_as_double;
using generator_detail::scalar_as_int;

class MelWeightMatrix final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(dtype_, signal::output_datatype(info));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    const Tensor* in[5];
    for (size_t i = 0; i < 5; ++i) {
      ONYX_ASSIGN_OR_RETURN(in[i], ctx.required_input(i));
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t num_mel_bins, scalar_as_int(*in[0], "num_mel_bins"));
    ONYX_ASSIGN_OR_RETURN(const int64_t dft_length, scalar_as_int(*in[1], "dft_length"));
    ONYX_ASSIGN_OR_RETURN(const int64_t sample_rate, scalar_as_int(*in[2], "sample_rate"));
    ONYX_ASSIGN_OR_RETURN(const double lower_hz, scalar_as_double(*in[3], "lower_edge_hertz"));
    ONYX_ASSIGN_OR_RETURN(const double upper_hz, scalar_as_double(*in[4], "upper_edge_hertz"));
    if (num_mel_bins < 0) {
      return ctx.invalid_argument("num_mel_bins must not be negative, got ", num_mel_bins);
    }
    if (dft_length < 1) return ctx.invalid_argument("dft_length must be at least 1");
    if (sample_rate < 1) return ctx.invalid_argument("sample_rate must be at least 1");
    if (!(lower_hz >= 0) || !(upper_hz > lower_hz) || !std::isfinite(upper_hz)) {
      return ctx.invalid_argument("need 0 <= lower_edge_hertz < upper_edge_hertz, got ", lower_hz,
                                  " and ", upper_hz);
    }
    const int64_t spectrum_bins = dft_length / 2 + 1;
    Tensor& y = ctx.allocate_output(0, dtype_, {spectrum_bins, num_mel_bins});
    if (y.numel() == 0) return Status::OK();

    const auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    const double mel_low = mel(lower_hz);
    const double mel_step = (mel(upper_hz) - mel_low) / static_cast<double>(num_mel_bins + 2);
    std::vector<int64_t> edge(static_cast<size_t>(num_mel_bins + 2));
    for (int64_t i = 0; i < num_mel_bins + 2; ++i) {
      const double hz =
          700.0 * (std::pow(10.0, (mel_low + static_cast<double>(i) * mel_step) / 2595.0) - 1.0);
      const double bin =
          std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate));
      // Edges far past the spectrum only shape slopes outside it; bounding them keeps the
      // integer arithmetic below exact.
      edge[static_cast<size_t>(i)] = static_cast<int64_t>(std::min(bin, 4.0e15));
    }

    std::vector<double> w(static_cast<size_t>(spectrum_bins * num_mel_bins), 0.0);
    const auto set = [&](int64_t bin, int64_t filter, double v) {
      if (bin >= 0 && bin < spectrum_bins) w[static_cast<size_t>(bin * num_mel_bins + filter)] = v;
    };
    for (int64_t i = 0; i < num_mel_bins; ++i) {
      const int64_t lo = edge[static_cast<size_t>(i)];
      const int64_t mid = edge[static_cast<size_t>(i + 1)];
      const int64_t hi = edge[static_cast<size_t>(i + 2)];
      if (mid == lo) {
        set(mid, i, 1.0);
      } else {
        for (int64_t j = std::max<int64_t>(lo, 0); j <= std::min(mid, spectrum_bins - 1); ++j) {
          set(j, i, static_cast<double>(j - lo) / static_cast<double>(mid - lo));
        }
      }
      for (int64_t j = std::max<int64_t>(mid, 0); j < std::min(hi, spectrum_bins); ++j) {
        set(j, i, static_cast<double>(hi - j) / static_cast<double>(hi - mid));
      }
    }
    return dispatch<signal::GeneratedTypes>(dtype_, [&]<typename T>() -> Status {
      T* out = y.data<T>();
      for (size_t k = 0; k < w.size(); ++k) out[k] = signal::from_double<T>(w[k]);
      return Status::OK();
    });
  }

 private:
  DataType dtype_ = DataType::kFloat;
};

}  // namespace

void register_mel_weight_matrix(KernelRegistry& r) {
  // Input 0 (num_mel_bins) carries T1, the integer type of the three counts.
  r.add_versions<MelWeightMatrix, TypeList<int32_t, int64_t>>("", "MelWeightMatrix", {17});
}

}  // namespace onyx
