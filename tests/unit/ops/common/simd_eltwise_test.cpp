// Our vectorized transcendental kernels (ops/common/simd_eltwise.h) in every ISA copy against
// double-precision formulas, their edge cases, and the two places that hand an activation to
// them instead of to oneDNN's post-ops (convolution): same results either way.
#include "ops/common/simd_eltwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "ops/common/simd_dispatch.h"
#include "ops/nn/dnnl_conv.h"

namespace onyx::simd_eltwise {
namespace {

using dnnl_ops::Eltwise;
using simd::Isa;

class SimdEltwise : public ::testing::Test {
 protected:
  void TearDown() override {
    simd::set_simd_limit_for_testing(Isa::kAvx512);
    set_own_eltwise_preferred_for_testing(preferred_);
  }
  bool preferred_ = own_eltwise_preferred();
};

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
double gelu_tanh(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

struct Case {
  Eltwise f;
  std::function<double(double)> ref;
  double rtol, atol;
};

std::vector<Case> cases() {
  return {{Eltwise::kLogistic, sigmoid, 1e-6, 1e-30},
          {Eltwise::kSwish, [](double x) { return x * sigmoid(x); }, 1e-6, 1e-30},
          {Eltwise::kTanh, [](double x) { return std::tanh(x); }, 1e-6, 1e-30},
          // Far out in the negative tail, float rounding of the exponent's argument (2u: up to
          // 60) costs a relative 60 * 1.2e-7. The double formula rounds 1 + tanh(u) to 0 below
          // u = -19; ours keeps x sigmoid(2u).
          {Eltwise::kGeluTanh, gelu_tanh, 1e-5, 1e-12}};
}

// Values across the saturated, middle and tiny ranges, both signs, n not a multiple of 16.
std::vector<float> sweep() {
  std::vector<float> x;
  for (int i = -4000; i <= 4000; ++i) x.push_back(static_cast<float>(i) * 0.01f);  // [-40, 40]
  for (int i = -240; i <= 240; ++i) x.push_back(static_cast<float>(i) * 0.5f);  // the clamps
  for (int e = -30; e <= 2; ++e) {
    x.push_back(std::ldexp(1.3f, e));
    x.push_back(-std::ldexp(1.7f, e));
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-8, 8);
  for (int i = 0; i < 1001; ++i) x.push_back(u(rng));
  return x;
}

TEST_F(SimdEltwise, EveryIsaMatchesDoublePrecisionFormulas) {
  const std::vector<float> x = sweep();
  for (Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    simd::set_simd_limit_for_testing(isa);
    for (const Case& c : cases()) {
      std::vector<float> y(x.size(), -7.f);
      ASSERT_TRUE(run(c.f, x.data(), y.data(), static_cast<int64_t>(x.size())));
      int bad = 0;
      for (size_t i = 0; i < x.size() && bad < 5; ++i) {
        const double want = c.ref(x[i]);
        if (!(std::abs(y[i] - want) <= c.atol + c.rtol * std::abs(want))) {
          ADD_FAILURE() << simd::isa_name(isa) << " f" << static_cast<int>(c.f) << "(" << x[i]
                        << ") = " << y[i] << ", want " << want;
          ++bad;
        }
      }
    }
  }
}

TEST_F(SimdEltwise, EdgeValues) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {0.f, kInf, -kInf, nan, 1e30f, -1e30f, 100.f, -100.f};
  for (Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512}) {
    simd::set_simd_limit_for_testing(isa);
    auto f = [&](Eltwise e) {
      std::vector<float> y(x.size());
      run(e, x.data(), y.data(), static_cast<int64_t>(x.size()));
      return y;
    };
    const auto s = f(Eltwise::kLogistic);
    EXPECT_EQ(s[0], 0.5f);
    EXPECT_EQ(s[1], 1.f);
    EXPECT_EQ(s[2], 0.f);
    EXPECT_TRUE(std::isnan(s[3]));
    EXPECT_EQ(s[6], 1.f);
    EXPECT_EQ(s[7], 0.f);
    const auto t = f(Eltwise::kTanh);
    EXPECT_EQ(t[0], 0.f);
    EXPECT_EQ(t[1], 1.f);
    EXPECT_EQ(t[2], -1.f);
    EXPECT_TRUE(std::isnan(t[3]));
    EXPECT_EQ(t[4], 1.f);
    EXPECT_EQ(t[5], -1.f);
    EXPECT_EQ(s[4], 1.f);
    EXPECT_EQ(s[5], 0.f);
    const auto w = f(Eltwise::kSwish);
    EXPECT_EQ(w[0], 0.f);
    EXPECT_EQ(w[1], kInf);
    EXPECT_TRUE(std::isnan(w[2]));  // -inf * sigmoid(-inf) = -inf * 0
    EXPECT_EQ(w[4], 1e30f);
    EXPECT_EQ(w[5], 0.f);
    EXPECT_TRUE(std::isnan(w[3]));
    EXPECT_EQ(w[6], 100.f);
    EXPECT_EQ(w[7], -0.f);
    {
      const auto g = f(Eltwise::kGeluTanh);
      EXPECT_EQ(g[0], 0.f);
      EXPECT_EQ(g[1], kInf);
      EXPECT_TRUE(std::isnan(g[3]));
      EXPECT_EQ(g[6], 100.f);
      EXPECT_EQ(g[7], 0.f);
    }
  }
}

TEST_F(SimdEltwise, PoolRunSplitsInWholeVectorsAndCoversEveryElement) {
  const int64_t n = 3 * 8192 + 5;
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 200) * 0.05f - 5;
  std::vector<float> y1(x.size()), y2(x.size());
  ThreadPool pool(2);
  ASSERT_TRUE(run(Eltwise::kSwish, x.data(), y1.data(), n, &pool));
  ASSERT_TRUE(run(Eltwise::kSwish, x.data(), y2.data(), n));
  EXPECT_EQ(y1, y2);
  EXPECT_FALSE(run(Eltwise::kExp, x.data(), y1.data(), n, &pool));  // no kernel of ours
  EXPECT_FALSE(run(Eltwise::kGeluErf, x.data(), y1.data(), n, &pool));
}

// Convolution with a SiLU / GELU-tanh epilogue: oneDNN's post-op and our pass after the primitive
// agree, in the blocked layout (whose padded channels must stay zero) and the plain one.
TEST_F(SimdEltwise, ConvolutionActivationAfterThePrimitiveMatchesThePostOp) {
  if (!nn::dnnl_available()) GTEST_SKIP() << "no oneDNN";
  const int64_t N = 1, C = 16, M = 24, H = 9;
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0, 1);
  std::vector<float> w(static_cast<size_t>(M * C * 9)), b(static_cast<size_t>(M));
  for (auto& v : w) v = nd(rng) * 0.3f;
  for (auto& v : b) v = nd(rng);
  nn::Window win{{H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {H, H}};
  for (const Activation act : {Activation::kSwish, Activation::kGeluTanh}) {
    for (const nn::ConvLayout layout : {nn::ConvLayout::kPlain, nn::ConvLayout::kBlocked16}) {
      nn::ConvOptions opt{layout, layout, false};
      const int64_t cin = layout == nn::ConvLayout::kPlain ? C : 16;
      const int64_t cout = layout == nn::ConvLayout::kPlain ? M : 32;  // padded to the block
      std::vector<float> x(static_cast<size_t>(N * cin * H * H));
      for (auto& v : x) v = nd(rng);
      std::vector<float> y[2];
      for (int own = 0; own < 2; ++own) {
        set_own_eltwise_preferred_for_testing(own == 1);
        auto conv = nn::DnnlConvolution::create(N, C, M, 1, win, w.data(), b.data(),
                                                {{act, 0, 0}, false}, opt);
        ASSERT_TRUE(conv.ok()) << conv.status().to_string();
        y[own].assign(static_cast<size_t>(N * cout * H * H), 123.f);
        ThreadPool pool(2);
        ASSERT_TRUE((*conv)->run(x.data(), y[own].data(), &pool).ok());
      }
      for (size_t i = 0; i < y[0].size(); ++i) {
        ASSERT_NEAR(y[1][i], y[0][i], 1e-5 + 1e-5 * std::abs(y[0][i])) << i;
      }
      if (layout == nn::ConvLayout::kBlocked16) {
        // Channels 24..31 of the single 32-channel block group are padding: zero.
        for (int64_t p = 0; p < H * H; ++p) {
          for (int64_t c = 8; c < 16; ++c) ASSERT_EQ(y[1][static_cast<size_t>((H * H + p) * 16 + c)], 0.f);
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyx::simd_eltwise
