// The oneDNN fast paths (ops/common/dnnl_eltwise.h) against the plain formulas the reference
// kernels use, over a range wide enough to reach the saturated and tiny regions.
#include "ops/common/dnnl_eltwise.h"

#include "ops/common/simd_eltwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace onyx::dnnl_ops {
namespace {

std::vector<float> sample(int64_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = u(rng);
  v[0] = 0.f;
  v[1] = lo;
  v[2] = hi;
  return v;
}

void expect_matches(Eltwise f, float alpha, float lo, float hi,
                    const std::function<double(double)>& ref, double rtol, double atol) {
  const int64_t n = 3 * kMinElements + 7;  // not a multiple of any vector width
  const std::vector<float> x = sample(n, lo, hi, 5);
  std::vector<float> y(x.size());
  ThreadPool pool(2);
  ASSERT_TRUE(eltwise(f, alpha, x.data(), y.data(), n, &pool));
  int bad = 0;
  for (int64_t i = 0; i < n && bad < 5; ++i) {
    const double want = ref(x[i]);
    if (std::abs(y[i] - want) > atol + rtol * std::abs(want)) {
      ADD_FAILURE() << "f(" << x[i] << ") = " << y[i] << ", want " << want;
      ++bad;
    }
  }
}

// Both backends: oneDNN's kernels and, for the functions it has, simd_eltwise's.
class DnnlEltwiseBackends : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { simd_eltwise::set_own_eltwise_preferred_for_testing(GetParam()); }
  void TearDown() override { simd_eltwise::set_own_eltwise_preferred_for_testing(preferred_); }
  bool preferred_ = simd_eltwise::own_eltwise_preferred();
};

INSTANTIATE_TEST_SUITE_P(OwnKernels, DnnlEltwiseBackends, ::testing::Bool());

TEST_P(DnnlEltwiseBackends, MatchesTheReferenceFormulas) {
  expect_matches(Eltwise::kSwish, 0, -30, 30, [](double x) { return x / (1 + std::exp(-x)); },
                 1e-5, 1e-7);
  expect_matches(Eltwise::kExp, 0, -80, 80, [](double x) { return std::exp(x); }, 1e-6, 1e-37);
  expect_matches(Eltwise::kLog, 0, 1e-6f, 1e6f, [](double x) { return std::log(x); }, 1e-6, 1e-6);
  expect_matches(Eltwise::kSqrt, 0, 0, 1e6f, [](double x) { return std::sqrt(x); }, 1e-6, 0);
  expect_matches(Eltwise::kTanh, 0, -20, 20, [](double x) { return std::tanh(x); }, 1e-5, 1e-6);
  expect_matches(Eltwise::kLogistic, 0, -30, 30, [](double x) { return 1 / (1 + std::exp(-x)); },
                 1e-5, 1e-7);
  expect_matches(Eltwise::kGeluErf, 0, -10, 10,
                 [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, 1e-5, 1e-6);
  expect_matches(
      Eltwise::kGeluTanh, 0, -10, 10,
      [](double x) {
        return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
      },
      1e-5, 1e-6);
  expect_matches(Eltwise::kElu, 0.7f, -20, 20,
                 [](double x) { return x < 0 ? 0.7 * std::expm1(x) : x; }, 1e-5, 1e-6);
  expect_matches(Eltwise::kMish, 0, -20, 20,
                 [](double x) { return x * std::tanh(std::log1p(std::exp(x))); }, 1e-4, 1e-6);
}

TEST(DnnlEltwise, SmallTensorsAreLeftToTheReferenceLoop) {
  float x[4] = {1, 2, 3, 4}, y[4] = {};
  EXPECT_FALSE(eltwise(Eltwise::kExp, 0, x, y, 4, nullptr));
  EXPECT_FALSE(softmax(false, x, y, 1, 4, 1, nullptr));
}

TEST(DnnlSoftmax, MatchesTheFormulaAlongTheMiddleAxis) {
  const int64_t outer = 3, n = 50, inner = 40;
  const std::vector<float> x = sample(outer * n * inner, -30, 30, 9);
  for (bool log : {false, true}) {
    std::vector<float> y(x.size());
    ASSERT_TRUE(softmax(log, x.data(), y.data(), outer, n, inner, nullptr));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        double mx = -INFINITY, sum = 0;
        for (int64_t k = 0; k < n; ++k) mx = std::max<double>(mx, x[(o * n + k) * inner + i]);
        for (int64_t k = 0; k < n; ++k) sum += std::exp(x[(o * n + k) * inner + i] - mx);
        for (int64_t k = 0; k < n; ++k) {
          const size_t at = static_cast<size_t>((o * n + k) * inner + i);
          const double d = x[at] - mx;
          const double want = log ? d - std::log(sum) : std::exp(d) / sum;
          ASSERT_NEAR(y[at], want, 1e-6 + 1e-5 * std::abs(want)) << "log " << log << " at " << at;
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyx::dnnl_ops
