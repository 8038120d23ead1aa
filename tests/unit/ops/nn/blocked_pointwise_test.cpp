// nn::BlockedPointwiseConv: the small-image 1x1 convolution kernel of the blocked layout against
// a double-precision reference, over panel widths (32 and a last 16), pixel counts around its
// 14-pixel tiles, residual sums, in-register activations, one and two threads (which share a
// panel's tiles where they do not divide the panels: 16, 80 and 96 outputs), and channel
// counts it splits in chunks (a 3x3 convolution's gathered windows); and its weights back as
// they came.
#include "ops/nn/blocked_pointwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/thread_pool.h"

namespace onyx::nn {
namespace {

// y = act(W x + b (+ z)) for every (M, C, P) of the lists, against a double reference.
void expect_matches_reference(const std::vector<int64_t>& Ms, const std::vector<int64_t>& Cs,
                              const std::vector<int64_t>& Ps,
                              const std::vector<ActivationSpec>& acts) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  ThreadPool two(2);
  for (int64_t M : Ms) {
    for (int64_t C : Cs) {
      for (int64_t P : Ps) {
        std::vector<float> w(static_cast<size_t>(M * C)), b(static_cast<size_t>(M)),
            x(static_cast<size_t>(C * P)), z(static_cast<size_t>(M * P));
        for (auto* v : {&w, &b, &x, &z}) {
          for (auto& e : *v) e = u(rng);
        }
        const BlockedPointwiseConv conv(w.data(), b.data(), M, C);
        std::vector<float> back(w.size());
        conv.unpack(back.data());
        ASSERT_EQ(back, w);
        for (const ActivationSpec& act : acts) {
          for (bool sum : {false, true}) {
            for (const ThreadPool* pool :
                 {static_cast<const ThreadPool*>(nullptr), static_cast<const ThreadPool*>(&two)}) {
              std::vector<float> y = sum ? z : std::vector<float>(z.size(), 7.f);
              conv.run(x.data(), y.data(), P, sum, act, pool);
              for (int64_t m = 0; m < M; ++m) {
                for (int64_t p = 0; p < P; ++p) {
                  // Element (c, p) of a blocked tensor: ((c / 16) * P + p) * 16 + c % 16.
                  double acc = b[static_cast<size_t>(m)], magnitude = 0;
                  for (int64_t c = 0; c < C; ++c) {
                    const double term = static_cast<double>(w[static_cast<size_t>(m * C + c)]) *
                                        x[static_cast<size_t>(((c / 16) * P + p) * 16 + c % 16)];
                    acc += term;
                    magnitude += std::abs(term);
                  }
                  const size_t at = static_cast<size_t>(((m / 16) * P + p) * 16 + m % 16);
                  if (sum) acc += z[at];
                  const double want = apply_activation(act, static_cast<float>(acc));
                  // Float sums of many terms: the bound grows with their magnitudes.
                  ASSERT_NEAR(y[at], want, 2e-5 * (1 + std::abs(want)) + 2e-7 * magnitude)
                      << "M " << M << " C " << C << " P " << P << " m " << m << " p " << p
                      << " act " << activation_name(act.kind) << " sum " << sum
                      << " threads " << (pool ? 2 : 1);
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST(BlockedPointwiseConv, MatchesReference) {
  if (!BlockedPointwiseConv::usable(ActivationSpec{})) GTEST_SKIP() << "needs AVX-512";
  expect_matches_reference({16, 48, 64, 80, 96}, {16, 48}, {1, 13, 15, 49, 196},
                           {{Activation::kNone, 0, 0},
                            {Activation::kRelu, 0, 0},
                            {Activation::kClip, 0.f, 0.5f},
                            {Activation::kSwish, 0, 0}});
}

// Channels beyond what fits L2 with the image run in chunks whose partial sums wait in y (1296
// channels of 196 pixels: two chunks, of 49: one; 4608, a 3x3 convolution of 512 channels, of
// 49: two, of 196: four); the residual and the activation apply once, after the last.
TEST(BlockedPointwiseConv, ChunksManyChannels) {
  if (!BlockedPointwiseConv::usable(ActivationSpec{})) GTEST_SKIP() << "needs AVX-512";
  expect_matches_reference({48, 96}, {1296, 4608}, {49, 196},
                           {{Activation::kNone, 0, 0}, {Activation::kRelu, 0, 0}});
}

}  // namespace
}  // namespace onyx::nn
