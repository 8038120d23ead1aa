// Static (QDQ) quantization graphs: the DequantizeLinear -> Conv (-> Relu) -> QuantizeLinear
// fusion into QLinearConv, the MaxPool / QuantizeLinear swap, the residual sum as QLinearAdd,
// and the channels-last int8 layout pass (optimizer/int8_layout.h), each checked against the
// graph run as written.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

#include "ops/quant/int8_conv.h"
#include "ops/quant/int8_matmul.h"
#include "optimizer/model_builder.h"

namespace onyx::test {
namespace {

constexpr float kXScale = 0.01f;

Tensor int8_weights(Shape shape, uint32_t seed) {
  Tensor t(DataType::kInt8, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(-127, 127);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int8_t>()[i] = static_cast<int8_t>(u(rng));
  return t;
}

// Adds Conv(DQ(in), DQ(w), DQ(b)) -> out to the builder, with per-channel weight scales and an
// int32 bias whose scale is in_scale * w_scale, as quantize_static writes them.
void add_qdq_conv(ModelBuilder& b, const std::string& in_dq, float in_scale, int64_t C,
                  int64_t M, const std::string& out, uint32_t seed) {
  const std::string p = out + "_";
  std::vector<float> ws, bs;
  std::vector<int32_t> bias;
  for (int64_t m = 0; m < M; ++m) {
    ws.push_back(0.002f + 0.0005f * static_cast<float>(m % 7));
    bs.push_back(in_scale * ws.back());
    bias.push_back(static_cast<int32_t>((m * 37) % 200) - 100);
  }
  b.constant(p + "w", int8_weights({M, C, 3, 3}, seed))
      .constant(p + "ws", Tensor::from_vector<float>(ws, {M}))
      .constant(p + "wz", Tensor::from_vector<int8_t>(std::vector<int8_t>(M, 0), {M}))
      .constant(p + "b", Tensor::from_vector<int32_t>(bias, {M}))
      .constant(p + "bs", Tensor::from_vector<float>(bs, {M}))
      .node("DequantizeLinear", {p + "w", p + "ws", p + "wz"}, {p + "wdq"}, {attr_int("axis", 0)})
      .node("DequantizeLinear", {p + "b", p + "bs"}, {p + "bdq"}, {attr_int("axis", 0)})
      .node("Conv", {in_dq, p + "wdq", p + "bdq"}, {out},
            {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1})});
}

// Q(x) -> DQ -> Conv -> Relu -> Q(y_zp) -> DQ -> y.
ModelBuilder conv_relu_model(uint8_t y_zp) {
  ModelBuilder b;
  b.input("x", {1, 8, 10, 10})
      .output("y")
      .constant("xs", Tensor::scalar<float>(kXScale))
      .constant("xz", Tensor::scalar<uint8_t>(128))
      .constant("ys", Tensor::scalar<float>(0.05f))
      .constant("yz", Tensor::scalar<uint8_t>(y_zp))
      .node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"})
      .node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"});
  add_qdq_conv(b, "xdq", kXScale, 8, 16, "c", 3);
  b.node("Relu", {"c"}, {"r"})
      .node("QuantizeLinear", {"r", "ys", "yz"}, {"yq"})
      .node("DequantizeLinear", {"yq", "ys", "yz"}, {"y"});
  return b;
}

std::unique_ptr<Session> load(const ir::Model& m, int level) { return load_serialized(m, level); }

Tensor run_at(const ir::Model& m, const NamedValues& feeds, int level) {
  auto s = load(m, level);
  if (s == nullptr) return Tensor();
  auto r = s->run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0].tensor() : Tensor();
}

// Level `a` against level `b`: every output within `step` (a quantization step), few off at all.
void expect_within_one_step(const ir::Model& m, const NamedValues& feeds, int a, int b,
                            float step) {
  const Tensor x = run_at(m, feeds, a), y = run_at(m, feeds, b);
  ASSERT_EQ(x.shape(), y.shape());
  ASSERT_GT(x.numel(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float d = std::fabs(x.data<float>()[i] - y.data<float>()[i]);
    ASSERT_LE(d, step * 1.001f) << "at " << i;
    off += d > 0;
  }
  if (step > 0) {
    EXPECT_LE(off, x.numel() / 50 + 1);
  }
}

TEST(QdqFusion, ConvReluQuantizeBecomesQLinearConv) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  ModelBuilder b = conv_relu_model(0);
  const NamedValues feeds = {{"x", V(random_tensor({1, 8, 10, 10}, 1))}};
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 1);
  EXPECT_EQ(count_op(m, "Conv"), 0);
  EXPECT_EQ(count_op(m, "Relu"), 0);  // y_zp is uint8's minimum: Q's saturation is the Relu
  EXPECT_EQ(count_op(m, "Max"), 0);
  expect_within_one_step(b.model, feeds, 0, 2, 0.05f);
}

TEST(QdqFusion, ReluAboveTheMinimumZeroPointBecomesMax) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  ModelBuilder b = conv_relu_model(40);
  const NamedValues feeds = {{"x", V(random_tensor({1, 8, 10, 10}, 2))}};
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 1);
  EXPECT_EQ(count_op(m, "Max"), 1);
  expect_within_one_step(b.model, feeds, 0, 2, 0.05f);
}

// Q(x) -> DQ -> Conv -> Clip(lo, hi) -> Q(y_scale, 0) -> DQ -> y.
ModelBuilder conv_clip_model(float lo, float hi, float y_scale) {
  ModelBuilder b;
  b.input("x", {1, 8, 10, 10})
      .output("y")
      .constant("xs", Tensor::scalar<float>(kXScale))
      .constant("xz", Tensor::scalar<uint8_t>(128))
      .constant("lo", Tensor::scalar<float>(lo))
      .constant("hi", Tensor::scalar<float>(hi))
      .constant("ys", Tensor::scalar<float>(y_scale))
      .constant("yz", Tensor::scalar<uint8_t>(0))
      .node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"})
      .node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"});
  add_qdq_conv(b, "xdq", kXScale, 8, 16, "c", 4);
  b.node("Clip", {"c", "lo", "hi"}, {"r"})
      .node("QuantizeLinear", {"r", "ys", "yz"}, {"yq"})
      .node("DequantizeLinear", {"yq", "ys", "yz"}, {"y"});
  return b;
}

TEST(QdqFusion, ReluSixCalibratedToItsRangeVanishes) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  // y_scale 6 / 255, zero point 0: Q(0) and Q(6) are uint8's bounds.
  ModelBuilder b = conv_clip_model(0.f, 6.f, 6.f / 255.f);
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 1);
  EXPECT_EQ(count_op(m, "Clip") + count_op(m, "Max"), 0);
  const NamedValues feeds = {{"x", V(random_tensor({1, 8, 10, 10}, 4))}};
  expect_within_one_step(b.model, feeds, 0, 2, 6.f / 255.f);
}

TEST(QdqFusion, ClipInsideTheRangeClampsTheEightBitValues) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  ModelBuilder b = conv_clip_model(0.1f, 0.4f, 0.01f);  // Q(0.1) = 10, Q(0.4) = 40
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 1);
  EXPECT_EQ(count_op(m, "Clip"), 1);
  const NamedValues feeds = {{"x", V(random_tensor({1, 8, 10, 10}, 5))}};
  expect_within_one_step(b.model, feeds, 0, 2, 0.01f);
  const Tensor y = run_at(b.model, feeds, 2);
  for (int64_t k = 0; k < y.numel(); ++k) {
    ASSERT_GE(y.data<float>()[k], 0.1f - 1e-6f);
    ASSERT_LE(y.data<float>()[k], 0.4f + 1e-6f);
  }
}

TEST(QdqFusion, MatMulWithConstantWeightsBecomesQLinearMatMul) {
  if (!quant::exact_int8_dot_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  const int64_t K = 32, N = 24;
  std::vector<float> ws;
  for (int64_t n = 0; n < N; ++n) ws.push_back(0.003f + 0.0004f * static_cast<float>(n % 5));
  ModelBuilder b;
  b.input("x", {2, 5, K})
      .output("y")
      .constant("xs", Tensor::scalar<float>(kXScale))
      .constant("xz", Tensor::scalar<uint8_t>(128))
      .constant("w", int8_weights({K, N}, 8))
      .constant("ws", Tensor::from_vector<float>(ws, {N}))
      .constant("ys", Tensor::scalar<float>(0.02f))
      .constant("yz", Tensor::scalar<uint8_t>(110))
      .node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"})
      .node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"})
      .node("DequantizeLinear", {"w", "ws"}, {"wdq"})  // per column: the default axis, 1
      .node("MatMul", {"xdq", "wdq"}, {"m"})
      .node("QuantizeLinear", {"m", "ys", "yz"}, {"yq"})
      .node("DequantizeLinear", {"yq", "ys", "yz"}, {"y"});
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  EXPECT_EQ(count_op(session->model(), "QLinearMatMul"), 1);
  EXPECT_EQ(count_op(session->model(), "MatMul"), 0);
  const NamedValues feeds = {{"x", V(random_tensor({2, 5, K}, 9))}};
  expect_within_one_step(b.model, feeds, 0, 2, 0.02f);
}

// A classifier: Q -> DQ -> Gemm(DQ(W [N, K]), DQ(int32 bias)), transB = 1, float output.
TEST(QdqFusion, DequantizedGemmWithFloatOutputRunsInInt8) {
  if (!quant::exact_int8_dot_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  const int64_t K = 64, N = 10;
  const float w_scale = 0.003f;
  std::vector<int32_t> bias;
  for (int64_t n = 0; n < N; ++n) bias.push_back(static_cast<int32_t>(n * 311 % 900) - 450);
  ModelBuilder b;
  b.input("x", {3, K})
      .output("y")
      .constant("xs", Tensor::scalar<float>(kXScale))
      .constant("xz", Tensor::scalar<uint8_t>(128))
      .constant("w", int8_weights({N, K}, 10))
      .constant("ws", Tensor::scalar<float>(w_scale))
      .constant("b", Tensor::from_vector<int32_t>(bias, {N}))
      .constant("bs", Tensor::scalar<float>(kXScale * w_scale))
      .node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"})
      .node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"})
      .node("DequantizeLinear", {"w", "ws"}, {"wdq"})
      .node("DequantizeLinear", {"b", "bs"}, {"bdq"})
      .node("Gemm", {"xdq", "wdq", "bdq"}, {"y"}, {attr_int("transB", 1)});
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  EXPECT_EQ(count_op(session->model(), "DynamicQuantizeMatMul"), 1);
  EXPECT_EQ(count_op(session->model(), "Gemm") + count_op(session->model(), "FusedMatMul"), 0);
  // The same values up to float rounding: exact int32 sums against float sums of products.
  const NamedValues feeds = {{"x", V(random_tensor({3, K}, 11))}};
  const Tensor want = run_at(b.model, feeds, 0), got = run_at(b.model, feeds, 2);
  ASSERT_EQ(want.shape(), got.shape());
  for (int64_t k = 0; k < want.numel(); ++k) {
    EXPECT_NEAR(want.data<float>()[k], got.data<float>()[k], 1e-5 * (1 + std::fabs(want.data<float>()[k])));
  }
}

TEST(QdqFusion, BiasWithAnotherScaleIsNotFused) {
  ModelBuilder b = conv_relu_model(0);
  auto& bs = b.model.graph.initializers.at("c_bs");
  bs.data<float>()[3] *= 2.f;
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 0);
  EXPECT_EQ(count_op(m, "Conv") + count_op(m, "FusedConv"), 1);
}

// Stem and residual block: Conv -> Relu -> MaxPool -> Q, a second convolution, and
// Add(DQ(conv2), DQ(pool)) -> Relu -> Q -> DQ -> GlobalAveragePool.
ModelBuilder residual_model() {
  ModelBuilder b;
  b.input("x", {2, 8, 12, 12})
      .output("y")
      .constant("xs", Tensor::scalar<float>(kXScale))
      .constant("xz", Tensor::scalar<uint8_t>(128))
      .constant("ps", Tensor::scalar<float>(0.04f))
      .constant("pz", Tensor::scalar<uint8_t>(0))
      .constant("s2", Tensor::scalar<float>(0.05f))
      .constant("z2", Tensor::scalar<uint8_t>(120))
      .constant("s3", Tensor::scalar<float>(0.06f))
      .constant("z3", Tensor::scalar<uint8_t>(0))
      .node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"})
      .node("DequantizeLinear", {"xq", "xs", "xz"}, {"xdq"});
  add_qdq_conv(b, "xdq", kXScale, 8, 16, "c1", 5);
  b.node("Relu", {"c1"}, {"r1"})
      .node("MaxPool", {"r1"}, {"p"},
            {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}),
             attr_ints("pads", {1, 1, 1, 1})})
      .node("QuantizeLinear", {"p", "ps", "pz"}, {"pq"})
      .node("DequantizeLinear", {"pq", "ps", "pz"}, {"pdq"});
  add_qdq_conv(b, "pdq", 0.04f, 16, 16, "c2", 6);
  b.node("QuantizeLinear", {"c2", "s2", "z2"}, {"q2"})
      .node("DequantizeLinear", {"q2", "s2", "z2"}, {"dq2"})
      .node("DequantizeLinear", {"pq", "ps", "pz"}, {"pdq2"})
      .node("Add", {"dq2", "pdq2"}, {"sum"})
      .node("Relu", {"sum"}, {"r3"})
      .node("QuantizeLinear", {"r3", "s3", "z3"}, {"q3"})
      .node("DequantizeLinear", {"q3", "s3", "z3"}, {"dq3"})
      .node("GlobalAveragePool", {"dq3"}, {"y"});
  return b;
}

TEST(QdqFusion, WithoutTheInt8KernelsTheGraphKeepsItsFloatConvolutions) {
  quant::set_int8_matmul_enabled_for_testing(false);
  auto session = load(residual_model().model, 2);
  quant::set_int8_matmul_enabled_for_testing(true);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 0);
  EXPECT_EQ(count_op(m, "Conv") + count_op(m, "FusedConv"), 2);
  EXPECT_EQ(count_op(m, "QLinearAdd"), 0);
}

TEST(QdqFusion, MaxPoolMovesAfterQuantizeSoTheStemFuses) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the fusion needs VNNI / AMX kernels";
  ModelBuilder b = residual_model();
  auto session = load(b.model, 2);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "QLinearConv"), 2);
  EXPECT_EQ(count_op(m, "Conv"), 0);
  EXPECT_EQ(count_op(m, "MaxPool"), 1);
  // Saved models list producers first, though the swap moved the pool after its quantizer.
  auto order = ir::topological_order(m.graph);
  ASSERT_TRUE(order.ok());
  for (size_t k = 0; k < order->size(); ++k) EXPECT_EQ((*order)[k], k);
}

TEST(Int8Layout, ResidualBlockRunsChannelsLastWithTheSameResults) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the pass needs VNNI / AMX kernels";
  ModelBuilder b = residual_model();
  auto session = load(b.model, 3);
  ASSERT_TRUE(session);
  const ir::Model& m = session->model();
  EXPECT_EQ(count_op(m, "NhwcQLinearConv"), 2);
  EXPECT_EQ(count_op(m, "NhwcMaxPool"), 1);
  EXPECT_EQ(count_op(m, "QLinearAdd"), 1);  // the residual sum, its Relu and quantizer
  EXPECT_EQ(count_op(m, "Add"), 0);
  EXPECT_EQ(count_op(m, "QLinearConv"), 0);
  // One Transpose into the region (after the input's QuantizeLinear), one out (before the pool).
  EXPECT_EQ(count_op(m, "Transpose"), 2);
  auto order = ir::topological_order(m.graph);
  ASSERT_TRUE(order.ok());
  for (size_t k = 0; k < order->size(); ++k) EXPECT_EQ((*order)[k], k);
  // Level 3 changes only where channels are stored: the same kernels' results, exactly.
  const NamedValues feeds = {{"x", V(random_tensor({2, 8, 12, 12}, 3))}};
  expect_within_one_step(b.model, feeds, 2, 3, 0.f);
  // ... and against the graph as written: within a step of the last quantizer per output (the
  // mean of 36 values each off by at most 0.06).
  expect_within_one_step(b.model, feeds, 0, 3, 0.06f);
}

TEST(Int8Layout, AnEightBitGraphOutputComesBackPlanar) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the pass needs VNNI / AMX kernels";
  ModelBuilder b = conv_relu_model(0);
  b.output("yq");  // the convolution's 8-bit result itself, besides its dequantized copy
  const NamedValues feeds = {{"x", V(random_tensor({1, 8, 10, 10}, 6))}};
  auto s2 = load(b.model, 2), s3 = load(b.model, 3);
  ASSERT_TRUE(s2 && s3);
  EXPECT_EQ(count_op(s3->model(), "NhwcQLinearConv"), 1);
  auto r2 = s2->run(feeds), r3 = s3->run(feeds);
  ASSERT_TRUE(r2.ok() && r3.ok());
  ASSERT_EQ(r2->size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    const Tensor& a = (*r2)[k].tensor();
    const Tensor& c = (*r3)[k].tensor();
    ASSERT_EQ(a.shape(), c.shape()) << "output " << k;
    ASSERT_EQ(a.dtype(), c.dtype());
    ASSERT_EQ(std::memcmp(a.raw_data(), c.raw_data(), a.nbytes()), 0) << "output " << k;
  }
}

TEST(Int8Layout, ConcurrentRunsOnOneSessionAgree) {
  if (!quant::int8_convolution_available()) GTEST_SKIP() << "the pass needs VNNI / AMX kernels";
  ModelBuilder b = residual_model();
  (*b.model.graph.inputs[0].type.shape)[0] = ir::Dim::named("N");  // a symbolic batch
  auto session = load(b.model, 3);
  ASSERT_TRUE(session);
  EXPECT_EQ(count_op(session->model(), "NhwcQLinearConv"), 2);
  // Two input shapes, so that primitives are made (and their kernels timed) while other threads
  // run: each caller alternates batch 1 and batch 3.
  std::vector<NamedValues> feeds;
  std::vector<Tensor> want;
  for (int64_t batch : {1, 3}) {
    feeds.push_back({{"x", V(random_tensor({batch, 8, 12, 12}, 7 + static_cast<uint32_t>(batch)))}});
  }
  auto reference = load(b.model, 3);
  for (const auto& f : feeds) {
    auto r = reference->run(f);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    want.push_back((*r)[0].tensor());
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int k = 0; k < 6; ++k) {
        const size_t which = static_cast<size_t>((t + k) % 2);
        auto r = session->run(feeds[which]);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        const Tensor& got = (*r)[0].tensor();
        if (got.shape() != want[which].shape() ||
            std::memcmp(got.raw_data(), want[which].raw_data(), got.nbytes()) != 0) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace onyx::test
