// The signal family's FFT against the O(n^2) definition, over lengths that take each path:
// 1, primes (direct butterflies), powers of two (radix 4/2), mixed radices, and lengths with a
// prime factor above 64 (Bluestein).
#include "ops/signal/fft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace onyx::signal {
namespace {

std::vector<cdouble> random_signal(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> d(-1, 1);
  std::vector<cdouble> x(static_cast<size_t>(n));
  for (auto& v : x) v = {d(rng), d(rng)};
  return x;
}

// Largest |fft - naive| relative to the largest |naive|.
double relative_error(int64_t n, bool inverse) {
  const std::vector<cdouble> x = random_signal(n, static_cast<unsigned>(n));
  std::vector<cdouble> ref(x.size());
  naive_dft(x.data(), ref.data(), n, inverse);
  std::vector<cdouble> y = x;
  FftPlan(n).transform(y.data(), inverse);
  double err = 0, scale = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    err = std::max(err, std::abs(y[k] - ref[k]));
    scale = std::max(scale, std::abs(ref[k]));
  }
  return scale > 0 ? err / scale : err;
}

TEST(SignalFft, MatchesNaiveDftOverManyLengths) {
  for (int64_t n :
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 25, 27, 45, 49, 61, 64, 100, 120, 243, 256, 1000}) {
    EXPECT_FALSE(FftPlan(n).uses_bluestein()) << n;
    EXPECT_LT(relative_error(n, false), 1e-13) << "forward n=" << n;
    EXPECT_LT(relative_error(n, true), 1e-13) << "inverse n=" << n;
  }
}

TEST(SignalFft, BluesteinForLargePrimeFactors) {
  for (int64_t n : {67, 101, 134, 202, 1009}) {
    EXPECT_TRUE(FftPlan(n).uses_bluestein()) << n;
    EXPECT_LT(relative_error(n, false), 1e-13) << "forward n=" << n;
    EXPECT_LT(relative_error(n, true), 1e-13) << "inverse n=" << n;
  }
}

TEST(SignalFft, KnownTransforms) {
  // An impulse has a flat spectrum; a constant has all its energy at DC.
  std::vector<cdouble> impulse(5, cdouble(0, 0));
  impulse[0] = 1;
  FftPlan(5).transform(impulse.data(), false);
  for (const cdouble& v : impulse) EXPECT_NEAR(std::abs(v - cdouble(1, 0)), 0, 1e-15);
  std::vector<cdouble> ones(12, cdouble(1, 0));
  FftPlan(12).transform(ones.data(), false);
  EXPECT_NEAR(std::abs(ones[0] - cdouble(12, 0)), 0, 1e-14);
  for (size_t k = 1; k < ones.size(); ++k) EXPECT_NEAR(std::abs(ones[k]), 0, 1e-14) << k;
  // exp(2 pi i 3 j / 7) lands on bin 3 alone (forward sign convention exp(-2 pi i jk/n)).
  std::vector<cdouble> tone(7);
  for (int j = 0; j < 7; ++j) tone[j] = std::polar(1.0, 2 * M_PI * 3 * j / 7);
  FftPlan(7).transform(tone.data(), false);
  for (int k = 0; k < 7; ++k) EXPECT_NEAR(std::abs(tone[k]), k == 3 ? 7.0 : 0.0, 1e-13) << k;
}

TEST(SignalFft, InverseUndoesForwardUpToScale) {
  for (int64_t n : {10, 67, 96}) {
    const std::vector<cdouble> x = random_signal(n, 7);
    std::vector<cdouble> y = x;
    FftPlan plan(n);
    plan.transform(y.data(), false);
    plan.transform(y.data(), true);
    for (size_t k = 0; k < x.size(); ++k) {
      EXPECT_NEAR(std::abs(y[k] / static_cast<double>(n) - x[k]), 0, 1e-14) << n << " " << k;
    }
  }
}

}  // namespace
}  // namespace onyx::signal
