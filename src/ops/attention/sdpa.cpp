#include "ops/attention/sdpa.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/tensor.h"
#include "ops/common/simd_math.h"
#include "ops/linalg/gemm.h"

namespace onyx::attention {
namespace {

// Query heads per kv head (0 kv heads only with 0 query heads: nothing to compute).
template <typename C>
int64_t group_of(const SdpaArgs<C>& a) {
  return a.kv_heads > 0 ? std::max<int64_t>(a.q_heads / a.kv_heads, 1) : 1;
}

template <typename C>
const C* q_at(const SdpaArgs<C>& a, int64_t b, int64_t h) {
  return a.q + b * a.q_st.batch + h * a.q_st.head;
}
template <typename C>
const C* k_at(const SdpaArgs<C>& a, int64_t b, int64_t g) {
  return a.k + b * a.k_st.batch + g * a.k_st.head;
}
template <typename C>
const C* v_at(const SdpaArgs<C>& a, int64_t b, int64_t g) {
  return a.v + b * a.v_st.batch + g * a.v_st.head;
}
template <typename C>
C* y_at(const SdpaArgs<C>& a, int64_t b, int64_t h) {
  return a.y + b * a.y_st.batch + h * a.y_st.head;
}

// S [q_len, kv_len] = scale * Q[b,h] K[b,g]^T.
template <typename C>
void scores_of_pair(const SdpaArgs<C>& a, int64_t b, int64_t h, C* s) {
  const int64_t g = h / group_of(a);
  const bool rows = a.k_dim_stride == 1;  // else K^T rows: [qk_dim, kv_len], k_st.seq == 1
  linalg::gemm<C>(false, rows, a.q_len, a.kv_len, a.qk_dim, static_cast<C>(a.scale), q_at(a, b, h),
                  a.q_st.seq, k_at(a, b, g), rows ? a.k_st.seq : a.k_dim_stride, C(0), s,
                  a.kv_len);
}

// Y[b,h] = P V[b,g] for P [q_len, kv_len].
template <typename C>
void output_of_pair(const SdpaArgs<C>& a, int64_t b, int64_t h, const C* p) {
  const int64_t g = h / group_of(a);
  linalg::gemm<C>(false, false, a.q_len, a.v_dim, a.kv_len, C(1), p, a.kv_len, v_at(a, b, g),
                  a.v_st.seq, C(0), y_at(a, b, h), a.y_st.seq);
}

template <typename Acc, typename C>
void softmax_row_ref(C* x, int64_t n, bool all_masked_gives_nan) {
  C m = -std::numeric_limits<C>::infinity();
  for (int64_t j = 0; j < n; ++j) m = std::max(m, x[j]);
  // Every key masked: no distribution exists; the attention output of the row is zero (ONNX's
  // Attention errata; PyTorch's SDPA does the same) rather than 0/0 = NaN.
  if (m == -std::numeric_limits<C>::infinity()) {
    std::fill(x, x + n, all_masked_gives_nan ? std::numeric_limits<C>::quiet_NaN() : C(0));
    return;
  }
  Acc sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    const Acc e = std::exp(static_cast<Acc>(x[j]) - static_cast<Acc>(m));
    x[j] = static_cast<C>(e);
    sum += e;
  }
  const Acc inv = Acc(1) / sum;
  for (int64_t j = 0; j < n; ++j) x[j] = static_cast<C>(static_cast<Acc>(x[j]) * inv);
}

constexpr int64_t kLanes = 16;  // one zmm, two ymm or four xmm per simd::floatv

// Softmax of one float row after adding `bias` (may be null), B lanes at a time (simd_math.h's
// exp: about 2 ulp; -inf scores give exactly 0). A NaN anywhere makes the whole row NaN, as in
// the reference loop. False, with only the bias added, when every score is -inf: the caller's
// reference loop then applies its all-masked rule.
template <bool kBias>
bool softmax_row_simd(float* x, const float* bias, int64_t n) {
  bool ok = true;
  simd::with_widest_simd([&]() ONYX_SIMD_BODY {
    using V = simd::floatv<kLanes>;
    using I = simd::intv<kLanes>;
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();
    const V neg_inf = simd::broadcast<kLanes>(kNegInf);
    const int64_t full = n - n % kLanes, rest = n - full;
    // The last partial vector, padded with -inf (out of the max, exponentiating to 0). Past one
    // full vector it is the row's last kLanes values with the lanes that belong to the previous
    // vector masked: built in registers, as a vector load of values just stored one by one
    // waits for them (store forwarding fails; 10% of ViT's softmax time).
    V tail = neg_inf;
    if (rest > 0 && full > 0) {
      I lane;
      for (int64_t j = 0; j < kLanes; ++j) lane[j] = static_cast<int32_t>(j);
      V v = simd::load<kLanes>(x + n - kLanes);
      if constexpr (kBias) v += simd::load<kLanes>(bias + n - kLanes);
      tail = lane >= static_cast<int32_t>(kLanes - rest) ? v : neg_inf;
    } else if (rest > 0) {
      float t[kLanes];
      for (int64_t j = 0; j < kLanes; ++j) t[j] = j < rest ? x[j] + (kBias ? bias[j] : 0.f) : kNegInf;
      tail = simd::load<kLanes>(t);
    }
    // NaN compares false, so it never becomes the max; the sum below catches it. Two
    // accumulators: one would chain every max on the last.
    V vmax0 = tail, vmax1 = neg_inf;
    int64_t j = 0;
    for (; j + 2 * kLanes <= full; j += 2 * kLanes) {
      V v0 = simd::load<kLanes>(x + j), v1 = simd::load<kLanes>(x + j + kLanes);
      if constexpr (kBias) {
        v0 += simd::load<kLanes>(bias + j);
        v1 += simd::load<kLanes>(bias + j + kLanes);
        simd::store<kLanes>(x + j, v0);
        simd::store<kLanes>(x + j + kLanes, v1);
      }
      vmax0 = v0 > vmax0 ? v0 : vmax0;
      vmax1 = v1 > vmax1 ? v1 : vmax1;
    }
    for (; j < full; j += kLanes) {
      V v = simd::load<kLanes>(x + j);
      if constexpr (kBias) {
        v += simd::load<kLanes>(bias + j);
        simd::store<kLanes>(x + j, v);
      }
      vmax0 = v > vmax0 ? v : vmax0;
    }
    const float m = simd::reduce_max<kLanes>(vmax1 > vmax0 ? vmax1 : vmax0);
    // Lane of the tail vector holding x[full].
    const int64_t first = full > 0 ? kLanes - rest : 0;
    if (m == kNegInf) {
      float t[kLanes];
      simd::store<kLanes>(t, tail);
      for (int64_t k = 0; k < rest; ++k) x[full + k] = t[first + k];
      // NaN never wins a comparison: a row of NaN and -inf also ends here, and is NaN.
      bool nan = false;
      for (int64_t k = 0; k < n; ++k) nan |= std::isnan(x[k]);
      if (nan) {
        std::fill(x, x + n, std::numeric_limits<float>::quiet_NaN());
        return;
      }
      ok = false;
      return;
    }
    const V vm = simd::broadcast<kLanes>(m);
    V vsum{};
    if (rest > 0) {
      tail = simd::exp_nonpositive<kLanes>(tail - vm);
      vsum = tail;
    }
    for (j = 0; j < full; j += kLanes) {
      const V e = simd::exp_nonpositive<kLanes>(simd::load<kLanes>(x + j) - vm);
      simd::store<kLanes>(x + j, e);
      vsum += e;
    }
    // A NaN score (or +inf, whose x - max is NaN) makes the sum NaN, and the row NaN.
    const V inv = simd::broadcast<kLanes>(1.0f / simd::reduce_add<kLanes>(vsum));
    for (j = 0; j < full; j += kLanes) simd::store<kLanes>(x + j, simd::load<kLanes>(x + j) * inv);
    if (rest > 0) {
      float t[kLanes];
      simd::store<kLanes>(t, tail * inv);
      for (int64_t k = 0; k < rest; ++k) x[full + k] = t[first + k];
    }
  });
  return ok;
}

template <typename C>
void softmax_row(C* x, int64_t n, bool in_double, bool all_masked_gives_nan = false) {
  if constexpr (std::is_same_v<C, float>) {
    if (!in_double && softmax_row_simd<false>(x, nullptr, n)) return;
  }
  if (in_double) {
    softmax_row_ref<double>(x, n, all_masked_gives_nan);
  } else {
    softmax_row_ref<C>(x, n, all_masked_gives_nan);
  }
}

// Keys [0, end) of score row i of pair (b, h) may be seen: the key-length, causal and bias-width
// limits.
template <typename C>
int64_t visible_keys(const SdpaArgs<C>& a, int64_t b, int64_t i) {
  int64_t end = a.kv_valid ? std::clamp<int64_t>(a.kv_valid[b], 0, a.kv_len) : a.kv_len;
  if (a.bias) end = std::min(end, a.bias_cols);
  if (a.causal) {
    const int64_t offset = a.causal_offsets ? a.causal_offsets[b] : a.causal_offset;
    end = std::min(end, std::clamp<int64_t>(i + offset + 1, 0, a.kv_len));
  }
  return end;
}

// Score row i of pair (b, h), float, no softcap: bias and softmax over the visible keys in one
// vectorized routine, zeros beyond them. A row with a NaN or nothing visible takes the reference
// steps instead (its bias is on keys [0, end) already; -inf beyond, as the general path does).
void softmax_visible_row(const SdpaArgs<float>& a, int64_t b, int64_t h, int64_t i, float* x) {
  const int64_t n = a.kv_len, end = visible_keys(a, b, i);
  const float* br =
      a.bias ? a.bias + b * a.bias_st.batch + h * a.bias_st.head + i * a.bias_st.seq : nullptr;
  const bool done = end > 0 && (br ? softmax_row_simd<true>(x, br, end)
                                   : softmax_row_simd<false>(x, nullptr, end));
  if (done) {
    std::fill(x + end, x + n, 0.f);
    return;
  }
  std::fill(x + std::max<int64_t>(end, 0), x + n, -std::numeric_limits<float>::infinity());
  softmax_row_ref<float>(x, n, a.all_masked_gives_nan);
}

// Softcap, bias and masks on the scores of pair (b, h), in place; copies the chosen stage.
template <typename C>
void bias_and_mask(const SdpaArgs<C>& a, int64_t b, int64_t h, C* s, C* copy) {
  const int64_t n = a.kv_len;
  if constexpr (std::is_same_v<C, float>) {
    if (copy == nullptr && a.softcap <= 0 && !a.softmax_in_double) {
      for (int64_t i = 0; i < a.q_len; ++i) softmax_visible_row(a, b, h, i, s + i * n);
      return;
    }
  }
  const size_t bytes = static_cast<size_t>(a.q_len * n) * sizeof(C);
  if (copy && a.stage == ScoreStage::kScaled) std::memcpy(copy, s, bytes);
  if (a.softcap > 0) {
    const C cap = static_cast<C>(a.softcap);
    for (int64_t i = 0; i < a.q_len * n; ++i) s[i] = cap * std::tanh(s[i] / cap);
  }
  if (copy && a.stage == ScoreStage::kSoftcapped) std::memcpy(copy, s, bytes);
  constexpr C kNegInf = -std::numeric_limits<C>::infinity();
  const int64_t valid = a.kv_valid ? std::clamp<int64_t>(a.kv_valid[b], 0, n) : n;
  const int64_t offset = a.causal_offsets ? a.causal_offsets[b] : a.causal_offset;
  for (int64_t i = 0; i < a.q_len; ++i) {
    C* row = s + i * n;
    int64_t end = valid;  // keys [0, end) may be seen
    if (a.bias) {
      const C* br = a.bias + b * a.bias_st.batch + h * a.bias_st.head + i * a.bias_st.seq;
      const int64_t cols = std::min(a.bias_cols, n);
      for (int64_t j = 0; j < cols; ++j) row[j] += br[j];
      end = std::min(end, cols);
    }
    if (a.causal) end = std::min(end, std::clamp<int64_t>(i + offset + 1, 0, n));
    std::fill(row + end, row + n, kNegInf);
  }
  if (copy && a.stage == ScoreStage::kBiased) std::memcpy(copy, s, bytes);
  for (int64_t i = 0; i < a.q_len; ++i) {
    softmax_row(s + i * n, n, a.softmax_in_double, a.all_masked_gives_nan);
  }
  if (copy && a.stage == ScoreStage::kSoftmax) std::memcpy(copy, s, bytes);
}

// Runs fn(pair, scratch) over every (batch, query head) pair, in `blocks` contiguous ranges that
// each own one scratch area of `scratch_size` elements (allocated here, on the calling thread,
// so that an allocation failure surfaces as an exception the executor turns into a Status).
template <typename C, typename Fn>
void for_each_pair(const SdpaArgs<C>& a, int64_t scratch_size, ThreadPool* pool, Fn fn) {
  const int64_t pairs = a.batch * a.q_heads;
  if (pairs <= 0) return;
  const int64_t threads = pool ? pool->num_threads() : 1;
  const int64_t blocks = std::min<int64_t>(pairs, threads * 8);
  Tensor scratch(data_type_of<C>, {blocks, std::max<int64_t>(scratch_size, 1)});
  C* base = scratch.data<C>();
  parallel_for(pool, blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      C* s = base + blk * std::max<int64_t>(scratch_size, 1);
      for (int64_t p = pairs * blk / blocks; p < pairs * (blk + 1) / blocks; ++p) {
        fn(p / a.q_heads, p % a.q_heads, s);
      }
    }
  });
}

}  // namespace

template <typename C>
void sdpa(const SdpaArgs<C>& a, ThreadPool* pool) {
  const int64_t tile = a.q_len * a.kv_len;
  for_each_pair(a, tile, pool, [&](int64_t b, int64_t h, C* s) {
    scores_of_pair(a, b, h, s);
    C* copy = a.scores_out ? a.scores_out + (b * a.q_heads + h) * tile : nullptr;
    bias_and_mask(a, b, h, s, copy);
    output_of_pair(a, b, h, s);
  });
}

template <typename C>
void qk_scores(const SdpaArgs<C>& a, C* scores, ThreadPool* pool) {
  const int64_t tile = a.q_len * a.kv_len;
  for_each_pair(a, 0, pool, [&](int64_t b, int64_t h, C*) {
    scores_of_pair(a, b, h, scores + (b * a.q_heads + h) * tile);
  });
}

template <typename C>
void probs_times_v(const SdpaArgs<C>& a, const C* probs, ThreadPool* pool) {
  const int64_t tile = a.q_len * a.kv_len;
  for_each_pair(a, 0, pool, [&](int64_t b, int64_t h, C*) {
    output_of_pair(a, b, h, probs + (b * a.q_heads + h) * tile);
  });
}

template <typename C>
void softmax_rows(C* x, int64_t rows, int64_t len, bool in_double, ThreadPool* pool) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1));
  parallel_for(pool, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) softmax_row(x + r * len, len, in_double);
  });
}

template void sdpa<float>(const SdpaArgs<float>&, ThreadPool*);
template void sdpa<double>(const SdpaArgs<double>&, ThreadPool*);
template void qk_scores<float>(const SdpaArgs<float>&, float*, ThreadPool*);
template void qk_scores<double>(const SdpaArgs<double>&, double*, ThreadPool*);
template void probs_times_v<float>(const SdpaArgs<float>&, const float*, ThreadPool*);
template void probs_times_v<double>(const SdpaArgs<double>&, const double*, ThreadPool*);
template void softmax_rows<float>(float*, int64_t, int64_t, bool, ThreadPool*);
template void softmax_rows<double>(double*, int64_t, int64_t, bool, ThreadPool*);

}  // namespace onyx::attention
