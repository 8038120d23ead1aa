// nn::BlockedPointwiseConv: the small-image 1x1 convolution kernel of the blocked layout against
// a double-precision reference, over panel widths (32 and a last 16), pixel counts around its
// 14-pixel tiles, residual sums, in-register activations, one and two threads; and its weights
// back as they came.
#include "ops/nn/blocked_pointwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/thread_pool.h"

namespace onyx::nn {
namespace {

TEST(BlockedPointwiseConv, MatchesReference) {
  if (!BlockedPointwiseConv::usable(ActivationSpec{})) GTEST_SKIP() << "needs AVX-512";
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  ThreadPool two(2);
  const ActivationSpec acts[] = {{Activation::kNone, 0, 0},
                                 {Activation::kRelu, 0, 0},
                                 {Activation::kClip, 0.f, 0.5f},
                                 {Activation::kSwish, 0, 0}};
  for (int64_t M : {16, 48, 64}) {
    for (int64_t C : {16, 48}) {
      for (int64_t P : {1, 13, 15, 49, 196}) {
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
                  double acc = b[static_cast<size_t>(m)];
                  for (int64_t c = 0; c < C; ++c) {
                    acc += static_cast<double>(w[static_cast<size_t>(m * C + c)]) *
                           x[static_cast<size_t>(((c / 16) * P + p) * 16 + c % 16)];
                  }
                  const size_t at = static_cast<size_t>(((m / 16) * P + p) * 16 + m % 16);
                  if (sum) acc += z[at];
                  const double want = apply_activation(act, static_cast<float>(acc));
                  ASSERT_NEAR(y[at], want, 2e-5 * (1 + std::abs(want)))
                      << "M " << M << " C " << C << " P " << P << " m " << m << " p " << p
                      << " act " << activation_name(act.kind) << " sum " << sum;
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyx::nn
