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
// What the image's share of a channel chunk and two weight panels' chunks may take of L2 (2 MB
// a core): 1.25 MB keeps the 1x1 convolutions of 14x14 images with 1024 channels in one chunk.
constexpr int64_t kL2Budget = int64_t{5} << 18;

struct TileArgs {
  const float* x;     // the tile's first pixel in the chunk's first channel block
  int64_t P;          // pixels (the channel blocks' stride is P * 16)
  int64_t blocks;     // input channel blocks of the chunk
  const float* w;     // the panel's chunk
  const float* bias;  // the panel's first output
  float* y;           // the tile's first pixel in the panel's first output block
  bool accumulate;    // add what y holds (the residual, or the earlier chunks' partial sums)
  bool finish;        // the last chunk: add the bias and apply the activation
  const ActivationSpec* act;
  const float* prefetch;       // the next step's weight lines this tile fetches, or null
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
      __m512 v = acc[q][r];
      if (t.accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(yq + r * kBlock));
      if (t.finish) v = simd::activate<16>(*t.act, _mm512_add_ps(v, bias));
      _mm512_storeu_ps(yq + r * kBlock, v);
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
  const int64_t M = M_, C = C_;
  const int64_t panels = (M + kPanel - 1) / kPanel;
  // Tiles of up to 14 pixels, as even as possible (49 pixels: 13 + 12 + 12 + 12).
  const int64_t tiles = (P + kMaxTileRows - 1) / kMaxTileRows;
  // Channel chunks small enough that the image's share, a panel's chunk and the next one stay
  // in L2 together: a 3x3 convolution's gathered input has 9x the channels (ResNet-50's 7x7
  // ones 4608: 0.9 MB of input and 2 x 0.6 MB of panels in one chunk, 1 MB in each of two,
  // 2.1 -> 1.9 ms a layer in the model). The partial sums of a chunk wait in y.
  const int64_t bytes_per_channel = (P + 2 * kPanel) * int64_t{sizeof(float)};
  const int64_t most = std::max<int64_t>(kBlock, kL2Budget / bytes_per_channel / kBlock * kBlock);
  const int64_t chunks = (C + most - 1) / most;
  const int64_t chunk = (C / kBlock + chunks - 1) / chunks * kBlock;
  const float* weights = floats(panels_);
  auto width_of = [&](int64_t p) { return std::min(kPanel, M - p * kPanel); };
  auto panel_chunk = [&](int64_t p, int64_t c0) {
    return weights + p * C * kPanel + c0 * width_of(p);
  };

  // Tile i covers pixels [start(i), start(i + 1)).
  auto tile_start = [&](int64_t i) { return P - P * (tiles - i) / tiles; };

  // A thread's work is a contiguous range [u0, u1) of the (panel, tile) units u = p * tiles + i,
  // walked for every channel chunk, each panel's step prefetching the thread's next step's
  // weights into L2 while its tiles run. Whole panels where the threads divide them; otherwise
  // a panel's tiles are shared between two threads (MobileNetV2's 96 outputs are three panels).
  auto work = [&](int64_t u0, int64_t u1) {
    const int64_t p0 = u0 / tiles, p1 = (u1 + tiles - 1) / tiles;
    for (int64_t c0 = 0; c0 < C; c0 += chunk) {
      const int64_t cc = std::min(chunk, C - c0), blocks = cc / kBlock;
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t i0 = std::max<int64_t>(u0 - p * tiles, 0);
        const int64_t i1 = std::min<int64_t>(u1 - p * tiles, tiles);
        const float* next = nullptr;
        int64_t next_lines = 0;  // 16-float lines
        if (p + 1 < p1) {
          next = panel_chunk(p + 1, c0);
          next_lines = cc * width_of(p + 1) / kBlock;
        } else if (c0 + cc < C) {  // the first panel's next chunk
          next = panel_chunk(p0, c0 + cc);
          next_lines = std::min(chunk, C - c0 - cc) * width_of(p0) / kBlock;
        }
        const int64_t steps = i1 - i0;
        const int64_t per_block = ((next_lines + steps - 1) / steps + blocks - 1) / blocks;
        TileArgs t{nullptr, P,          blocks, panel_chunk(p, c0), floats(bias_) + p * kPanel,
                   nullptr, sum || c0 > 0, c0 + cc == C, &act, nullptr, per_block};
        const auto& table = width_of(p) == kPanel ? kTwoPanelBlocks : kOnePanelBlock;
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t q0 = tile_start(i), rows = tile_start(i + 1) - q0;
          t.x = x + (c0 * P + q0 * kBlock);
          t.y = y + (p * kPanel / kBlock * P + q0) * kBlock;
          const int64_t first = (i - i0) * per_block * blocks;
          t.prefetch = first < next_lines ? next + first * kBlock : nullptr;
          table[static_cast<size_t>(rows)](t);
        }
      }
    }
  };
  // One contiguous range per thread (not smaller pieces), so that every step but a thread's
  // first is prefetched.
  const int64_t units = panels * tiles;
  const int64_t threads = pool != nullptr ? std::min<int64_t>(pool->num_threads(), units) : 1;
  if (threads <= 1) {
    work(0, units);
    return;
  }
  parallel_for(pool, threads, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) work(units * t / threads, units * (t + 1) / threads);
  });
}

}  // namespace onyx::nn
