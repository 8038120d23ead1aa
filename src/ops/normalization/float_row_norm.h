// The float row of LayerNormalization / RMSNormalization over D contiguous values, shared by
// the ai.onnx kernels (layer_norm.cpp) and the fused residual-add form (skip_layer_norm.cpp).
// Written for simd::with_widest_simd bodies: every helper is always inlined, so each ISA's copy
// vectorizes it for that ISA (AVX-512: one 16-lane register per accumulator).
#pragma once

#include <cmath>
#include <cstdint>

#include "ops/common/simd_dispatch.h"

namespace onyx::norm {

// Four 16-lane accumulators: one would chain every add on the previous one (4 cycles each), which
// made a 384-value row's passes latency-bound.
using RowVec = simd::floatv<16>;

// Combines the 16 lanes of `v` in double, pairwise.
ONYX_SIMD_BODY inline double combine_lanes(RowVec v) {
  double t[16];
  for (int l = 0; l < 16; ++l) t[l] = v[l];
  for (int w = 8; w > 0; w /= 2) {
    for (int l = 0; l < w; ++l) t[l] += t[l + w];
  }
  return t[0];
}

// Sum of x[0..D) over 64 float lanes, combined in double.
ONYX_SIMD_BODY inline double lane_sum(const float* x, int64_t D) {
  RowVec a0{}, a1{}, a2{}, a3{};
  int64_t i = 0;
  for (; i + 64 <= D; i += 64) {
    a0 += simd::load<16>(x + i);
    a1 += simd::load<16>(x + i + 16);
    a2 += simd::load<16>(x + i + 32);
    a3 += simd::load<16>(x + i + 48);
  }
  for (; i + 16 <= D; i += 16) a0 += simd::load<16>(x + i);
  double sum = combine_lanes((a0 + a1) + (a2 + a3));
  for (; i < D; ++i) sum += x[i];
  return sum;
}

// Sum of (x - m)^2 over x[0..D), as lane_sum.
ONYX_SIMD_BODY inline double lane_square_sum(const float* x, int64_t D, float m) {
  const RowVec mv = simd::broadcast<16>(m);
  RowVec a0{}, a1{}, a2{}, a3{};
  int64_t i = 0;
  for (; i + 64 <= D; i += 64) {
    const RowVec d0 = simd::load<16>(x + i) - mv, d1 = simd::load<16>(x + i + 16) - mv;
    const RowVec d2 = simd::load<16>(x + i + 32) - mv, d3 = simd::load<16>(x + i + 48) - mv;
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  for (; i + 16 <= D; i += 16) {
    const RowVec d = simd::load<16>(x + i) - mv;
    a0 += d * d;
  }
  double sq = combine_lanes((a0 + a1) + (a2 + a3));
  for (; i < D; ++i) sq += static_cast<double>(x[i] - m) * (x[i] - m);
  return sq;
}

// Normalizes one row: m = mean (0 unless `center`), inv = 1 / sqrt(mean((x - m)^2) + eps) from
// the centred values (two passes, as the reference path), y = (x - m) * inv * scale [+ bias].
// y may be x. `sum` is x's lane_sum when the caller already has it (center only), else NaN.
ONYX_SIMD_BODY inline void normalize_float_row(const float* x, float* y, int64_t D, float eps,
                                               bool center, const float* scale, const float* bias,
                                               double sum, double* mean_out, double* inv_out) {
  float m = 0.f;
  if (center) {
    if (std::isnan(sum)) sum = lane_sum(x, D);
    m = static_cast<float>(sum / static_cast<double>(D));
  }
  const double sq = lane_square_sum(x, D, m);
  const double iv = 1.0 / std::sqrt(sq / static_cast<double>(D) + eps);
  const float fi = static_cast<float>(iv);
  // Explicit vectors: with y possibly x, and scale and bias behind pointers too, GCC leaves
  // the plain loop scalar.
  const RowVec mv = simd::broadcast<16>(m), fv = simd::broadcast<16>(fi);
  int64_t k = 0;
  if (bias != nullptr) {
    for (; k + 16 <= D; k += 16) {
      const RowVec v =
          (simd::load<16>(x + k) - mv) * fv * simd::load<16>(scale + k) + simd::load<16>(bias + k);
      simd::store<16>(y + k, v);
    }
    for (; k < D; ++k) y[k] = (x[k] - m) * fi * scale[k] + bias[k];
  } else {
    for (; k + 16 <= D; k += 16) {
      simd::store<16>(y + k, (simd::load<16>(x + k) - mv) * fv * simd::load<16>(scale + k));
    }
    for (; k < D; ++k) y[k] = (x[k] - m) * fi * scale[k];
  }
  if (mean_out != nullptr) *mean_out = m;
  if (inv_out != nullptr) *inv_out = iv;
}

}  // namespace onyx::norm
