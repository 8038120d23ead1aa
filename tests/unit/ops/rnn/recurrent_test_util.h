// Helpers shared by the LSTM and GRU fast-path tests: random weights, the batch-major <->
// time-major shuffle, and the comparison against the double-precision formulas.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace onyx::test {

inline double sigm(double v) { return 1 / (1 + std::exp(-v)); }

inline std::vector<float> uniform(std::mt19937& rng, size_t n, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

// [n1, n2, H] -> [n2, n1, H]
inline std::vector<float> swap01(const std::vector<float>& v, int64_t n1, int64_t n2, int64_t H) {
  std::vector<float> out(v.size());
  for (int64_t i = 0; i < n1; ++i) {
    for (int64_t j = 0; j < n2; ++j) std::copy_n(v.data() + (i * n2 + j) * H, H, out.data() + (j * n1 + i) * H);
  }
  return out;
}

inline void expect_close_to(const float* got, size_t n, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(n, want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::abs(want[i]))) << what << " at " << i;
  }
}

}  // namespace onyx::test
