#include "ops/nn/blocked_pointwise.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <new>
#include <utility>

#include "core/huge_pages.h"
#include "ops/common/simd_activation.h"
#include "ops/common/simd_dispatch.h"

namespace onyx::nn {

namespace {

constexpr int64_t kBlock = 16;    // channels per NCHW16c block: one AVX-512 register
constexpr int64_t kPanel = 32;    // outputs per weight panel: two registers
constexpr int kMaxTileRows = 14;  // pixels per tile: 14 x 2 accumulators + 2 weights + 1 pixel

struct TileArgs {
  const float* x;     // the tile's first pixel in the first channel block
  int64_t P;          // pixels (the channel blocks' stride is P * 16)
  int64_t blocks;     // input channel blocks
  const float* w;     // the panel
  const float* bias;  // the panel's first output
  float* y;           // the tile's first pixel in the panel's first output block
  bool sum;           // add y's residual
  const ActivationSpec* act;
  const float* prefetch;       // the next panel's lines this tile fetches, or null
  int64_t prefetch_per_block;  // lines per input channel block
};

// One tile: R pixels x (16 * NB) outputs in registers, summed over every input channel.
template <int R, int NB>
ONYX_TARGET_AVX512 void tile(const TileArgs& t) {
  __m512 acc[NB][R];
  for (int q = 0; q < NB; ++q) {
    for (int r = 0; r < R; ++r) acc[q][r] = _mm512_setzero_ps();
  }
  constexpr int64_t width = NB * kBlock;
  for (int64_t cb = 0; cb < t.blocks; ++cb) {
    const float* xb = t.x + cb * t.P * kBlock;
    const float* wb = t.w + cb * kBlock * width;
    if (t.prefetch != nullptr) {
      const float* pf = t.prefetch + cb * t.prefetch_per_block * 16;
      for (int64_t j = 0; j < t.prefetch_per_block; ++j) _mm_prefetch(pf + j * 16, _MM_HINT_T1);
    }
#pragma GCC unroll 16
    for (int l = 0; l < kBlock; ++l) {
      __m512 b[NB];
      for (int q = 0; q < NB; ++q) b[q] = _mm512_loadu_ps(wb + l * width + q * kBlock);
      for (int r = 0; r < R; ++r) {
        const __m512 a = _mm512_set1_ps(xb[r * kBlock + l]);
        for (int q = 0; q < NB; ++q) acc[q][r] = _mm512_fmadd_ps(a, b[q], acc[q][r]);
      }
    }
  }
  for (int q = 0; q < NB; ++q) {
    const __m512 bias = _mm512_loadu_ps(t.bias + q * kBlock);
    float* yq = t.y + q * t.P * kBlock;
    for (int r = 0; r < R; ++r) {
      __m512 v = _mm512_add_ps(acc[q][r], bias);
      if (t.sum) v = _mm512_add_ps(v, _mm512_loadu_ps(yq + r * kBlock));
      _mm512_storeu_ps(yq + r * kBlock, simd::activate<16>(*t.act, v));
    }
  }
}

using TileFn = void (*)(const TileArgs&);

template <int NB, int... Rs>
constexpr std::array<TileFn, sizeof...(Rs) + 1> tile_table(std::integer_sequence<int, Rs...>) {
  return {nullptr, &tile<Rs + 1, NB>...};
}
constexpr auto kOnePanelBlock = tile_table<1>(std::make_integer_sequence<int, kMaxTileRows>{});
constexpr auto kTwoPanelBlocks = tile_table<2>(std::make_integer_sequence<int, kMaxTileRows>{});

float* floats(const std::shared_ptr<void>& p) {
  return static_cast<float*>(p.get());
}

}  // namespace

bool BlockedPointwiseConv::usable(const ActivationSpec& act) {
  return simd::widest_isa() == simd::Isa::kAvx512 && simd::activates_in_registers(act);
}

BlockedPointwiseConv::BlockedPointwiseConv(const float* w, const float* b, int64_t M, int64_t C)
    : M_(M), C_(C) {
  panels_ = allocate_weight_buffer(static_cast<size_t>(M * C) * sizeof(float));
  bias_ = allocate_weight_buffer(static_cast<size_t>(M) * sizeof(float));
  if (panels_ == nullptr || bias_ == nullptr) throw std::bad_alloc();
  for (int64_t m = 0; m < M; ++m) {
    const int64_t p = m / kPanel;
    const int64_t width = std::min(kPanel, M - p * kPanel);
    float* dst = floats(panels_) + p * C * kPanel + m % kPanel;
    for (int64_t c = 0; c < C; ++c) dst[c * width] = w[m * C + c];
    if (b != nullptr) floats(bias_)[m] = b[m];
  }
}

void BlockedPointwiseConv::unpack(float* w) const {
  for (int64_t m = 0; m < M_; ++m) {
    const int64_t p = m / kPanel;
    const int64_t width = std::min(kPanel, M_ - p * kPanel);
    const float* src = floats(panels_) + p * C_ * kPanel + m % kPanel;
    for (int64_t c = 0; c < C_; ++c) w[m * C_ + c] = src[c * width];
  }
}

void BlockedPointwiseConv::run(const float* x, float* y, int64_t P, bool sum,
                               const ActivationSpec& act, const ThreadPool* pool) const {
  const int64_t M = M_, C = C_, blocks = C / kBlock;
  const int64_t panels = (M + kPanel - 1) / kPanel;
  // Tiles of up to 14 pixels, as even as possible (49 pixels: 13 + 12 + 12 + 12).
  const int64_t tiles = (P + kMaxTileRows - 1) / kMaxTileRows;
  const float* weights = floats(panels_);
  parallel_for(pool, panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t width = std::min(kPanel, M - p * kPanel);
      const float* w = weights + p * C * kPanel;
      // The next panel of this task, fetched into L2 a share per tile and channel block.
      const float* next = p + 1 < p1 ? w + C * kPanel : nullptr;
      const int64_t next_lines = next ? C * std::min(kPanel, M - (p + 1) * kPanel) / 16 : 0;
      const int64_t per_block = ((next_lines + tiles - 1) / tiles + blocks - 1) / blocks;
      TileArgs t{nullptr, P,   blocks, w,       floats(bias_) + p * kPanel,
                 nullptr, sum, &act,   nullptr, per_block};
      const auto& table = width == kPanel ? kTwoPanelBlocks : kOnePanelBlock;
      int64_t q0 = 0;
      for (int64_t i = 0; i < tiles; ++i) {
        const int64_t rows = (P - q0) / (tiles - i);
        t.x = x + q0 * kBlock;
        t.y = y + (p * kPanel / kBlock * P + q0) * kBlock;
        const int64_t first = i * per_block * blocks;
        t.prefetch = first < next_lines ? next + first * 16 : nullptr;
        table[static_cast<size_t>(rows)](t);
        q0 += rows;
      }
    }
  });
}

}  // namespace onyx::nn
