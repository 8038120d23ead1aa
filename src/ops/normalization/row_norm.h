// Normalizes independent rows of D contiguous elements: the core of Instance-, Group-, Layer-
// and RMSNormalization. Statistics accumulate in double; the per-element affine transform
// comes from the caller.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/thread_pool.h"
#include "ops/normalization/norm_util.h"

namespace onyx::norm {

// For each row r: m = mean (0 when !center), inv = 1 / sqrt(mean((x - m)^2) + eps),
// y[i] = affine(r, i, (x[i] - m) * inv). Optionally stores m and inv per row.
template <typename T, typename Affine>
void normalize_rows(const T* x, T* y, int64_t rows, int64_t D, double eps, bool center,
                    ThreadPool* pool, Affine affine, double* mean_out = nullptr,
                    double* inv_out = nullptr) {
  using C = calc_t<T>;
  parallel_for(pool, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, D)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const T* src = x + r * D;
                   T* dst = y + r * D;
                   double m = 0;
                   if (center && D > 0) {
                     for (int64_t i = 0; i < D; ++i) m += static_cast<double>(static_cast<C>(src[i]));
                     m /= static_cast<double>(D);
                   }
                   double ss = 0;
                   for (int64_t i = 0; i < D; ++i) {
                     const double d = static_cast<double>(static_cast<C>(src[i])) - m;
                     ss += d * d;
                   }
                   const double var = D > 0 ? ss / static_cast<double>(D) : 0.0;
                   const double inv = 1.0 / std::sqrt(var + eps);
                   for (int64_t i = 0; i < D; ++i) {
                     const double v = (static_cast<double>(static_cast<C>(src[i])) - m) * inv;
                     dst[i] = static_cast<T>(static_cast<C>(affine(r, i, v)));
                   }
                   if (mean_out != nullptr) mean_out[r] = m;
                   if (inv_out != nullptr) inv_out[r] = inv;
                 }
               });
}

}  // namespace onyx::norm
