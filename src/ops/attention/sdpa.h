// Scaled dot-product attention over [batch, heads, seq, dim] views: the reference core that the
// Attention kernel runs whole and FlexAttention runs in pieces (so that its score/probability
// subgraphs can run between them). It works on float or double buffers; kernels widen 16-bit
// inputs first. Operands are strided views, so the 3-D packing [batch, seq, heads * dim] needs no
// transpose. A faster path (blocked / online softmax, SIMD) should sit behind sdpa() and be
// tested against this one.
//
// Per (batch b, query head h), with kv head g = h / (q_heads / kv_heads) (grouped-query
// attention: each kv head serves a contiguous group of query heads):
//   S = scale * Q[b,h] K[b,g]^T                  (stage kScaled)
//   S = softcap * tanh(S / softcap)  if softcap>0 (stage kSoftcapped)
//   S = S + bias; masked keys = -inf             (stage kBiased)
//   P = softmax(S) over keys; a row with every key masked gives P = 0, so Y = 0 there
//                                                 (stage kSoftmax)
//   Y[b,h] = P V[b,g]
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace onyx::attention {

// Element strides of a rank-4 [batch, heads, seq, dim] view whose last dim is contiguous.
struct Strides {
  int64_t batch = 0, head = 0, seq = 0;
};

// A contiguous [batch, heads, seq, dim] tensor.
inline Strides bhsd(int64_t heads, int64_t seq, int64_t dim) {
  return {heads * seq * dim, seq * dim, dim};
}
// A contiguous [batch, seq, heads * dim] tensor (the 3-D packing of Attention and friends).
inline Strides bshd(int64_t heads, int64_t seq, int64_t dim) {
  return {seq * heads * dim, dim, heads * dim};
}

// Which intermediate the optional score copy holds (Attention's qk_matmul_output_mode 0..3).
enum class ScoreStage { kScaled = 0, kSoftcapped = 1, kBiased = 2, kSoftmax = 3 };

template <typename C>
struct SdpaArgs {
  int64_t batch = 0, q_heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, qk_dim = 0, v_dim = 0;
  const C* q = nullptr;  // [batch, q_heads, q_len, qk_dim]
  const C* k = nullptr;  // [batch, kv_heads, kv_len, qk_dim]; qk_dim stride k_dim_stride
  const C* v = nullptr;  // [batch, kv_heads, kv_len, v_dim]
  C* y = nullptr;        // [batch, q_heads, q_len, v_dim]
  Strides q_st, k_st, v_st, y_st;
  // Element stride of K along qk_dim: 1 (rows of keys contiguous), or any value when k_st.seq
  // is 1 (K stored transposed, [qk_dim, kv_len], as a MatMul(Q, K^T) graph holds it).
  int64_t k_dim_stride = 1;
  double scale = 1;
  double softcap = 0;
  // Additive bias over [batch, q_heads, q_len, bias_cols], broadcast by zero strides (seq is the
  // query-row stride, the key columns are contiguous). Keys at or past bias_cols are masked: a
  // mask shorter than the keys is padded with -inf.
  const C* bias = nullptr;
  Strides bias_st;
  int64_t bias_cols = 0;
  // Causal masking: query row i sees key j iff j <= i + offset, offset = causal_offsets[b] when
  // given, causal_offset otherwise.
  bool causal = false;
  int64_t causal_offset = 0;
  const int64_t* causal_offsets = nullptr;
  // Key padding: keys at or past kv_valid[b] are masked.
  const int64_t* kv_valid = nullptr;
  // Softmax accumulated in double even when C is float (Attention's softmax_precision).
  bool softmax_in_double = false;
  // A row whose every score is -inf gives NaN probabilities, as the plain Softmax operator does
  // (the fused attention of the optimizer must match the graph it replaces), instead of zeros.
  bool all_masked_gives_nan = false;
  // Optional copy of the scores at one stage, contiguous [batch, q_heads, q_len, kv_len].
  C* scores_out = nullptr;
  ScoreStage stage = ScoreStage::kScaled;
};

// Runs the whole computation, parallel over (batch, query head) pairs.
template <typename C>
void sdpa(const SdpaArgs<C>& a, ThreadPool* pool);

// The pieces, over whole tensors. Only the shape fields, q/k/v/y, their strides and scale of
// `a` are read.
// scores [batch, q_heads, q_len, kv_len] (contiguous) = scale * Q K^T.
template <typename C>
void qk_scores(const SdpaArgs<C>& a, C* scores, ThreadPool* pool);
// Y = P V for probabilities P [batch, q_heads, q_len, kv_len] (contiguous).
template <typename C>
void probs_times_v(const SdpaArgs<C>& a, const C* probs, ThreadPool* pool);
// Softmax in place over each of `rows` rows of `len` values; rows whose values are all -inf
// become zeros.
template <typename C>
void softmax_rows(C* x, int64_t rows, int64_t len, bool in_double, ThreadPool* pool);

}  // namespace onyx::attention
