// simd_math.h's exp_nonpositive in every ISA copy against double-precision exp: a dense sweep of
// [-87.3, 0] within 3 ulp-sized relative error, and the edges (0, the flush-to-zero range,
// -inf, NaN).
#include "ops/common/simd_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace onyx::simd {
namespace {

class SimdMath : public ::testing::Test {
 protected:
  void TearDown() override { set_simd_limit_for_testing(Isa::kAvx512); }
};

std::vector<float> exp_of(const std::vector<float>& x) {
  std::vector<float> y(x.size(), -1.f);
  with_widest_simd([&]() ONYX_SIMD_BODY {
    for (size_t i = 0; i + 16 <= x.size(); i += 16) {
      store<16>(y.data() + i, exp_nonpositive<16>(load<16>(x.data() + i)));
    }
  });
  return y;
}

TEST_F(SimdMath, ExpNonpositiveMatchesDoubleExp) {
  std::vector<float> x;
  for (int i = 0; i <= 87330 * 4; ++i) x.push_back(-static_cast<float>(i) / 4000.f);
  while (x.size() % 16 != 0) x.push_back(0.f);
  for (Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    set_simd_limit_for_testing(isa);
    const std::vector<float> y = exp_of(x);
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::exp(static_cast<double>(x[i]));
      worst = std::max(worst, std::abs(y[i] - want) / want);
    }
    EXPECT_LT(worst, 3.6e-7) << isa_name(isa);  // 3 float ulps at 1
  }
}

TEST_F(SimdMath, ExpNonpositiveEdges) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> x = {0.f, -0.f, -87.3f, -87.34f, -88.f, -100.f, -1e30f, -kInf, nan,
                          -1e-30f, -0.5f, -1.f, -2.f, -10.f, -50.f, -3.4e38f};
  for (Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    set_simd_limit_for_testing(isa);
    const std::vector<float> y = exp_of(x);
    EXPECT_EQ(y[0], 1.f) << isa_name(isa);
    EXPECT_EQ(y[1], 1.f) << isa_name(isa);
    EXPECT_NEAR(y[2], std::exp(static_cast<double>(x[2])), 3.6e-7 * std::exp(static_cast<double>(x[2]))) << isa_name(isa);
    EXPECT_GE(y[2], std::numeric_limits<float>::min()) << isa_name(isa);  // still normal
    for (int i = 3; i <= 7; ++i) EXPECT_EQ(y[i], 0.f) << isa_name(isa) << " x=" << x[i];
    EXPECT_TRUE(std::isnan(y[8])) << isa_name(isa);
    EXPECT_EQ(y[9], 1.f) << isa_name(isa);
    EXPECT_EQ(y[15], 0.f) << isa_name(isa);
    for (int i = 10; i <= 14; ++i) {
      EXPECT_NEAR(y[i], std::exp(static_cast<double>(x[i])), 3.6e-7 * std::exp(x[i]))
          << isa_name(isa) << " x=" << x[i];
    }
  }
}

}  // namespace
}  // namespace onyx::simd
