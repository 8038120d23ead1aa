#include "ops/quant/linear_quant.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/common/simd_dispatch.h"
#include "ops/quant/quant_util.h"

namespace onyx::quant {
namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kChunk = 1 << 16;  // elements per task of the min/max pass

using V = simd::floatv<kLanes>;
typedef uint8_t U8x16 __attribute__((vector_size(kLanes)));
typedef int8_t I8x16 __attribute__((vector_size(kLanes)));
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
  quantize_8bit(x, n, p.scale, p.zero_point, false, y, pool);
}

namespace {

// y = saturate(round(x / scale) + zp) into [lo, hi], stored as T (uint8_t or int8_t).
template <typename T, typename TV>
void quantize_to(const float* x, int64_t n, float scale, float zp, T* y, const ThreadPool* pool) {
  const float lo = static_cast<float>(std::numeric_limits<T>::min());
  const float hi = static_cast<float>(std::numeric_limits<T>::max());
  parallel_for(pool, n, 1 << 14, [&](int64_t begin, int64_t end) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      // Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest
      // integer, ties to even (the default rounding mode), as std::nearbyint does; larger
      // magnitudes saturate either way. The division is the operator's own, x / scale in float
      // (a product by 1 / scale rounds to the other integer next to ties).
      const float magic = 12582912.f;
      const V vscale = simd::broadcast<kLanes>(scale), vzp = simd::broadcast<kLanes>(zp);
      const V vmagic = simd::broadcast<kLanes>(magic);
      const V vlo = simd::broadcast<kLanes>(lo), vhi = simd::broadcast<kLanes>(hi);
      int64_t i = begin;
      for (; i + kLanes <= end; i += kLanes) {
        const V r = round_saturate_lanes(simd::load<kLanes>(x + i) / vscale, vmagic, vzp, vlo, vhi);
        // Through int32: a direct float -> 8-bit conversion is not vectorized.
        const TV u = __builtin_convertvector(__builtin_convertvector(r, I32x16), TV);
        __builtin_memcpy(y + i, &u, sizeof(u));
      }
      for (; i < end; ++i) {
        y[i] = static_cast<T>(
            round_saturate(x[i] / scale, zp, static_cast<int64_t>(lo), static_cast<int64_t>(hi)));
      }
    });
  });
}

template <typename T>
void dequantize_from(const T* x, int64_t n, float scale, float zp, float* y,
                     const ThreadPool* pool) {
  parallel_for(pool, n, 1 << 14, [&](int64_t begin, int64_t end) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      // x - zp is an integer below 2^9, exact in float: the product is the one rounding.
      for (int64_t i = begin; i < end; ++i) y[i] = (static_cast<float>(x[i]) - zp) * scale;
    });
  });
}

// y = Q(act(DQ(a) + DQ(b))) with quantize_to's and dequantize_from's arithmetic exactly (this
// file is compiled without FMA contraction, so the products and the sum round one by one).
template <typename TA, typename TB, typename TY>
void add_quantized(const TA* a, const QuantParams8& pa, const TB* b, const QuantParams8& pb,
                   int64_t n, bool relu, TY* y, const QuantParams8& py, const ThreadPool* pool) {
  using TV = std::conditional_t<std::is_signed_v<TY>, I8x16, U8x16>;
  const float lo = static_cast<float>(std::numeric_limits<TY>::min());
  const float hi = static_cast<float>(std::numeric_limits<TY>::max());
  const float za = static_cast<float>(pa.zero_point), zb = static_cast<float>(pb.zero_point);
  const float zy = static_cast<float>(py.zero_point);
  parallel_for(pool, n, 1 << 14, [&](int64_t begin, int64_t end) {
    simd::with_widest_simd([&]() ONYX_SIMD_BODY {
      const V vscale = simd::broadcast<kLanes>(py.scale), vzp = simd::broadcast<kLanes>(zy);
      const V vmagic = simd::broadcast<kLanes>(12582912.f);
      // Relu as max(sum, 0); without it a floor no sum goes below.
      const float floor_value = relu ? 0.f : -std::numeric_limits<float>::infinity();
      const V vlo = simd::broadcast<kLanes>(lo), vhi = simd::broadcast<kLanes>(hi);
      // A chunk of sums at a time: written as a plain loop, which GCC vectorizes (its vector
      // conversions from 8-bit lanes to floats come out as scalar code), then quantized.
      constexpr int64_t kSums = 1024;
      alignas(64) float sums[kSums];
      int64_t i = begin;
      for (; i + kLanes <= end;) {
        const int64_t len = std::min(kSums, (end - i) / kLanes * kLanes);
        for (int64_t j = 0; j < len; ++j) {
          const float v = (static_cast<float>(a[i + j]) - za) * pa.scale +
                          (static_cast<float>(b[i + j]) - zb) * pb.scale;
          sums[j] = v < floor_value ? floor_value : v;
        }
        for (int64_t j = 0; j < len; j += kLanes) {
          // NaN -> the zero point, as quantize_to.
          const V r =
              round_saturate_lanes(simd::load<kLanes>(sums + j) / vscale, vmagic, vzp, vlo, vhi);
          const TV u = __builtin_convertvector(__builtin_convertvector(r, I32x16), TV);
          __builtin_memcpy(y + i + j, &u, sizeof(u));
        }
        i += len;
      }
      for (; i < end; ++i) {
        float sum = (static_cast<float>(a[i]) - za) * pa.scale +
                    (static_cast<float>(b[i]) - zb) * pb.scale;
        if (relu) sum = sum < 0.f ? 0.f : sum;
        y[i] = static_cast<TY>(round_saturate(sum / py.scale, zy, static_cast<int64_t>(lo),
                                              static_cast<int64_t>(hi)));
      }
    });
  });
}

}  // namespace

void add_quantized_8bit(const void* a, const QuantParams8& pa, const void* b,
                        const QuantParams8& pb, int64_t n, bool relu, void* y,
                        const QuantParams8& py, const ThreadPool* pool) {
  auto with_y = [&]<typename TA, typename TB>(const TA* ta, const TB* tb) {
    if (py.is_signed) {
      add_quantized(ta, pa, tb, pb, n, relu, static_cast<int8_t*>(y), py, pool);
    } else {
      add_quantized(ta, pa, tb, pb, n, relu, static_cast<uint8_t*>(y), py, pool);
    }
  };
  auto with_b = [&]<typename TA>(const TA* ta) {
    if (pb.is_signed) {
      with_y(ta, static_cast<const int8_t*>(b));
    } else {
      with_y(ta, static_cast<const uint8_t*>(b));
    }
  };
  if (pa.is_signed) {
    with_b(static_cast<const int8_t*>(a));
  } else {
    with_b(static_cast<const uint8_t*>(a));
  }
}

void quantize_8bit(const float* x, int64_t n, float scale, int32_t zero_point, bool is_signed,
                   void* y, const ThreadPool* pool) {
  const auto zp = static_cast<float>(zero_point);
  if (is_signed) {
    quantize_to<int8_t, I8x16>(x, n, scale, zp, static_cast<int8_t*>(y), pool);
  } else {
    quantize_to<uint8_t, U8x16>(x, n, scale, zp, static_cast<uint8_t*>(y), pool);
  }
}

void dequantize_8bit(const void* x, int64_t n, bool is_signed, float scale, int32_t zero_point,
                     float* y, const ThreadPool* pool) {
  const auto zp = static_cast<float>(zero_point);
  if (is_signed) {
    dequantize_from(static_cast<const int8_t*>(x), n, scale, zp, y, pool);
  } else {
    dequantize_from(static_cast<const uint8_t*>(x), n, scale, zp, y, pool);
  }
}

}  // namespace onyx::quant
