// Run-time SIMD dispatch (ops/common/simd_dispatch.h): the limit caps the copy that runs, and a
// body compiled for each ISA computes the same values.
#include "ops/common/simd_dispatch.h"

#include <gtest/gtest.h>

#include <vector>

namespace onyx::simd {
namespace {

class SimdLimit : public ::testing::Test {
 protected:
  void TearDown() override { set_simd_limit_for_testing(Isa::kAvx512); }
};

TEST_F(SimdLimit, CapsTheWidestIsa) {
  const Isa cpu = widest_isa();
  set_simd_limit_for_testing(Isa::kBaseline);
  EXPECT_EQ(widest_isa(), Isa::kBaseline);
  set_simd_limit_for_testing(Isa::kAvx2);
  EXPECT_EQ(widest_isa(), cpu == Isa::kBaseline ? Isa::kBaseline : Isa::kAvx2);
  set_simd_limit_for_testing(Isa::kAvx512);
  EXPECT_EQ(widest_isa(), cpu);
  EXPECT_STREQ(isa_name(Isa::kAvx2), "avx2");
}

// A multiply-add with a select (the max of two vectors) over a length that leaves a remainder:
// every copy gives the scalar result.
TEST_F(SimdLimit, EveryCopyComputesTheSameValues) {
  const int64_t n = 16 * 5 + 3;
  std::vector<float> x(n), y(n);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 11) - 5.f;
  for (Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    set_simd_limit_for_testing(isa);
    std::fill(y.begin(), y.end(), -1.f);
    with_widest_simd([&]() ONYX_SIMD_BODY {
      using V = floatv<16>;
      const V two = broadcast<16>(2.f), zero = broadcast<16>(0.f);
      int64_t i = 0;
      for (; i + 16 <= n; i += 16) {
        const V v = load<16>(x.data() + i) * two + broadcast<16>(1.f);
        store<16>(y.data() + i, v > zero ? v : zero);
      }
      for (; i < n; ++i) y[i] = std::max(0.f, x[i] * 2.f + 1.f);
    });
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(y[i], std::max(0.f, x[i] * 2.f + 1.f)) << isa_name(isa) << " at " << i;
    }
  }
}

}  // namespace
}  // namespace onyx::simd
