// Dynamic int8 quantization: DynamicQuantizeLinear's vectorized arithmetic (linear_quant.h)
// against the operator's definition, and onyx DynamicQuantizeMatMul, the fusion of the graph
// onnxruntime's quantize_dynamic writes, bit for bit against that graph run op by op — on the
// packed oneDNN int8 path (where the CPU has VNNI / AMX) and on the exact double path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "ops/common/simd_dispatch.h"
#include "ops/quant/int8_matmul.h"
#include "ops/quant/linear_quant.h"
#include "ops/quant/quant_util.h"
#include "optimizer/model_builder.h"

namespace onyx::test {
namespace {

constexpr simd::Isa kIsas[] = {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512};

// Runs fn under each SIMD copy this CPU has, then restores the widest.
template <typename Fn>
void for_each_isa(Fn fn) {
  for (simd::Isa isa : kIsas) {
    simd::set_simd_limit_for_testing(isa);
    if (simd::widest_isa() != isa) continue;
    SCOPED_TRACE(simd::isa_name(isa));
    fn();
  }
  simd::set_simd_limit_for_testing(simd::Isa::kAvx512);
}

// DynamicQuantizeLinear as its definition reads, one element at a time.
quant::DynamicQuantParams reference_params(const std::vector<float>& x) {
  float lo = 0.f, hi = 0.f;
  for (float v : x) {
    if (std::isnan(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  quant::DynamicQuantParams p;
  p.scale = (hi - lo) / 255.f;
  if (p.usable())
    p.zero_point = static_cast<uint8_t>(quant::round_saturate(0.f - lo / p.scale, 0, 0, 255));
  return p;
}

uint8_t reference_value(float x, const quant::DynamicQuantParams& p) {
  if (!p.usable()) return 0;
  return static_cast<uint8_t>(quant::round_saturate(x / p.scale, p.zero_point, 0, 255));
}

TEST(DynamicQuant, RoundsHalfToEvenSaturatesAndSendsNaNToTheZeroPoint) {
  const std::vector<float> x = {0.5f,
                                1.5f,
                                2.5f,
                                -0.5f,
                                -1.5f,
                                -2.5f,
                                300.f,
                                -300.f,
                                std::numeric_limits<float>::quiet_NaN(),
                                3e9f,
                                -3e9f,
                                7.f,
                                std::numeric_limits<float>::infinity(),
                                0.49999997f,
                                12.5f,
                                13.5f,
                                245.5f};
  const std::vector<uint8_t> want = {10,  12, 12, 10,  8,  8,  255, 0,  10,
                                     255, 0,  17, 255, 10, 22, 24,  255};
  quant::DynamicQuantParams p;
  p.scale = 1.f;
  p.zero_point = 10;
  for_each_isa([&] {
    std::vector<uint8_t> y(x.size());
    quant::quantize_u8(x.data(), static_cast<int64_t>(x.size()), p, y.data(), nullptr);
    EXPECT_EQ(y, want);
  });
}

// Values next to the ties of x / scale with a scale whose reciprocal is inexact: the product by
// the reciprocal must not round to the other integer there.
TEST(DynamicQuant, NearTiesRoundAsTheDivisionDoes) {
  for (float scale : {0.1f, 0.0137f, 3.3f, 1e-5f}) {
    for (uint8_t zp : {uint8_t{0}, uint8_t{128}, uint8_t{255}}) {
      quant::DynamicQuantParams p;
      p.scale = scale;
      p.zero_point = zp;
      std::vector<float> x;
      for (int k = -1100; k <= 1100; ++k) {
        float v = (static_cast<float>(k) + 0.5f) * scale;
        for (int step = 0; step < 3; ++step) v = std::nextafter(v, -INFINITY);
        for (int step = 0; step < 7; ++step, v = std::nextafter(v, INFINITY)) x.push_back(v);
      }
      for_each_isa([&] {
        std::vector<uint8_t> y(x.size());
        quant::quantize_u8(x.data(), static_cast<int64_t>(x.size()), p, y.data(), nullptr);
        for (size_t i = 0; i < x.size(); ++i) {
          ASSERT_EQ(y[i], reference_value(x[i], p)) << "scale " << scale << " x " << x[i];
        }
      });
    }
  }
}

TEST(DynamicQuant, MatchesTheOperatorDefinition) {
  ThreadPool pool(2);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.3f, 2.f);
  for (int64_t n : {1, 15, 16, 17, 1000, 70001, 200000}) {
    for (int variant = 0; variant < 4; ++variant) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = normal(rng);
      if (variant == 1) x[static_cast<size_t>(n / 2)] = std::numeric_limits<float>::quiet_NaN();
      if (variant == 2) std::fill(x.begin(), x.end(), 0.f);              // scale 0: everything 0
      if (variant == 3) x[0] = -std::numeric_limits<float>::infinity();  // scale inf: likewise
      const quant::DynamicQuantParams want = reference_params(x);
      for_each_isa([&] {
        const quant::DynamicQuantParams got = quant::dynamic_quant_params(x.data(), n, &pool);
        ASSERT_EQ(std::memcmp(&got.scale, &want.scale, sizeof(float)), 0) << n << " " << variant;
        ASSERT_EQ(got.zero_point, want.zero_point);
        std::vector<uint8_t> y(static_cast<size_t>(n));
        quant::quantize_u8(x.data(), n, got, y.data(), &pool);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(y[static_cast<size_t>(i)], reference_value(x[static_cast<size_t>(i)], want))
              << "n " << n << " variant " << variant << " at " << i << " x "
              << x[static_cast<size_t>(i)];
        }
      });
    }
  }
}

// QuantizeLinear / DequantizeLinear's per-tensor 8-bit paths against the definitions, int8 and
// uint8, every ISA, lengths around the vector width, NaN and infinities included.
TEST(LinearQuant, QuantizeAndDequantizeMatchTheDefinitions) {
  ThreadPool pool(2);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.f, 40.f);
  for (bool is_signed : {false, true}) {
    for (int64_t n : {1, 15, 33, 40000}) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = normal(rng);
      x[0] = std::numeric_limits<float>::infinity();
      if (n > 2) x[2] = std::numeric_limits<float>::quiet_NaN();
      const int32_t zp = is_signed ? -5 : 131;
      const float scale = 0.37f;
      const int64_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
      for_each_isa([&] {
        std::vector<uint8_t> q(static_cast<size_t>(n));
        quant::quantize_8bit(x.data(), n, scale, zp, is_signed, q.data(), &pool);
        std::vector<float> back(static_cast<size_t>(n));
        quant::dequantize_8bit(q.data(), n, is_signed, scale, zp, back.data(), &pool);
        for (int64_t i = 0; i < n; ++i) {
          const int64_t want = quant::round_saturate(x[static_cast<size_t>(i)] / scale, zp, lo, hi);
          const int64_t got = is_signed ? int64_t{static_cast<int8_t>(q[static_cast<size_t>(i)])}
                                        : int64_t{q[static_cast<size_t>(i)]};
          ASSERT_EQ(got, want) << "x " << x[static_cast<size_t>(i)];
          const float want_back = static_cast<float>(static_cast<double>(got - zp) * scale);
          ASSERT_EQ(back[static_cast<size_t>(i)], want_back);
        }
      });
    }
  }
}

// The graph quantize_dynamic writes for y = x @ W [+ bias]:
//   DynamicQuantizeLinear(x) -> MatMulInteger(x_q, Wq, x_zp, w_zp) -> Cast(float)
//   -> Mul(., Mul(x_scale, w_scale)) [-> Add(., bias)]
struct QuantizedMatMul {
  int64_t K = 0, N = 0;
  DataType b_type = DataType::kInt8;
  bool zero_point = false, per_column_zp = false, per_column_scale = false, bias = false;
  Shape a_shape;
};

Tensor quantized_weights(const QuantizedMatMul& q, uint32_t seed) {
  Tensor b(q.b_type, {q.K, q.N});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(q.b_type == DataType::kInt8 ? -128 : 0,
                                       q.b_type == DataType::kInt8 ? 127 : 255);
  for (int64_t i = 0; i < b.numel(); ++i) {
    if (q.b_type == DataType::kInt8) {
      b.data<int8_t>()[i] = static_cast<int8_t>(u(rng));
    } else {
      b.data<uint8_t>()[i] = static_cast<uint8_t>(u(rng));
    }
  }
  return b;
}

Tensor zero_points(const QuantizedMatMul& q) {
  const int64_t n = q.per_column_zp ? q.N : 1;
  Tensor z(q.b_type, q.per_column_zp ? Shape{n} : Shape{});
  for (int64_t i = 0; i < n; ++i) {
    if (q.b_type == DataType::kInt8) {
      z.data<int8_t>()[i] = static_cast<int8_t>(i % 7 - 3);
    } else {
      z.data<uint8_t>()[i] = static_cast<uint8_t>(120 + i % 11);
    }
  }
  return z;
}

ModelBuilder quantized_matmul_model(const QuantizedMatMul& q) {
  ModelBuilder b;
  b.input("x", q.a_shape).output("y");
  b.constant("w", quantized_weights(q, 11));
  b.constant("w_scale", random_tensor(q.per_column_scale ? Shape{q.N} : Shape{}, 12));
  std::vector<std::string> mm_in = {"x_q", "w", "x_zp"};
  if (q.zero_point) {
    b.constant("w_zp", zero_points(q));
    mm_in.push_back("w_zp");
  }
  b.node("DynamicQuantizeLinear", {"x"}, {"x_q", "x_scale", "x_zp"});
  b.node("MatMulInteger", mm_in, {"acc"});
  b.node("Cast", {"acc"}, {"accf"}, {attr_int("to", static_cast<int64_t>(DataType::kFloat))});
  b.node("Mul", {"x_scale", "w_scale"}, {"scale"});
  if (q.bias) {
    b.constant("bias", random_tensor({q.N}, 13));
    b.node("Mul", {"accf", "scale"}, {"prod"}).node("Add", {"bias", "prod"}, {"y"});
  } else {
    b.node("Mul", {"scale", "accf"}, {"y"});
  }
  return b;
}

// Runs `m` at `level` with `threads`; the int8 fast path switched as given while sessions load.
std::vector<float> run_model(const ir::Model& m, int level, int threads, const Tensor& x,
                             bool int8_path) {
  quant::set_int8_matmul_enabled_for_testing(int8_path);
  SessionOptions o;
  o.optimization_level = level;
  o.intra_op_num_threads = threads;
  auto s = Session::create(m, o);
  quant::set_int8_matmul_enabled_for_testing(true);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  if (!s.ok()) return {};
  auto r = (*s)->run({{"x", Value(x)}});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  const Tensor& y = (*r)[0].tensor();
  return std::vector<float>(y.data<float>(), y.data<float>() + y.numel());
}

TEST(DynamicQuantizeMatMul, FusedEqualsTheQuantizedGraphBitForBit) {
  int cases = 0;
  for (DataType bt : {DataType::kInt8, DataType::kUInt8}) {
    for (int zp = 0; zp < 3; ++zp) {
      for (int opts = 0; opts < 4; ++opts) {
        for (const auto& [K, N] : {std::pair<int64_t, int64_t>{64, 48}, {37, 5}, {300, 70}}) {
          for (const Shape& lead : {Shape{1}, Shape{7}, Shape{130}, Shape{2, 3}}) {
            QuantizedMatMul q;
            q.K = K;
            q.N = N;
            q.b_type = bt;
            q.zero_point = zp > 0;
            q.per_column_zp = zp == 2;
            q.per_column_scale = (opts & 1) != 0;
            q.bias = (opts & 2) != 0;
            q.a_shape = lead;
            q.a_shape.push_back(K);
            SCOPED_TRACE(::testing::Message()
                         << data_type_name(bt) << " zp " << zp << " opts " << opts << " K " << K
                         << " N " << N << " A " << shape_to_string(q.a_shape));
            const ModelBuilder b = quantized_matmul_model(q);
            ir::Model fused = b.model;
            optimize(fused, 2);
            ASSERT_EQ(count_op(fused, "DynamicQuantizeMatMul"), 1);
            ASSERT_EQ(fused.graph.nodes.size(), 1u);
            const Tensor x = random_floats(q.a_shape, static_cast<uint32_t>(17 + cases), -3.f, 5.f);
            const std::vector<float> want = run_model(b.model, 0, 1, x, true);
            ASSERT_FALSE(want.empty());
            for (int threads : {1, 2}) {
              for (bool int8_path : {true, false}) {
                const std::vector<float> got = run_model(b.model, 2, threads, x, int8_path);
                ASSERT_EQ(got.size(), want.size());
                ASSERT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0)
                    << "threads " << threads << " int8 path " << int8_path;
              }
            }
            ++cases;
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 2 * 3 * 4 * 3 * 4);
}

// An activation after the product and its bias is applied in the same pass (block by block of
// rows: both the oneDNN / own vectorized path on large blocks and the scalar one on small).
TEST(DynamicQuantizeMatMul, ActivationAfterTheBiasFuses) {
  for (const char* act : {"Relu", "Sigmoid", "Tanh"}) {
    for (const Shape& a_shape : {Shape{130, 64}, Shape{3, 64}}) {
      SCOPED_TRACE(::testing::Message() << act << " " << shape_to_string(a_shape));
      QuantizedMatMul q;
      q.K = 64;
      q.N = 70;
      q.bias = true;
      q.a_shape = a_shape;
      ModelBuilder b = quantized_matmul_model(q);
      b.model.graph.nodes.back().outputs = {"pre"};
      b.node(act, {"pre"}, {"y"});
      ir::Model m = b.model;
      optimize(m, 2);
      ASSERT_EQ(m.graph.nodes.size(), 1u);
      const ir::Attribute* a = m.graph.nodes[0].find_attribute("activation");
      ASSERT_NE(a, nullptr);
      EXPECT_EQ(a->s, act);
      expect_same_results(b.model, {{"x", Value(random_floats(a_shape, 31, -2.f, 2.f))}}, 2, 1e-6);
    }
  }
}

// Q, K and V read one quantized activation: each product fuses and quantizes it itself.
TEST(DynamicQuantizeMatMul, OneQuantizedInputFeedsSeveralProducts) {
  QuantizedMatMul q;
  q.K = 32;
  q.N = 16;
  q.a_shape = {4, 32};
  ModelBuilder b = quantized_matmul_model(q);
  b.constant("w2", quantized_weights(q, 21));
  b.output("y2");
  b.node("MatMulInteger", {"x_q", "w2", "x_zp"}, {"acc2"});
  b.node("Cast", {"acc2"}, {"accf2"}, {attr_int("to", static_cast<int64_t>(DataType::kFloat))});
  b.node("Mul", {"accf2", "scale"}, {"y2"});
  ir::Model m = b.model;
  optimize(m, 2);
  EXPECT_EQ(count_op(m, "DynamicQuantizeMatMul"), 2);
  EXPECT_EQ(count_op(m, "DynamicQuantizeLinear"), 0);
  EXPECT_EQ(count_op(m, "MatMulInteger"), 0);
  expect_same_results(b.model, {{"x", Value(random_floats({4, 32}, 22))}}, 2, 0.0);
}

// What is not the quantize_dynamic pattern stays as it is.
TEST(DynamicQuantizeMatMul, OtherPatternsAreLeftAlone) {
  QuantizedMatMul q;
  q.K = 8;
  q.N = 4;
  q.a_shape = {3, 8};
  {  // the product scaled by x_scale alone
    ModelBuilder b = quantized_matmul_model(q);
    b.model.graph.nodes.back().inputs = {"accf", "x_scale"};
    optimize(b.model, 2);
    EXPECT_EQ(count_op(b.model, "DynamicQuantizeMatMul"), 0);
  }
  {  // weights given at run time
    ModelBuilder b = quantized_matmul_model(q);
    b.model.graph.initializers.erase("w");
    b.input("w", {8, 4}, DataType::kInt8);
    optimize(b.model, 2);
    EXPECT_EQ(count_op(b.model, "DynamicQuantizeMatMul"), 0);
  }
  {  // the int32 sums also read elsewhere
    ModelBuilder b = quantized_matmul_model(q);
    b.output("acc");
    optimize(b.model, 2);
    EXPECT_EQ(count_op(b.model, "DynamicQuantizeMatMul"), 0);
  }
  {  // MatMulInteger without A's zero point ignores it: not DynamicQuantizeLinear's meaning
    ModelBuilder b = quantized_matmul_model(q);
    for (auto& n : b.model.graph.nodes) {
      if (n.op_type == "MatMulInteger") n.inputs.resize(2);
    }
    optimize(b.model, 2);
    EXPECT_EQ(count_op(b.model, "DynamicQuantizeMatMul"), 0);
  }
}

NodeSpec fused(std::vector<Value> inputs) {
  NodeSpec s{"DynamicQuantizeMatMul", 1, std::move(inputs)};
  s.domain = "onyx";
  return s;
}

TEST(DynamicQuantizeMatMul, BadInputsAreErrors) {
  const Tensor a = random_floats({2, 4}, 1);
  Tensor b(DataType::kInt8, {4, 3});
  std::memset(b.raw_data(), 1, 12);
  const Tensor scale = make<float>({0.5f}, {});
  const auto fails_with = [](const NodeSpec& spec, const std::string& text) {
    auto r = run_node(spec, RunConfig{1, {1}});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().to_string();
  };
  fails_with(fused({V(a), V(b), V(make<float>({1, 2}, {2}))}), "b_scale must hold 1 or N = 3");
  fails_with(fused({V(a), V(b), V(scale), V(make<uint8_t>({1}, {}))}), "b_zero_point must have");
  fails_with(fused({V(a), V(b), V(scale), Value(), V(make<float>({1, 2}, {2}))}),
             "bias must have shape [3]");
  fails_with(fused({V(random_floats({2, 5}, 2)), V(b), V(scale)}), "inner dimensions differ");
  fails_with(fused({V(a), V(make<float>({1, 2, 3, 4}, {4, 1})), V(scale)}), "B must be int8");
  // A already quantized needs its scale and zero point.
  const Tensor a8 = make<uint8_t>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  fails_with(fused({V(a8), V(b), V(scale)}), "a_scale (float) and a_zero_point (uint8)");
  fails_with(fused({V(make<int8_t>({1, 2, 3, 4}, {1, 4})), V(b), V(scale)}), "which this operator does not take");
  // ... and with them is (A - a_zp) @ B * a_scale * b_scale: (1+2+3+4 - 4 * 2) * 0.25 * 0.5.
  auto static_a = run_node(fused({V(a8), V(b), V(scale), Value(), Value(),
                                  V(make<float>({0.25f}, {})), V(make<uint8_t>({2}, {}))}),
                           RunConfig{1, {1}});
  ASSERT_TRUE(static_a.ok()) << static_a.status().to_string();
  EXPECT_EQ(values_of<float>((*static_a)[0].tensor()),
            (std::vector<float>{0.25f, 0.25f, 0.25f, 2.25f, 2.25f, 2.25f}));
  // K = 0: empty sums, zeros (as MatMulInteger gives).
  auto empty = run_node(
      fused({V(Tensor(DataType::kFloat, {2, 0})), V(Tensor(DataType::kInt8, {0, 3})), V(scale)}),
      RunConfig{1, {1}});
  ASSERT_TRUE(empty.ok()) << empty.status().to_string();
  EXPECT_EQ(values_of<float>((*empty)[0].tensor()), std::vector<float>(6, 0.f));
  // And a good one, checked by value.
  auto r =
      run_node(fused({V(make<float>({0, 255, 0, 0}, {1, 4})), V(b), V(scale)}), RunConfig{1, {1}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // x quantizes with scale 1 and zero point 0 to itself; one 255 times B's ones, times 1 * 0.5.
  EXPECT_EQ(values_of<float>((*r)[0].tensor()), (std::vector<float>{127.5f, 127.5f, 127.5f}));
}

}  // namespace
}  // namespace onyx::test
