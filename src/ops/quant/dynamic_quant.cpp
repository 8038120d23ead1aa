#include "ops/quant/dynamic_quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/common/simd_dispatch.h"
#include "ops/quant/quant_util.h"

namespace onyx::quant {
namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kChunk = 1 << 16;  // elements per task of the min/max pass

using V = simd::floatv<kLanes>;
typedef uint8_t U8x16 __attribute__((vector_size(kLanes)));
typedef int32_t I32x16 __attribute__((vector_size(kLanes * 4)));

}  // namespace

bool DynamicQuantParams::usable() const {
  return scale > 0.f && std::isfinite(scale);
}

DynamicQuantParams dynamic_quant_params(const float* x, int64_t n, const ThreadPool* pool) {
  const int64_t chunks = std::max<int64_t>(1, (n + kChunk - 1) / kChunk);
  std::vector<float> lo(static_cast<size_t>(chunks), 0.f), hi(static_cast<size_t>(chunks), 0.f);
  parallel_for(pool, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t begin = c * kChunk, end = std::min(n, begin + kChunk);
      float l = 0.f, h = 0.f;
      simd::with_widest_simd([&]() ONYX_SIMD_BODY {
        // Comparisons with NaN are false, so a NaN never replaces the running bound.
        V vl{}, vh{};
        int64_t i = begin;
        for (; i + kLanes <= end; i += kLanes) {
          const V v = simd::load<kLanes>(x + i);
          vl = v < vl ? v : vl;
          vh = v > vh ? v : vh;
        }
        for (int64_t j = 0; j < kLanes; ++j) {
          l = vl[j] < l ? vl[j] : l;
          h = vh[j] > h ? vh[j] : h;
        }
        for (; i < end; ++i) {
          l = x[i] < l ? x[i] : l;
          h = x[i] > h ? x[i] : h;
        }
      });
      lo[static_cast<size_t>(c)] = l;
      hi[static_cast<size_t>(c)] = h;
    }
  });
  float l = 0.f, h = 0.f;
  for (int64_t c = 0; c < chunks; ++c) {
    l = std::min(l, lo[static_cast<size_t>(c)]);
    h = std::max(h, hi[static_cast<size_t>(c)]);
  }
  DynamicQuantParams p;
  p.scale = (h - l) / 255.f;
  if (p.usable()) {
    const float inter = 0.f - l / p.scale;
    p.zero_point = static_cast<uint8_t>(round_saturate(inter, 0.0, 0, 255));
  }
  return p;
}

void quantize_u8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* y,
                 const ThreadPool* pool) {
  if (!p.usable()) {
    std::fill(y, y + n, uint8_t{0});
    return;
  }
  const float scale = p.scale, zp = static_cast<float>(p.zero_point);
  parallel_for(pool, n, 1 << 14, [&](int64_t begin, int64_t end) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      // Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest
      // integer, ties to even (the default rounding mode), as std::nearbyint does; larger
      // magnitudes saturate either way. The division is the operator's own, x / scale in float.
      const float magic = 12582912.f;
      const V vscale = simd::broadcast<kLanes>(scale), vzp = simd::broadcast<kLanes>(zp);
      const V vmagic = simd::broadcast<kLanes>(magic), zero{}, top = simd::broadcast<kLanes>(255.f);
      int64_t i = begin;
      for (; i + kLanes <= end; i += kLanes) {
        const V q = simd::load<kLanes>(x + i) / vscale;
        V r = (q + vmagic) - vmagic;
        r = q == q ? r : zero;  // NaN -> 0, then the zero point
        r += vzp;
        r = r < zero ? zero : r;
        r = r > top ? top : r;
        // Through int32: a direct float -> uint8 conversion is not vectorized.
        const U8x16 u = __builtin_convertvector(__builtin_convertvector(r, I32x16), U8x16);
        __builtin_memcpy(y + i, &u, sizeof(u));
      }
      for (; i < end; ++i) {
        y[i] = static_cast<uint8_t>(round_saturate(x[i] / scale, zp, 0, 255));
      }
    });
  });
}

}  // namespace onyx::quant
