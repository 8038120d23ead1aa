// A complex FFT of any length, in double precision, for the signal kernels (DFT, STFT).
//
// Lengths whose prime factors are all small take a mixed-radix Cooley-Tukey transform
// (radix 4 and 2 specialised, other primes by a direct butterfly); a length with a large prime
// factor takes Bluestein's algorithm, a convolution done with a power-of-two transform. Both
// are O(n log n). Everything is double because the conformance data are float32 roundings of
// exact transforms: float accumulation over hundreds of points would miss rtol 1e-3 on the
// small outputs.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace onyx::signal {

using cdouble = std::complex<double>;

// A transform of one length, planned once (twiddles, factors, Bluestein chirp) and then
// reusable: transform() is const and keeps its scratch on the stack of the caller, so one plan
// may serve several threads.
class FftPlan {
 public:
  // n >= 1. Allocates O(n) (Bluestein: O(4n)) doubles.
  explicit FftPlan(int64_t n);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  int64_t size() const { return n_; }
  // Whether the length goes through Bluestein's algorithm (for tests).
  bool uses_bluestein() const { return inner_ != nullptr; }

  // In place: data[k] <- sum_j data[j] * exp(-+2 pi i j k / n), the sign + when `inverse`.
  // Unscaled in both directions (the inverse DFT's 1/n is the caller's).
  void transform(cdouble* data, bool inverse) const;

 private:
  void forward(cdouble* data) const;
  void mixed_radix(const cdouble* in, int64_t stride, cdouble* out, int64_t n, size_t level,
                   int64_t tw_step, cdouble* scratch) const;
  void bluestein(cdouble* data) const;

  int64_t n_ = 0;
  std::vector<int64_t> radices_;  // mixed radix: product is n_, outermost first
  int64_t max_radix_ = 1;
  std::vector<cdouble> twiddles_;  // exp(-2 pi i k / n_), k < n_
  // Bluestein: chirp_[k] = exp(-pi i k^2 / n_), and the spectrum of the conjugate chirp laid
  // out circularly over inner_'s length.
  std::unique_ptr<FftPlan> inner_;
  std::vector<cdouble> chirp_;
  std::vector<cdouble> chirp_spectrum_;
};

// The O(n^2) definition, the reference the FFT is tested against.
void naive_dft(const cdouble* in, cdouble* out, int64_t n, bool inverse);

}  // namespace onyx::signal
