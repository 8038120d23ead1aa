// Unit tests of Attention (attention family): hand-computed cases for each feature, a naive
// reference over random shapes (GQA, 3-D packing, masks, caches, softcap) and the error cases.
#include <cmath>
#include <limits>
#include <random>

#include "ops/common/simd_dispatch.h"
#include "test_util.h"

namespace onyx::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

NodeSpec attention(int opset, std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {},
                   int outputs = 1) {
  return NodeSpec{"Attention", opset, std::move(inputs), std::move(attrs), outputs};
}

// One query, two keys, scale 1: scores [1, 0], Y = (e * 2 + 1 * 4) / (e + 1).
TEST(AttentionOp, SingleHeadHandComputed) {
  const Tensor q = make<float>({1, 0}, {1, 1, 1, 2});
  const Tensor k = make<float>({1, 0, 0, 0}, {1, 1, 2, 2});
  const Tensor v = make<float>({2, 4}, {1, 1, 2, 1});
  const float e = std::exp(1.f);
  expect_tensor<float>(run_ok(attention(23, {q, k, v}, {attr_float("scale", 1.f)})),
                       {(2 * e + 4) / (e + 1)}, {1, 1, 1, 1});
  // Default scale 1/sqrt(2): scores [1/sqrt2, 0].
  const float s = std::exp(1.f / std::sqrt(2.f));
  expect_tensor<float>(run_ok(attention(23, {q, k, v})), {(2 * s + 4) / (s + 1)}, {1, 1, 1, 1});
}

// Causal, two queries over two keys: query 0 sees key 0 only, query 1 both (equal scores).
TEST(AttentionOp, CausalTopLeftWithoutCache) {
  const Tensor q = make<float>({0, 0}, {1, 1, 2, 1});
  const Tensor k = make<float>({0, 0}, {1, 1, 2, 1});
  const Tensor v = make<float>({2, 6}, {1, 1, 2, 1});
  expect_tensor<float>(run_ok(attention(23, {q, k, v}, {attr_int("is_causal", 1)})), {2, 4},
                       {1, 1, 2, 1});
}

// With a past of one key, the single new query sits at position 1 and sees keys 0 and 1; the
// present cache is past ++ new.
TEST(AttentionOp, CausalWithPastAndPresent) {
  const Tensor q = make<float>({0}, {1, 1, 1, 1});
  const Tensor k = make<float>({0}, {1, 1, 1, 1});
  const Tensor v = make<float>({6}, {1, 1, 1, 1});
  const Tensor pk = make<float>({0}, {1, 1, 1, 1});
  const Tensor pv = make<float>({2}, {1, 1, 1, 1});
  auto r = run_node(attention(23, {q, k, v, Value(), pk, pv}, {attr_int("is_causal", 1)}, 3));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {4}, {1, 1, 1, 1});
  expect_tensor<float>((*r)[1].tensor(), {0, 0}, {1, 1, 2, 1});
  expect_tensor<float>((*r)[2].tensor(), {2, 6}, {1, 1, 2, 1});
}

// A bool mask hides key 1; a float mask shorter than the keys pads with -inf.
TEST(AttentionOp, BoolAndShortFloatMasks) {
  const Tensor q = make<float>({0}, {1, 1, 1, 1});
  const Tensor k = make<float>({0, 0, 0}, {1, 1, 3, 1});
  const Tensor v = make<float>({2, 6, 10}, {1, 1, 3, 1});
  expect_tensor<float>(run_ok(attention(23, {q, k, v, make<bool>({true, false, true}, {1, 3})})),
                       {6}, {1, 1, 1, 1});
  // [0, log 3] over the first two keys, the third padded away: weights 1/4, 3/4.
  expect_tensor<float>(
      run_ok(attention(23, {q, k, v, make<float>({0, std::log(3.f)}, {1, 1, 1, 2})})), {5},
      {1, 1, 1, 1});
}

// A mask that broadcasts over batch and differs per head.
TEST(AttentionOp, MaskBroadcastsPerHead) {
  const Tensor q = make<float>({0, 0, 0, 0}, {2, 2, 1, 1});
  const Tensor k = make<float>({0, 0, 0, 0, 0, 0, 0, 0}, {2, 2, 2, 1});
  const Tensor v = make<float>({1, 3, 5, 7, 9, 11, 13, 15}, {2, 2, 2, 1});
  const Tensor m = make<bool>({true, false, false, true}, {2, 1, 2});  // [heads, q, keys]
  expect_tensor<float>(run_ok(attention(23, {q, k, v, m})), {1, 7, 9, 15}, {2, 2, 1, 1});
}

// Every key masked: the row outputs zeros (not NaN).
TEST(AttentionOp, FullyMaskedRowIsZero) {
  const Tensor q = make<float>({1, 1}, {1, 1, 2, 1});
  const Tensor k = make<float>({1, 1}, {1, 1, 2, 1});
  const Tensor v = make<float>({3, 5}, {1, 1, 2, 1});
  const Tensor m = make<bool>({false, false, true, true}, {2, 2});
  expect_tensor<float>(run_ok(attention(23, {q, k, v, m})), {0, 4}, {1, 1, 2, 1});
}

// Two query heads share one kv head (GQA); head 1's query picks key 1.
TEST(AttentionOp, GroupedQueryHeads) {
  const Tensor q = make<float>({0, 100}, {1, 2, 1, 1});
  const Tensor k = make<float>({-1, 1}, {1, 1, 2, 1});
  const Tensor v = make<float>({2, 6}, {1, 1, 2, 1});
  expect_tensor<float>(run_ok(attention(23, {q, k, v}, {attr_float("scale", 1.f)})), {4, 6},
                       {1, 2, 1, 1}, 1e-4);
}

// qk_matmul_output at each stage, with softcap 1 and a float mask.
TEST(AttentionOp, ScoreOutputStages) {
  const Tensor q = make<float>({1}, {1, 1, 1, 1});
  const Tensor k = make<float>({2, 0}, {1, 1, 2, 1});
  const Tensor v = make<float>({1, 3}, {1, 1, 2, 1});
  const Tensor m = make<float>({0.5f, -kInf}, {1, 2});
  const float capped = std::tanh(2.f);
  const std::vector<std::vector<float>> want = {
      {2, 0}, {capped, 0}, {capped + 0.5f, -kInf}, {1, 0}};
  for (int mode = 0; mode < 4; ++mode) {
    auto r = run_node(attention(23, {q, k, v, m},
                                {attr_float("scale", 1.f), attr_float("softcap", 1.f),
                                 attr_int("qk_matmul_output_mode", mode)},
                                4));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    expect_tensor<float>((*r)[0].tensor(), {1}, {1, 1, 1, 1});
    expect_tensor<float>((*r)[3].tensor(), want[mode], {1, 1, 1, 2});
  }
}

// nonpad_kv_seqlen masks keys past each batch's count; with is_causal and no past the causal
// frontier is bottom-right aligned to that count.
TEST(AttentionOp, NonpadKvSeqlen) {
  const Tensor q = make<float>({0, 0}, {2, 1, 1, 1});
  const Tensor k = make<float>({0, 0, 0, 0, 0, 0}, {2, 1, 3, 1});
  const Tensor v = make<float>({1, 2, 9, 4, 8, 9}, {2, 1, 3, 1});
  const Tensor n = make<int64_t>({2, 1}, {2});
  const NodeSpec spec = attention(24, {q, k, v, Value(), Value(), Value(), n});
  expect_tensor<float>(run_ok(spec), {1.5f, 4}, {2, 1, 1, 1});
  // Two queries, 3 valid keys: offset 1, so query 0 sees keys 0..1 and query 1 keys 0..2.
  const Tensor q2 = make<float>({0, 0}, {1, 1, 2, 1});
  const Tensor k2 = make<float>({0, 0, 0, 0}, {1, 1, 4, 1});
  const Tensor v2 = make<float>({3, 5, 7, 100}, {1, 1, 4, 1});
  expect_tensor<float>(
      run_ok(attention(24, {q2, k2, v2, Value(), Value(), Value(), make<int64_t>({3}, {1})},
                       {attr_int("is_causal", 1)})),
      {4, 5}, {1, 1, 2, 1});
  // Not an input of Attention-23.
  EXPECT_FALSE(run_node(attention(23, {q, k, v, Value(), Value(), Value(), n})).ok());
}

// ---- Naive reference over random shapes ----

struct Case {
  int64_t batch, q_heads, kv_heads, q_len, kv_len, past, dk, dv;
  bool packed, causal, bool_mask, mask;
  float softcap;
};

std::vector<float> random_values(std::mt19937& rng, int64_t n) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// x [b, h, s, d] (4-D layout) -> [b, s, h * d].
std::vector<float> pack(const std::vector<float>& x, int64_t b, int64_t h, int64_t s, int64_t d) {
  std::vector<float> out(x.size());
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < h; ++j)
      for (int64_t t = 0; t < s; ++t)
        for (int64_t e = 0; e < d; ++e)
          out[((i * s + t) * h + j) * d + e] = x[((i * h + j) * s + t) * d + e];
  return out;
}

void check_against_reference(const Case& c, std::mt19937& rng) {
  const int64_t total = c.past + c.kv_len;
  const auto q = random_values(rng, c.batch * c.q_heads * c.q_len * c.dk);
  const auto k = random_values(rng, c.batch * c.kv_heads * c.kv_len * c.dk);
  const auto v = random_values(rng, c.batch * c.kv_heads * c.kv_len * c.dv);
  const auto pk = random_values(rng, c.batch * c.kv_heads * c.past * c.dk);
  const auto pv = random_values(rng, c.batch * c.kv_heads * c.past * c.dv);
  // Mask [q_len, total] broadcast over batch and heads.
  std::vector<float> mf(static_cast<size_t>(c.q_len * total));
  std::vector<uint8_t> mb(mf.size());
  for (size_t i = 0; i < mf.size(); ++i) {
    mb[i] = (rng() % 4) != 0;
    mf[i] = c.bool_mask ? (mb[i] ? 0.f : -kInf) : random_values(rng, 1)[0];
  }
  // Reference, in double.
  std::vector<float> want(static_cast<size_t>(c.batch * c.q_heads * c.q_len * c.dv));
  const int64_t group = c.q_heads / c.kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.dk));
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t h = 0; h < c.q_heads; ++h) {
      const int64_t g = h / group;
      auto key = [&](int64_t j, int64_t e) {
        return j < c.past ? pk[((b * c.kv_heads + g) * c.past + j) * c.dk + e]
                          : k[((b * c.kv_heads + g) * c.kv_len + j - c.past) * c.dk + e];
      };
      auto val = [&](int64_t j, int64_t e) {
        return j < c.past ? pv[((b * c.kv_heads + g) * c.past + j) * c.dv + e]
                          : v[((b * c.kv_heads + g) * c.kv_len + j - c.past) * c.dv + e];
      };
      for (int64_t i = 0; i < c.q_len; ++i) {
        std::vector<double> s(static_cast<size_t>(total));
        double mx = -INFINITY;
        for (int64_t j = 0; j < total; ++j) {
          double acc = 0;
          for (int64_t e = 0; e < c.dk; ++e) {
            acc += q[((b * c.q_heads + h) * c.q_len + i) * c.dk + e] * key(j, e);
          }
          acc *= scale;
          if (c.softcap > 0) acc = c.softcap * std::tanh(acc / c.softcap);
          if (c.mask) acc += mf[i * total + j];
          if (c.causal && j > i + c.past) acc = -INFINITY;
          s[j] = acc;
          mx = std::max(mx, acc);
        }
        double sum = 0;
        for (auto& x : s) sum += (x = std::isinf(mx) ? 0 : std::exp(x - mx));
        for (int64_t e = 0; e < c.dv; ++e) {
          double acc = 0;
          for (int64_t j = 0; j < total; ++j) acc += s[j] * val(j, e);
          want[((b * c.q_heads + h) * c.q_len + i) * c.dv + e] =
              static_cast<float>(sum > 0 ? acc / sum : 0);
        }
      }
    }
  }
  std::vector<Value> inputs;
  std::vector<ir::Attribute> attrs;
  if (c.packed) {
    inputs = {make<float>(pack(q, c.batch, c.q_heads, c.q_len, c.dk),
                          {c.batch, c.q_len, c.q_heads * c.dk}),
              make<float>(pack(k, c.batch, c.kv_heads, c.kv_len, c.dk),
                          {c.batch, c.kv_len, c.kv_heads * c.dk}),
              make<float>(pack(v, c.batch, c.kv_heads, c.kv_len, c.dv),
                          {c.batch, c.kv_len, c.kv_heads * c.dv})};
    attrs = {attr_int("q_num_heads", c.q_heads), attr_int("kv_num_heads", c.kv_heads)};
  } else {
    inputs = {make<float>(q, {c.batch, c.q_heads, c.q_len, c.dk}),
              make<float>(k, {c.batch, c.kv_heads, c.kv_len, c.dk}),
              make<float>(v, {c.batch, c.kv_heads, c.kv_len, c.dv})};
  }
  if (c.mask) {
    if (c.bool_mask) {
      std::vector<bool> bits(mb.begin(), mb.end());
      inputs.push_back(make<bool>(bits, {c.q_len, total}));
    } else {
      inputs.push_back(make<float>(mf, {c.q_len, total}));
    }
  } else {
    inputs.push_back(Value());
  }
  if (c.past > 0) {
    inputs.push_back(make<float>(pk, {c.batch, c.kv_heads, c.past, c.dk}));
    inputs.push_back(make<float>(pv, {c.batch, c.kv_heads, c.past, c.dv}));
  }
  if (c.causal) attrs.push_back(attr_int("is_causal", 1));
  if (c.softcap > 0) attrs.push_back(attr_float("softcap", c.softcap));
  const Tensor y = run_ok(attention(23, inputs, attrs));
  const std::vector<float> expected =
      c.packed ? pack(want, c.batch, c.q_heads, c.q_len, c.dv) : want;
  const Shape shape = c.packed ? Shape{c.batch, c.q_len, c.q_heads * c.dv}
                               : Shape{c.batch, c.q_heads, c.q_len, c.dv};
  expect_tensor<float>(y, expected, shape, 1e-4);
}

TEST(AttentionOp, MatchesNaiveReferenceOnRandomShapes) {
  std::mt19937 rng(7);
  const Case cases[] = {
      {1, 1, 1, 1, 1, 0, 1, 1, false, false, false, false, 0},
      {2, 3, 3, 5, 7, 0, 4, 3, false, false, false, false, 0},
      {2, 6, 2, 4, 3, 2, 5, 7, false, true, false, true, 0},
      {1, 4, 1, 3, 3, 0, 8, 8, true, true, true, true, 0},
      {3, 2, 2, 1, 5, 4, 3, 2, true, false, false, true, 2.5f},
      {2, 9, 3, 6, 6, 1, 7, 5, true, true, false, false, 1.5f},
      {1, 2, 1, 17, 33, 5, 16, 12, false, true, true, true, 0},
      // Key lengths of whole SIMD vectors and more (the vectorized softmax's loop and tail).
      {1, 2, 2, 4, 32, 0, 8, 8, false, false, false, false, 0},
      {2, 3, 3, 5, 37, 11, 8, 4, true, true, true, true, 0},
      {1, 2, 1, 3, 50, 0, 4, 4, false, false, false, true, 0},
  };
  // Every SIMD copy of the softmax (simd_dispatch.h) against the same reference.
  for (simd::Isa isa : {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    SCOPED_TRACE(simd::isa_name(isa));
    simd::set_simd_limit_for_testing(isa);
    for (const Case& c : cases) check_against_reference(c, rng);
  }
  simd::set_simd_limit_for_testing(simd::Isa::kAvx512);
}

// A NaN in one query row makes that row's output NaN (as the reference softmax does) and leaves
// the other rows alone; the vectorized softmax must not spread or drop it.
TEST(AttentionOp, NanScoreRowStaysNan) {
  const int64_t L = 20, d = 4;
  std::vector<float> q(static_cast<size_t>(L * d), 0.1f), k(q.size(), 0.2f), v(q.size(), 1.f);
  q[5 * d + 1] = std::numeric_limits<float>::quiet_NaN();
  const Tensor y = run_ok(attention(23, {make<float>(q, {1, 1, L, d}), make<float>(k, {1, 1, L, d}),
                                         make<float>(v, {1, 1, L, d})}));
  const float* out = y.data<float>();
  for (int64_t i = 0; i < L; ++i) {
    for (int64_t e = 0; e < d; ++e) {
      if (i == 5) {
        EXPECT_TRUE(std::isnan(out[i * d + e])) << i;
      } else {
        EXPECT_NEAR(out[i * d + e], 1.f, 1e-6) << i;  // uniform weights over equal values
      }
    }
  }
}

// 16-bit and double inputs compute as float / double.
TEST(AttentionOp, HalfAndDouble) {
  const float e = std::exp(1.f);
  const float want = (2 * e + 4) / (e + 1);
  const Tensor qh = make<float16>({float16(1.f), float16(0.f)}, {1, 1, 1, 2});
  const Tensor kh =
      make<float16>({float16(1.f), float16(0.f), float16(0.f), float16(0.f)}, {1, 1, 2, 2});
  const Tensor vh = make<float16>({float16(2.f), float16(4.f)}, {1, 1, 2, 1});
  expect_tensor<float16>(run_ok(attention(23, {qh, kh, vh}, {attr_float("scale", 1.f)})),
                         {float16(want)}, {1, 1, 1, 1});
  const Tensor qd = make<double>({1, 0}, {1, 1, 1, 2});
  const Tensor kd = make<double>({1, 0, 0, 0}, {1, 1, 2, 2});
  const Tensor vd = make<double>({2, 4}, {1, 1, 2, 1});
  expect_tensor<double>(run_ok(attention(23, {qd, kd, vd}, {attr_float("scale", 1.f)})),
                        {(2 * std::exp(1.0) + 4) / (std::exp(1.0) + 1)}, {1, 1, 1, 1}, 1e-12);
}

TEST(AttentionOp, EmptyDims) {
  // No queries: empty output.
  expect_tensor<float>(
      run_ok(attention(23, {make<float>({}, {1, 2, 0, 3}), make<float>({}, {1, 2, 0, 3}),
                            make<float>({}, {1, 2, 0, 4})})),
      {}, {1, 2, 0, 4});
  // No keys: every row fully masked, zeros.
  expect_tensor<float>(
      run_ok(attention(23, {make<float>({1, 2}, {1, 1, 1, 2}), make<float>({}, {1, 1, 0, 2}),
                            make<float>({}, {1, 1, 0, 3})})),
      {0, 0, 0}, {1, 1, 1, 3});
}

TEST(AttentionOp, Errors) {
  const Tensor q4 = make<float>({0, 0}, {1, 2, 1, 1});
  const Tensor k4 = make<float>({0}, {1, 1, 1, 1});
  const Tensor q3 = make<float>({0, 0}, {1, 1, 2});
  // Mixed ranks.
  EXPECT_FALSE(run_node(attention(23, {q4, q3, q3})).ok());
  // 3-D without head counts.
  EXPECT_FALSE(run_node(attention(23, {q3, q3, q3})).ok());
  // 3 query heads over 2 kv heads.
  EXPECT_FALSE(run_node(attention(23, {make<float>({0, 0, 0}, {1, 3, 1, 1}),
                                       make<float>({0, 0}, {1, 2, 1, 1}),
                                       make<float>({0, 0}, {1, 2, 1, 1})}))
                   .ok());
  // K head size differs from Q's.
  EXPECT_FALSE(run_node(attention(23, {q4, make<float>({0, 0}, {1, 1, 1, 2}), k4})).ok());
  // Mask with more key columns than keys / not broadcastable.
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4, make<bool>({true, true}, {1, 2})})).ok());
  EXPECT_FALSE(
      run_node(attention(23, {q4, k4, k4, make<bool>({true, true, true}, {3, 1, 1, 1})})).ok());
  // Mask of another float type.
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4, make<double>({0}, {1, 1})})).ok());
  // past_key without past_value.
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4, Value(), k4})).ok());
  // past of the wrong head size.
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4, Value(), make<float>({0, 0}, {1, 1, 1, 2}),
                                       make<float>({0, 0}, {1, 1, 1, 2})}))
                   .ok());
  // nonpad_kv_seqlen out of range / wrong type.
  EXPECT_FALSE(
      run_node(attention(24, {q4, k4, k4, Value(), Value(), Value(), make<int64_t>({2}, {1})}))
          .ok());
  EXPECT_FALSE(
      run_node(attention(24, {q4, k4, k4, Value(), Value(), Value(), make<int32_t>({1}, {1})}))
          .ok());
  // Bad attributes.
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4}, {attr_int("qk_matmul_output_mode", 4)})).ok());
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4}, {attr_int("is_causal", 2)})).ok());
  EXPECT_FALSE(run_node(attention(23, {q4, k4, k4}, {attr_int("softmax_precision", 7)})).ok());
  // Integer inputs.
  EXPECT_FALSE(
      run_node(attention(23, {make<int32_t>({0}, {1, 1, 1, 1}), make<int32_t>({0}, {1, 1, 1, 1}),
                              make<int32_t>({0}, {1, 1, 1, 1})}))
          .ok());
}

}  // namespace
}  // namespace onyx::test
