#include "ops/common/pointwise_gemv.h"

#include <algorithm>
#include <new>

#include "core/huge_pages.h"
#include "ops/common/simd_activation.h"
#include "ops/common/simd_dispatch.h"

namespace onyx {

namespace {

constexpr int64_t kPanel = 16;        // outputs per panel: one AVX-512 register
constexpr int64_t kPanelsPerPass = 4;  // panels sharing one walk over x
// Below this many multiply-adds per task a second thread costs more than it saves.
constexpr int64_t kMinTaskMacs = 16384;

}  // namespace

bool pointwise_gemv_vectorizes(const ActivationSpec& act) {
  return simd::activates_in_registers(act);
}

PointwiseGemv::PointwiseGemv(const float* w, const float* b, int64_t M, int64_t C)
    : M_(M), C_(C) {
  const int64_t panels = (M + kPanel - 1) / kPanel;
  panels_ = allocate_weight_buffer(static_cast<size_t>(panels * C * kPanel) * sizeof(float));
  if (panels_ == nullptr) throw std::bad_alloc();
  bias_.assign(static_cast<size_t>(panels * kPanel), 0.f);
  for (int64_t m = 0; m < M; ++m) {
    float* dst = static_cast<float*>(panels_.get()) + (m / kPanel) * C * kPanel + m % kPanel;
    const float* src = w + m * C;
    for (int64_t c = 0; c < C; ++c) dst[c * kPanel] = src[c];
    if (b != nullptr) bias_[static_cast<size_t>(m)] = b[m];
  }
}

void PointwiseGemv::run(const float* x, float* y, int64_t N, bool sum, const ActivationSpec& act,
                        const ThreadPool* pool) const {
  const int64_t M = M_, C = C_;
  const int64_t panels = (M + kPanel - 1) / kPanel;
  const int64_t groups = (panels + kPanelsPerPass - 1) / kPanelsPerPass;
  const float* P = static_cast<const float*>(panels_.get());
  const float* bias = bias_.data();
  const bool in_registers = pointwise_gemv_vectorizes(act);
  const ActivationSpec a = act;
  const int64_t group_macs = kPanelsPerPass * kPanel * C * N;
  const int64_t grain = std::max<int64_t>(1, kMinTaskMacs / std::max<int64_t>(group_macs, 1));
  parallel_for(pool, groups, grain, [&](int64_t g0, int64_t g1) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      using V = simd::floatv<kPanel>;
      for (int64_t g = g0; g < g1; ++g) {
        const int64_t p0 = g * kPanelsPerPass;
        const int64_t np = std::min(kPanelsPerPass, panels - p0);
        for (int64_t n = 0; n < N; ++n) {
          const float* xr = x + n * C;
          float* yr = y + n * M;
          V acc[kPanelsPerPass];
          for (int64_t q = 0; q < kPanelsPerPass; ++q) acc[q] = V{};
          if (np == kPanelsPerPass) {
            const float* w0 = P + p0 * C * kPanel;
            for (int64_t c = 0; c < C; ++c) {
              const V xv = simd::broadcast<kPanel>(xr[c]);
              for (int64_t q = 0; q < kPanelsPerPass; ++q) {
                acc[q] += xv * simd::load<kPanel>(w0 + (q * C + c) * kPanel);
              }
            }
          } else {
            for (int64_t q = 0; q < np; ++q) {
              const float* wq = P + (p0 + q) * C * kPanel;
              for (int64_t c = 0; c < C; ++c) {
                acc[q] += simd::broadcast<kPanel>(xr[c]) * simd::load<kPanel>(wq + c * kPanel);
              }
            }
          }
          for (int64_t q = 0; q < np; ++q) {
            const int64_t m0 = (p0 + q) * kPanel;
            const int64_t count = std::min(kPanel, M - m0);
            V v = acc[q] + simd::load<kPanel>(bias + m0);
            if (count == kPanel) {
              if (sum) v += simd::load<kPanel>(yr + m0);
              if (in_registers) v = simd::activate<kPanel>(a, v);
              simd::store<kPanel>(yr + m0, v);
            } else {
              float tmp[kPanel];
              simd::store<kPanel>(tmp, v);
              for (int64_t j = 0; j < count; ++j) {
                float t = tmp[j] + (sum ? yr[m0 + j] : 0.f);
                yr[m0 + j] = in_registers ? simd::activate<kPanel>(a, simd::broadcast<kPanel>(t))[0] : t;
              }
            }
          }
        }
      }
    });
  });
  if (!in_registers) {
    for (int64_t i = 0; i < N * M; ++i) y[i] = apply_activation(act, y[i]);
  }
}

}  // namespace onyx
