#include "ops/rnn/lstm_fast.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>

#include "core/huge_pages.h"
#include "ops/common/avx2_math.h"

namespace onyx::rnn {
namespace {

using simd::exp8;
using simd::has_avx2;
using simd::reciprocal8;

constexpr int64_t kPanel = PackedRecurrence::kPanel;

// The widest ISA the dispatchers may pick: tests lower it to check every copy.
Isa g_isa_cap = Isa::kAvx512;

bool use_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok && g_isa_cap >= Isa::kAvx512;
}

bool use_avx2() { return has_avx2() && g_isa_cap >= Isa::kAvx2; }

// ---- portable versions ------------------------------------------------------------------

float sigmoid1(float x) { return 1.0f / (1.0f + std::exp(-x)); }

float clip1(float v, float clip) { return clip > 0 ? std::clamp(v, -clip, clip) : v; }

void multiply_portable(const float* data, int64_t panels, int64_t hidden, int64_t gh, const float* h,
                       int64_t batch, int64_t ldh, float* out, int64_t ldo, bool backward) {
  (void)backward;
  for (int64_t b = 0; b < batch; ++b) {
    const float* hb = h + b * ldh;
    for (int64_t p = 0; p < panels; ++p) {
      float acc[kPanel] = {};
      const float* w = data + p * hidden * kPanel;
      for (int64_t k = 0; k < hidden; ++k) {
        for (int64_t c = 0; c < kPanel; ++c) acc[c] += w[k * kPanel + c] * hb[k];
      }
      std::copy_n(acc, std::min(kPanel, gh - p * kPanel), out + b * ldo + p * kPanel);
    }
  }
}

void cell_portable(const CellConfig& cfg, const float* x, const float* r, float* c, float* h, int64_t j0) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias;
  const float* p = cfg.peepholes;
  const float clip = cfg.clip;
  for (int64_t j = j0; j < H; ++j) {
    const float cp = c[j];
    const float ig = sigmoid1(clip1(x[j] + r[j] + b[j] + (p ? p[j] * cp : 0.0f), clip));
    const float fg = cfg.input_forget
                         ? 1.0f - ig
                         : sigmoid1(clip1(x[2 * H + j] + r[2 * H + j] + b[2 * H + j] + (p ? p[2 * H + j] * cp : 0.0f), clip));
    const float cc = std::tanh(clip1(x[3 * H + j] + r[3 * H + j] + b[3 * H + j], clip));
    const float cn = fg * cp + ig * cc;
    const float og = sigmoid1(clip1(x[H + j] + r[H + j] + b[H + j] + (p ? p[H + j] * cn : 0.0f), clip));
    c[j] = cn;
    h[j] = og * std::tanh(cn);
  }
}

void gru_cell_portable(const GruCellConfig& cfg, const float* x, const float* r, const float* hp, float* h,
                       int64_t j0) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias_zr;
  const float clip = cfg.clip;
  for (int64_t j = j0; j < H; ++j) {
    const float z = sigmoid1(clip1(x[j] + r[j] + b[j], clip));
    const float rg = sigmoid1(clip1(x[H + j] + r[H + j] + b[H + j], clip));
    const float n = std::tanh(clip1(x[2 * H + j] + cfg.wbh[j] + rg * (r[2 * H + j] + cfg.rbh[j]), clip));
    h[j] = (1.0f - z) * n + z * hp[j];
  }
}

// ---- AVX2 + FMA -------------------------------------------------------------------------

ONYX_AVX2 inline __m256 sigmoid8(__m256 x) {
  return reciprocal8(_mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// tanh: Cephes' odd polynomial below |x| = 0.625 (where 1 - 2 / (e^2x + 1) would cancel),
// that formula above it, with x's sign.
ONYX_AVX2 inline __m256 tanh8(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 ax = _mm256_andnot_ps(sign, x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp8(_mm256_add_ps(ax, ax));
  const __m256 r = reciprocal8(_mm256_add_ps(e, one));
  const __m256 big = _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), r, one);
  const __m256 signed_big = _mm256_or_ps(big, _mm256_and_ps(sign, x));
  return _mm256_blendv_ps(signed_big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

ONYX_AVX2 inline __m256 clip8(__m256 v, float clip) {
  if (clip <= 0) return v;
  return _mm256_max_ps(_mm256_set1_ps(-clip), _mm256_min_ps(_mm256_set1_ps(clip), v));
}

// The 16 columns of one panel for one row.
ONYX_AVX2 inline void store_panel(float* out, int64_t cols, __m256 a0, __m256 a1) {
  if (cols == kPanel) {
    _mm256_storeu_ps(out, a0);
    _mm256_storeu_ps(out + 8, a1);
    return;
  }
  alignas(32) float tmp[kPanel];
  _mm256_store_ps(tmp, a0);
  _mm256_store_ps(tmp + 8, a1);
  std::copy_n(tmp, cols, out);
}

// MR (<= 4) rows against one panel: 2 * MR accumulators; each panel row is loaded once into
// registers and used by every row (the empty asm keeps GCC from re-reading it per FMA, which
// would make the loop load-bound).
template <int MR>
ONYX_AVX2 void panel_rows(const float* w, int64_t hidden, const float* h, int64_t ldh, float* out, int64_t ldo,
                          int64_t cols) {
  static_assert(MR >= 2 && MR <= 4);
  // Named accumulators: an array would be kept on the stack across the loop.
  __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
  const float* h0 = h;
  const float* h1 = h + ldh;
  const float* h2 = h + 2 * ldh;
  const float* h3 = h + 3 * ldh;
  for (int64_t k = 0; k < hidden; ++k, w += kPanel) {
    __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);
    asm("" : "+x"(w0), "+x"(w1));
    __m256 x = _mm256_broadcast_ss(h0 + k);
    a0 = _mm256_fmadd_ps(w0, x, a0);
    b0 = _mm256_fmadd_ps(w1, x, b0);
    x = _mm256_broadcast_ss(h1 + k);
    a1 = _mm256_fmadd_ps(w0, x, a1);
    b1 = _mm256_fmadd_ps(w1, x, b1);
    if constexpr (MR > 2) {
      x = _mm256_broadcast_ss(h2 + k);
      a2 = _mm256_fmadd_ps(w0, x, a2);
      b2 = _mm256_fmadd_ps(w1, x, b2);
    }
    if constexpr (MR > 3) {
      x = _mm256_broadcast_ss(h3 + k);
      a3 = _mm256_fmadd_ps(w0, x, a3);
      b3 = _mm256_fmadd_ps(w1, x, b3);
    }
  }
  store_panel(out, cols, a0, b0);
  store_panel(out + ldo, cols, a1, b1);
  if constexpr (MR > 2) store_panel(out + 2 * ldo, cols, a2, b2);
  if constexpr (MR > 3) store_panel(out + 3 * ldo, cols, a3, b3);
}

// One row against one panel: four chains over k (k mod 4) hide the FMA latency.
ONYX_AVX2 void panel_one_row(const float* w, int64_t hidden, const float* h0, float* o0, int64_t cols) {
  __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
  int64_t k = 0;
  for (; k + 4 <= hidden; k += 4, w += 4 * kPanel) {
    __m256 x = _mm256_broadcast_ss(h0 + k);
    a0 = _mm256_fmadd_ps(_mm256_load_ps(w), x, a0);
    b0 = _mm256_fmadd_ps(_mm256_load_ps(w + 8), x, b0);
    x = _mm256_broadcast_ss(h0 + k + 1);
    a1 = _mm256_fmadd_ps(_mm256_load_ps(w + 16), x, a1);
    b1 = _mm256_fmadd_ps(_mm256_load_ps(w + 24), x, b1);
    x = _mm256_broadcast_ss(h0 + k + 2);
    a2 = _mm256_fmadd_ps(_mm256_load_ps(w + 32), x, a2);
    b2 = _mm256_fmadd_ps(_mm256_load_ps(w + 40), x, b2);
    x = _mm256_broadcast_ss(h0 + k + 3);
    a3 = _mm256_fmadd_ps(_mm256_load_ps(w + 48), x, a3);
    b3 = _mm256_fmadd_ps(_mm256_load_ps(w + 56), x, b3);
  }
  for (; k < hidden; ++k, w += kPanel) {
    const __m256 x = _mm256_broadcast_ss(h0 + k);
    a0 = _mm256_fmadd_ps(_mm256_load_ps(w), x, a0);
    b0 = _mm256_fmadd_ps(_mm256_load_ps(w + 8), x, b0);
  }
  store_panel(o0, cols, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
              _mm256_add_ps(_mm256_add_ps(b0, b1), _mm256_add_ps(b2, b3)));
}

ONYX_AVX2 void multiply_avx2(const float* data, int64_t panels, int64_t hidden, int64_t gh, const float* h,
                             int64_t batch, int64_t ldh, float* out, int64_t ldo, bool backward) {
  for (int64_t i = 0; i < panels; ++i) {
    const int64_t p = backward ? panels - 1 - i : i;
    const float* w = data + p * hidden * kPanel;
    const int64_t cols = std::min(kPanel, gh - p * kPanel);
    float* o = out + p * kPanel;
    int64_t b = 0;
    for (; b + 4 <= batch; b += 4) panel_rows<4>(w, hidden, h + b * ldh, ldh, o + b * ldo, ldo, cols);
    switch (batch - b) {
      case 3: panel_rows<3>(w, hidden, h + b * ldh, ldh, o + b * ldo, ldo, cols); break;
      case 2: panel_rows<2>(w, hidden, h + b * ldh, ldh, o + b * ldo, ldo, cols); break;
      case 1: panel_one_row(w, hidden, h + b * ldh, o + b * ldo, cols); break;
      default: break;
    }
  }
}

#define ONYX_AVX512 __attribute__((target("avx512f,avx2,fma")))

// AVX-512: a panel row is one register. Two panels at a time, so MR (<= 8) rows share each
// load of both: per k, 2 loads of R and MR broadcasts feed 2 * MR FMAs (one panel with 8 rows
// was load-bound: 9 loads for 8 FMAs). `w2` may equal `w` for an odd last panel (its results go
// to `out` twice, the same values).
template <int MR>
ONYX_AVX512 void panel_pair_rows_avx512(const float* w, const float* w2, int64_t hidden, const float* h, int64_t ldh,
                                        float* out, float* out2, int64_t ldo, __mmask16 mask, __mmask16 mask2) {
  static_assert(MR >= 2 && MR <= 8);
  __m512 acc[MR], acc2[MR];
  for (int r = 0; r < MR; ++r) acc[r] = acc2[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < hidden; ++k, w += kPanel, w2 += kPanel) {
    const __m512 wk = _mm512_load_ps(w), wk2 = _mm512_load_ps(w2);
    for (int r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(h[r * ldh + k]);
      acc[r] = _mm512_fmadd_ps(wk, x, acc[r]);
      acc2[r] = _mm512_fmadd_ps(wk2, x, acc2[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_ps(out + r * ldo, mask, acc[r]);
    _mm512_mask_storeu_ps(out2 + r * ldo, mask2, acc2[r]);
  }
}

// One row against two panels: four chains over k (k mod 4) per panel hide the FMA latency;
// 1.4x the AVX2 one-panel kernel's rate on R of hidden 256 (9.1 vs 13 us for 1 MiB in L2).
ONYX_AVX512 void panel_pair_one_row_avx512(const float* w, const float* w2, int64_t hidden, const float* h0,
                                           float* o, float* o2, __mmask16 mask, __mmask16 mask2) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t k = 0;
  for (; k + 4 <= hidden; k += 4, w += 4 * kPanel, w2 += 4 * kPanel) {
    const __m512 x0 = _mm512_set1_ps(h0[k]), x1 = _mm512_set1_ps(h0[k + 1]);
    const __m512 x2 = _mm512_set1_ps(h0[k + 2]), x3 = _mm512_set1_ps(h0[k + 3]);
    a0 = _mm512_fmadd_ps(_mm512_load_ps(w), x0, a0);
    a1 = _mm512_fmadd_ps(_mm512_load_ps(w + 16), x1, a1);
    a2 = _mm512_fmadd_ps(_mm512_load_ps(w + 32), x2, a2);
    a3 = _mm512_fmadd_ps(_mm512_load_ps(w + 48), x3, a3);
    b0 = _mm512_fmadd_ps(_mm512_load_ps(w2), x0, b0);
    b1 = _mm512_fmadd_ps(_mm512_load_ps(w2 + 16), x1, b1);
    b2 = _mm512_fmadd_ps(_mm512_load_ps(w2 + 32), x2, b2);
    b3 = _mm512_fmadd_ps(_mm512_load_ps(w2 + 48), x3, b3);
  }
  for (; k < hidden; ++k, w += kPanel, w2 += kPanel) {
    const __m512 x = _mm512_set1_ps(h0[k]);
    a0 = _mm512_fmadd_ps(_mm512_load_ps(w), x, a0);
    b0 = _mm512_fmadd_ps(_mm512_load_ps(w2), x, b0);
  }
  _mm512_mask_storeu_ps(o, mask, _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  _mm512_mask_storeu_ps(o2, mask2, _mm512_add_ps(_mm512_add_ps(b0, b1), _mm512_add_ps(b2, b3)));
}

inline __mmask16 panel_mask(int64_t cols) {
  return cols >= kPanel ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1);
}

ONYX_AVX512 void multiply_avx512(const float* data, int64_t panels, int64_t hidden, int64_t gh,
                                 const float* h, int64_t batch, int64_t ldh, float* out, int64_t ldo,
                                 bool backward) {
  const int64_t pairs = (panels + 1) / 2;
  for (int64_t i = 0; i < pairs; ++i) {
    const int64_t q = backward ? pairs - 1 - i : i;
    const int64_t p = 2 * q, p2 = std::min(p + 1, panels - 1);
    const float* w = data + p * hidden * kPanel;
    const float* w2 = data + p2 * hidden * kPanel;
    const __mmask16 mask = panel_mask(gh - p * kPanel), mask2 = panel_mask(gh - p2 * kPanel);
    float* o = out + p * kPanel;
    float* o2 = out + p2 * kPanel;
    int64_t b = 0;
    for (; b + 8 <= batch; b += 8) {
      panel_pair_rows_avx512<8>(w, w2, hidden, h + b * ldh, ldh, o + b * ldo, o2 + b * ldo, ldo, mask, mask2);
    }
    const float* hb = h + b * ldh;
    float* ob = o + b * ldo;
    float* ob2 = o2 + b * ldo;
    switch (batch - b) {
      case 7: panel_pair_rows_avx512<7>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 6: panel_pair_rows_avx512<6>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 5: panel_pair_rows_avx512<5>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 4: panel_pair_rows_avx512<4>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 3: panel_pair_rows_avx512<3>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 2: panel_pair_rows_avx512<2>(w, w2, hidden, hb, ldh, ob, ob2, ldo, mask, mask2); break;
      case 1: panel_pair_one_row_avx512(w, w2, hidden, hb, ob, ob2, mask, mask2); break;
      default: break;
    }
  }
}

// Gate q's pre-activation for hidden units [j, j + 8): x W^T + h R^T + bias.
ONYX_AVX2 inline __m256 gate8(const float* x, const float* r, const float* b, int64_t q) {
  return _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x + q), _mm256_loadu_ps(r + q)), _mm256_loadu_ps(b + q));
}

ONYX_AVX2 void cell_avx2(const CellConfig& cfg, const float* x, const float* r, float* c, float* h) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias;
  const float* p = cfg.peepholes;
  const float clip = cfg.clip;
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 cp = _mm256_loadu_ps(c + j);
    __m256 gi = gate8(x, r, b, j);
    __m256 gf = gate8(x, r, b, 2 * H + j);
    if (p != nullptr) {
      gi = _mm256_fmadd_ps(_mm256_loadu_ps(p + j), cp, gi);
      gf = _mm256_fmadd_ps(_mm256_loadu_ps(p + 2 * H + j), cp, gf);
    }
    const __m256 ig = sigmoid8(clip8(gi, clip));
    const __m256 fg = cfg.input_forget ? _mm256_sub_ps(one, ig) : sigmoid8(clip8(gf, clip));
    const __m256 cc = tanh8(clip8(gate8(x, r, b, 3 * H + j), clip));
    const __m256 cn = _mm256_fmadd_ps(fg, cp, _mm256_mul_ps(ig, cc));
    __m256 go = gate8(x, r, b, H + j);
    if (p != nullptr) go = _mm256_fmadd_ps(_mm256_loadu_ps(p + H + j), cn, go);
    const __m256 og = sigmoid8(clip8(go, clip));
    _mm256_storeu_ps(c + j, cn);
    _mm256_storeu_ps(h + j, _mm256_mul_ps(og, tanh8(cn)));
  }
  cell_portable(cfg, x, r, c, h, j);
}

ONYX_AVX2 void gru_cell_avx2(const GruCellConfig& cfg, const float* x, const float* r, const float* h_prev, float* h) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias_zr;
  const float clip = cfg.clip;
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t j = 0;
  for (; j + 8 <= H; j += 8) {
    const __m256 z = sigmoid8(clip8(gate8(x, r, b, j), clip));
    const __m256 rg = sigmoid8(clip8(gate8(x, r, b, H + j), clip));
    const __m256 hh = _mm256_add_ps(_mm256_loadu_ps(r + 2 * H + j), _mm256_loadu_ps(cfg.rbh + j));
    const __m256 pre = _mm256_fmadd_ps(rg, hh, _mm256_add_ps(_mm256_loadu_ps(x + 2 * H + j),
                                                             _mm256_loadu_ps(cfg.wbh + j)));
    const __m256 n = tanh8(clip8(pre, clip));
    const __m256 hp = _mm256_loadu_ps(h_prev + j);
    _mm256_storeu_ps(h + j, _mm256_fmadd_ps(z, hp, _mm256_mul_ps(_mm256_sub_ps(one, z), n)));
  }
  gru_cell_portable(cfg, x, r, h_prev, h, j);
}

ONYX_AVX2 void sigmoid_avx2(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(v + i, sigmoid8(_mm256_loadu_ps(v + i)));
  for (; i < n; ++i) v[i] = sigmoid1(v[i]);
}

ONYX_AVX2 void tanh_avx2(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(v + i, tanh8(_mm256_loadu_ps(v + i)));
  for (; i < n; ++i) v[i] = std::tanh(v[i]);
}

// ---- AVX-512: the cells on 16 lanes (the AVX2 formulas, same constants) -------------------
// (The all-lanes maskz_ forms of min, max, roundscale, cvtps, slli and rcp14: GCC 12 warns about the
// undefined pass-through register inside the plain ones.)
constexpr __mmask16 kAll = 0xFFFF;


ONYX_AVX512 inline __m512 exp16(__m512 x) {
  x = _mm512_maskz_min_ps(kAll, _mm512_set1_ps(88.0f), x);
  x = _mm512_maskz_max_ps(kAll, _mm512_set1_ps(-87.33654f), x);
  const __m512 n = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  const __m512i e = _mm512_maskz_slli_epi32(kAll, _mm512_add_epi32(_mm512_maskz_cvtps_epi32(kAll, n), _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

// rcp14 and one Newton step: about 1e-8 relative error.
ONYX_AVX512 inline __m512 reciprocal16(__m512 d) {
  const __m512 r = _mm512_maskz_rcp14_ps(kAll, d);
  return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
}

ONYX_AVX512 inline __m512 sigmoid16(__m512 x) {
  return reciprocal16(_mm512_add_ps(_mm512_set1_ps(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

ONYX_AVX512 inline __m512 tanh16(__m512 x) {
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 r = reciprocal16(_mm512_add_ps(exp16(_mm512_add_ps(ax, ax)), one));
  const __m512 big = _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), r, one);
  // x's sign onto big (which is >= 0 or NaN): big | (x & -0).
  const __m512 signed_big = _mm512_castsi512_ps(_mm512_or_si512(
      _mm512_castps_si512(big), _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN))));
  const __mmask16 is_small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(is_small, signed_big, small);
}

ONYX_AVX512 inline __m512 clip16(__m512 v, float clip) {
  if (clip <= 0) return v;
  return _mm512_maskz_max_ps(kAll, _mm512_set1_ps(-clip), _mm512_maskz_min_ps(kAll, _mm512_set1_ps(clip), v));
}

ONYX_AVX512 inline __m512 gate16(const float* x, const float* r, const float* b, int64_t q) {
  return _mm512_add_ps(_mm512_add_ps(_mm512_loadu_ps(x + q), _mm512_loadu_ps(r + q)), _mm512_loadu_ps(b + q));
}

ONYX_AVX512 void cell_avx512(const CellConfig& cfg, const float* x, const float* r, float* c, float* h) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias;
  const float* p = cfg.peepholes;
  const float clip = cfg.clip;
  const __m512 one = _mm512_set1_ps(1.0f);
  int64_t j = 0;
  for (; j + 16 <= H; j += 16) {
    const __m512 cp = _mm512_loadu_ps(c + j);
    __m512 gi = gate16(x, r, b, j);
    __m512 gf = gate16(x, r, b, 2 * H + j);
    if (p != nullptr) {
      gi = _mm512_fmadd_ps(_mm512_loadu_ps(p + j), cp, gi);
      gf = _mm512_fmadd_ps(_mm512_loadu_ps(p + 2 * H + j), cp, gf);
    }
    const __m512 ig = sigmoid16(clip16(gi, clip));
    const __m512 fg = cfg.input_forget ? _mm512_sub_ps(one, ig) : sigmoid16(clip16(gf, clip));
    const __m512 cc = tanh16(clip16(gate16(x, r, b, 3 * H + j), clip));
    const __m512 cn = _mm512_fmadd_ps(fg, cp, _mm512_mul_ps(ig, cc));
    __m512 go = gate16(x, r, b, H + j);
    if (p != nullptr) go = _mm512_fmadd_ps(_mm512_loadu_ps(p + H + j), cn, go);
    const __m512 og = sigmoid16(clip16(go, clip));
    _mm512_storeu_ps(c + j, cn);
    _mm512_storeu_ps(h + j, _mm512_mul_ps(og, tanh16(cn)));
  }
  cell_portable(cfg, x, r, c, h, j);
}

ONYX_AVX512 void gru_cell_avx512(const GruCellConfig& cfg, const float* x, const float* r, const float* h_prev,
                                 float* h) {
  const int64_t H = cfg.hidden;
  const float* b = cfg.bias_zr;
  const float clip = cfg.clip;
  const __m512 one = _mm512_set1_ps(1.0f);
  int64_t j = 0;
  for (; j + 16 <= H; j += 16) {
    const __m512 z = sigmoid16(clip16(gate16(x, r, b, j), clip));
    const __m512 rg = sigmoid16(clip16(gate16(x, r, b, H + j), clip));
    const __m512 hh = _mm512_add_ps(_mm512_loadu_ps(r + 2 * H + j), _mm512_loadu_ps(cfg.rbh + j));
    const __m512 pre = _mm512_fmadd_ps(rg, hh, _mm512_add_ps(_mm512_loadu_ps(x + 2 * H + j),
                                                             _mm512_loadu_ps(cfg.wbh + j)));
    const __m512 n = tanh16(clip16(pre, clip));
    const __m512 hp = _mm512_loadu_ps(h_prev + j);
    _mm512_storeu_ps(h + j, _mm512_fmadd_ps(z, hp, _mm512_mul_ps(_mm512_sub_ps(one, z), n)));
  }
  gru_cell_portable(cfg, x, r, h_prev, h, j);
}

ONYX_AVX512 void sigmoid_avx512(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(v + i, sigmoid16(_mm512_loadu_ps(v + i)));
  for (; i < n; ++i) v[i] = sigmoid1(v[i]);
}

ONYX_AVX512 void tanh_avx512(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(v + i, tanh16(_mm512_loadu_ps(v + i)));
  for (; i < n; ++i) v[i] = std::tanh(v[i]);
}

}  // namespace

void PackedRecurrence::pack(const float* r, int64_t gh, int64_t h) {
  gh_ = gh;
  h_ = h;
  panels_ = (gh + kPanel - 1) / kPanel;
  data_ = allocate_weight_buffer(static_cast<size_t>(panels_ * h * kPanel) * sizeof(float));
  if (data_ == nullptr) throw std::bad_alloc();
  float* base = static_cast<float*>(data_.get());  // zeroed, 64-byte aligned
  for (int64_t p = 0; p < panels_; ++p) {
    const int64_t cols = std::min(kPanel, gh - p * kPanel);
    for (int64_t k = 0; k < h; ++k) {
      float* dst = base + (p * h + k) * kPanel;
      for (int64_t c = 0; c < cols; ++c) dst[c] = r[(p * kPanel + c) * h + k];
    }
  }
}

void PackedRecurrence::multiply(const float* h, int64_t batch, int64_t ldh, float* out, int64_t ldo,
                                bool backward) const {
  multiply_panels(h, batch, ldh, out, ldo, 0, panels_, backward);
}

void PackedRecurrence::multiply_panels(const float* h, int64_t batch, int64_t ldh, float* out, int64_t ldo,
                                       int64_t p0, int64_t p1, bool backward) const {
  if (p1 <= p0) return;
  // Panels [p0, p1) are a packed R of their own: (p1 - p0) panels holding the columns from
  // p0 * kPanel on.
  const float* base = static_cast<const float*>(data_.get()) + p0 * h_ * kPanel;
  const int64_t panels = p1 - p0, gh = std::min(gh_ - p0 * kPanel, panels * kPanel);
  float* o = out + p0 * kPanel;
  if (use_avx512()) {
    multiply_avx512(base, panels, h_, gh, h, batch, ldh, o, ldo, backward);
  } else if (use_avx2()) {
    multiply_avx2(base, panels, h_, gh, h, batch, ldh, o, ldo, backward);
  } else {
    multiply_portable(base, panels, h_, gh, h, batch, ldh, o, ldo, backward);
  }
}

void lstm_cell(const CellConfig& cfg, const float* x, const float* r, float* c, float* h) {
  if (use_avx512()) {
    cell_avx512(cfg, x, r, c, h);
  } else if (use_avx2()) {
    cell_avx2(cfg, x, r, c, h);
  } else {
    cell_portable(cfg, x, r, c, h, 0);
  }
}

void gru_cell(const GruCellConfig& cfg, const float* x, const float* r, const float* h_prev, float* h) {
  if (use_avx512()) {
    gru_cell_avx512(cfg, x, r, h_prev, h);
  } else if (use_avx2()) {
    gru_cell_avx2(cfg, x, r, h_prev, h);
  } else {
    gru_cell_portable(cfg, x, r, h_prev, h, 0);
  }
}

void sigmoid_inplace(float* v, int64_t n) {
  if (use_avx512()) {
    sigmoid_avx512(v, n);
  } else if (use_avx2()) {
    sigmoid_avx2(v, n);
  } else {
    for (int64_t i = 0; i < n; ++i) v[i] = sigmoid1(v[i]);
  }
}

void tanh_inplace(float* v, int64_t n) {
  if (use_avx512()) {
    tanh_avx512(v, n);
  } else if (use_avx2()) {
    tanh_avx2(v, n);
  } else {
    for (int64_t i = 0; i < n; ++i) v[i] = std::tanh(v[i]);
  }
}

Isa set_isa_cap_for_tests(Isa cap) {
  const Isa old = g_isa_cap;
  g_isa_cap = cap;
  return old;
}

}  // namespace onyx::rnn
