// The blocked NCHWc kernels (ops/nn/nchwc_ops.cpp, NchwcConv in conv.cpp) against the plain ONNX
// ops they stand for: the input is blocked with ReorderToNchwc, run through the blocked op,
// unblocked, and compared with the plain op on the original input. Every test runs with both
// blocks and with each SIMD copy of the kernels (simd_dispatch.h) up to the CPU's widest.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>

#include "ops/common/simd_dispatch.h"
#include "ops/nn/dnnl_conv.h"
#include "ops/nn/nchwc.h"
#include "test_util.h"

namespace onyx::test {
namespace {

Tensor random_float(Shape shape, uint32_t seed) {
  Tensor t(DataType::kFloat, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

class Nchwc : public ::testing::TestWithParam<std::tuple<int64_t, simd::Isa>> {
 protected:
  void SetUp() override { simd::set_simd_limit_for_testing(std::get<1>(GetParam())); }
  void TearDown() override { simd::set_simd_limit_for_testing(simd::Isa::kAvx512); }
  int64_t block() const { return std::get<0>(GetParam()); }
  ir::Attribute block_attr() const { return attr_int("block", block()); }
  std::vector<ir::Attribute> with_block(std::vector<ir::Attribute> attrs) const {
    attrs.push_back(block_attr());
    return attrs;
  }
  Tensor blocked(const Tensor& plain) const {
    Tensor out(DataType::kFloat, plain.shape());
    int64_t S = 1;
    for (size_t d = 2; d < plain.rank(); ++d) S *= plain.dim(d);
    nn::nchw_to_nchwc(plain.data<float>(), out.data<float>(), plain.dim(0), plain.dim(1), S,
                      block(), nullptr);
    return out;
  }
  Tensor unblocked(const Tensor& b) const {
    Tensor out(DataType::kFloat, b.shape());
    int64_t S = 1;
    for (size_t d = 2; d < b.rank(); ++d) S *= b.dim(d);
    nn::nchwc_to_nchw(b.data<float>(), out.data<float>(), b.dim(0), b.dim(1), S, block(), nullptr);
    return out;
  }
};

void expect_close(const Tensor& a, const Tensor& b, float tol = 1e-5f) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(y)) << "at " << i;
      continue;
    }
    ASSERT_NEAR(x, y, tol * (1 + std::abs(x))) << "at " << i;
  }
}

TEST_P(Nchwc, ReorderRoundTripsAndPlacesChannelsInBlocks) {
  Tensor x = random_float({2, 32, 3, 5}, 1);
  Tensor b = run_ok({"ReorderToNchwc", 1, {V(x)}, {block_attr()}, 1, "onyx"});
  // Element (n=1, c=27, h=2, w=4): block 27/B of image 1, position 2*5+4, lane 27%B.
  const int64_t S = 15, B = block(), c = 27;
  EXPECT_EQ(b.data<float>()[((1 * (32 / B) + c / B) * S + 14) * B + c % B],
            x.data<float>()[(1 * 32 + c) * S + 14]);
  Tensor back = run_ok({"ReorderFromNchwc", 1, {V(b)}, {block_attr()}, 1, "onyx"});
  expect_close(x, back, 0.f);
}

// Channel counts that are not a multiple of the block are padded with zeros, and dropped again
// by ReorderFromNchwc's `channels`.
TEST_P(Nchwc, ReorderPadsChannelsUpToTheBlock) {
  Tensor x = random_float({2, 12, 3, 2}, 2);
  Tensor b = run_ok({"ReorderToNchwc", 1, {V(x)}, {block_attr()}, 1, "onyx"});
  ASSERT_EQ(b.shape(), (Shape{2, 16, 3, 2}));
  const int64_t S = 6, B = block();
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t c = 0; c < 16; ++c) {
      for (int64_t p = 0; p < S; ++p) {
        const float got = b.data<float>()[((n * (16 / B) + c / B) * S + p) * B + c % B];
        EXPECT_EQ(got, c < 12 ? x.data<float>()[(n * 12 + c) * S + p] : 0.f);
      }
    }
  }
  Tensor back = run_ok({"ReorderFromNchwc", 1, {V(b)}, with_block({attr_int("channels", 12)}), 1,
                        "onyx"});
  expect_close(x, back, 0.f);
  auto bad = run_node({"ReorderFromNchwc", 1, {V(b)}, with_block({attr_int("channels", 17)}), 1,
                       "onyx"});
  EXPECT_FALSE(bad.ok());
  auto unblocked_input = run_node({"ReorderFromNchwc", 1, {V(x)}, {block_attr()}, 1, "onyx"});
  ASSERT_FALSE(unblocked_input.ok());
  EXPECT_NE(unblocked_input.status().message().find("multiple of " + std::to_string(B)),
            std::string::npos);
}

TEST(NchwcBlock, OtherBlocksAreRejectedAtLoad) {
  auto r = run_node({"ReorderToNchwc", 1, {V(random_float({1, 32, 2, 2}, 2))},
                     {attr_int("block", 4)}, 1, "onyx"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("block must be 8 or 16"), std::string::npos);
}

struct PoolCase {
  std::string op;
  std::vector<ir::Attribute> attrs;
  Shape shape;
};

TEST_P(Nchwc, PoolingMatchesThePlainOps) {
  const std::vector<PoolCase> cases = {
      {"MaxPool", {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}),
                   attr_ints("pads", {1, 1, 1, 1})}, {2, 32, 9, 11}},
      {"MaxPool", {attr_ints("kernel_shape", {2, 3}), attr_int("ceil_mode", 1),
                   attr_ints("strides", {2, 2}), attr_ints("dilations", {2, 1})}, {1, 16, 10, 7}},
      {"AveragePool", {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})},
       {2, 48, 8, 8}},
      {"AveragePool", {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 0, 1, 2}),
                       attr_int("count_include_pad", 1), attr_int("ceil_mode", 1),
                       attr_ints("strides", {2, 2})}, {1, 16, 7, 6}},
      {"AveragePool", {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1}),
                       attr_string("auto_pad", "NOTSET")}, {1, 16, 5, 5}},
  };
  uint32_t seed = 10;
  for (const auto& c : cases) {
    Tensor x = random_float(c.shape, seed++);
    x.data<float>()[5] = NAN;  // NaN propagates alike
    Tensor plain = run_ok({c.op, 17, {V(x)}, c.attrs});
    Tensor b = run_ok({"Nchwc" + c.op, 1, {V(blocked(x))}, with_block(c.attrs), 1, "onyx"});
    SCOPED_TRACE(c.op + " " + shape_to_string(c.shape));
    expect_close(plain, unblocked(b));
  }
}

TEST_P(Nchwc, GlobalAveragePoolOutputIsPlain) {
  Tensor x = random_float({3, 32, 7, 5}, 20);
  Tensor plain = run_ok({"GlobalAveragePool", 17, {V(x)}});
  Tensor b = run_ok({"NchwcGlobalAveragePool", 1, {V(blocked(x))}, {block_attr()}, 1, "onyx"});
  expect_close(plain, b);
}

TEST_P(Nchwc, ChannelScaleAppliesPerChannelAndPerImageFactors) {
  const int64_t N = 2, C = 32, H = 3, W = 4;
  Tensor x = random_float({N, C, H, W}, 30);
  Tensor s = random_float({C}, 31), bias = random_float({C}, 32), gate = random_float({N, C, 1, 1}, 33);
  Tensor y = unblocked(run_ok({"NchwcChannelScale", 1, {V(blocked(x)), V(s), V(bias)},
                               with_block({attr_string("activation", "Relu")}), 1, "onyx"}));
  Tensor g = unblocked(run_ok({"NchwcChannelScale", 1, {V(blocked(x)), V(gate)}, {block_attr()}, 1,
                               "onyx"}));
  Tensor sg = unblocked(run_ok({"NchwcChannelScale", 1, {V(blocked(x)), V(s), V(bias)},
                                with_block({attr_string("activation", "Sigmoid")}), 1, "onyx"}));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t p = 0; p < H * W; ++p) {
        const int64_t i = (n * C + c) * H * W + p;
        const float xv = x.data<float>()[i];
        EXPECT_NEAR(y.data<float>()[i], std::max(0.f, xv * s.data<float>()[c] + bias.data<float>()[c]), 1e-5f);
        EXPECT_NEAR(g.data<float>()[i], xv * gate.data<float>()[n * C + c], 1e-5f);
        const float lin = xv * s.data<float>()[c] + bias.data<float>()[c];
        EXPECT_NEAR(sg.data<float>()[i], 1.f / (1.f + std::exp(-lin)), 1e-5f);
      }
    }
  }
  auto bad = run_node({"NchwcChannelScale", 1, {V(blocked(x)), V(random_float({3}, 34))},
                       {block_attr()}, 1, "onyx"});
  EXPECT_FALSE(bad.ok());
}

// Inputs past B are further parts of X along the channels: the scale reads a concatenation in
// place (with B omitted too), and parts that differ in more than channels are an error.
TEST_P(Nchwc, ChannelScaleReadsTheConcatenationOfItsParts) {
  const int64_t N = 2, H = 3, W = 5;
  const std::vector<int64_t> widths = {16, 32, 16};
  std::vector<Tensor> parts;
  for (size_t i = 0; i < widths.size(); ++i) {
    parts.push_back(random_float({N, widths[i], H, W}, 40 + static_cast<uint32_t>(i)));
  }
  const int64_t C = 64;
  Tensor s = random_float({C}, 45), bias = random_float({C}, 46);
  for (bool with_bias : {true, false}) {
    SCOPED_TRACE(with_bias ? "with B" : "without B");
    std::vector<Value> in{V(blocked(parts[0])), V(s), with_bias ? V(bias) : Value()};
    for (size_t i = 1; i < parts.size(); ++i) in.push_back(V(blocked(parts[i])));
    Tensor y = unblocked(run_ok({"NchwcChannelScale", 1, in,
                                 with_block({attr_string("activation", "Relu")}), 1, "onyx"}));
    ASSERT_EQ(y.shape(), (Shape{N, C, H, W}));
    for (int64_t n = 0; n < N; ++n) {
      int64_t c = 0;
      for (size_t i = 0; i < parts.size(); ++i) {
        for (int64_t j = 0; j < widths[i]; ++j, ++c) {
          for (int64_t p = 0; p < H * W; ++p) {
            const float xv = parts[i].data<float>()[(n * widths[i] + j) * H * W + p];
            const float lin = xv * s.data<float>()[c] + (with_bias ? bias.data<float>()[c] : 0.f);
            ASSERT_NEAR(y.data<float>()[(n * C + c) * H * W + p], std::max(0.f, lin), 1e-5f)
                << "image " << n << " channel " << c << " at " << p;
          }
        }
      }
    }
  }
  Tensor other = random_float({N, 16, H, W + 1}, 47);
  auto bad = run_node({"NchwcChannelScale", 1,
                       {V(blocked(parts[0])), V(random_float({32}, 48)), Value(), V(blocked(other))},
                       {block_attr()}, 1, "onyx"});
  EXPECT_FALSE(bad.ok());
}

// NchwcConv with constant weights (oneDNN, packed at load) against Conv: plain and blocked
// input, grouped and depthwise, with a residual Z and an activation.
TEST_P(Nchwc, ConvMatchesConvInEveryInputLayout) {
  struct ConvCase {
    int64_t C, M, group;
    std::vector<ir::Attribute> attrs;
  };
  const std::vector<ConvCase> cases = {
      {3, 16, 1, {attr_ints("pads", {1, 1, 1, 1}), attr_ints("strides", {2, 2})}},
      {32, 16, 1, {}},
      {32, 32, 32, {attr_ints("pads", {1, 1, 1, 1})}},
      {32, 64, 2, {attr_ints("pads", {0, 1, 2, 1}), attr_ints("dilations", {2, 1})}},
      // ResNeXt's: groups of 4 channels, several in one block (oneDNN's own layout inside).
      {64, 64, 16, {attr_ints("pads", {1, 1, 1, 1})}},
      {32, 64, 4, {attr_ints("strides", {2, 2})}},
      {32, 64, 32, {attr_ints("pads", {1, 1, 1, 1})}},  // depthwise, two outputs a channel
  };
  uint32_t seed = 40;
  for (const auto& c : cases) {
    SCOPED_TRACE("C " + std::to_string(c.C) + " M " + std::to_string(c.M) + " group " +
                 std::to_string(c.group));
    const int64_t k = c.C == 32 && c.M == 16 ? 1 : 3;
    Tensor x = random_float({2, c.C, 9, 8}, seed++);
    Tensor w = random_float({c.M, c.C / c.group, k, k}, seed++);
    Tensor b = random_float({c.M}, seed++);
    std::vector<ir::Attribute> attrs = c.attrs;
    attrs.push_back(attr_int("group", c.group));
    std::vector<ir::Attribute> blocked_attrs = with_block(attrs);
    RunConfig constant_weights;
    constant_weights.constants = {1, 2};
    auto plain = run_node({"Conv", 17, {V(x), V(w), V(b)}, attrs}, constant_weights);
    ASSERT_TRUE(plain.ok()) << plain.status().to_string();
    const Tensor& expected_conv = (*plain)[0].tensor();
    for (int blocked_input = 0; blocked_input <= (c.C % block() == 0 ? 1 : 0); ++blocked_input) {
      std::vector<ir::Attribute> a = blocked_attrs;
      a.push_back(attr_int("input_nchwc", blocked_input));
      auto r = run_node({"NchwcConv", 1, {V(blocked_input ? blocked(x) : x), V(w), V(b)}, a, 1, "onyx"},
                        constant_weights);
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      expect_close(expected_conv, unblocked((*r)[0].tensor()), 1e-4f);
    }
    // With a residual sum and an activation: y = relu(conv(x) + z).
    Tensor z = random_float(expected_conv.shape(), seed++);
    std::vector<ir::Attribute> a = blocked_attrs;
    a.push_back(attr_string("activation", "Relu"));
    a.push_back(attr_int("input_nchwc", 0));
    auto r = run_node({"NchwcConv", 1, {V(x), V(w), V(b), V(blocked(z))}, a, 1, "onyx"},
                      constant_weights);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    Tensor got = unblocked((*r)[0].tensor());
    for (int64_t i = 0; i < got.numel(); ++i) {
      const float want = std::max(0.f, expected_conv.data<float>()[i] + z.data<float>()[i]);
      ASSERT_NEAR(got.data<float>()[i], want, 1e-4f * (1 + std::abs(want))) << "at " << i;
    }
  }
}

// NchwcConv with a depthwise stage (inputs 4 and 5): the 1x1 convolution, its activation, the
// depthwise 3x3 (padding 1) and its activation, against Conv -> Clip -> Conv -> Relu. With
// constant weights on oneDNN (the fused primitive for the 2 x 32 x 128 x 128 intermediate, 4
// MB, on one and two threads; the two convolutions one after the other for the small one) and
// with runtime weights on the reference path; a bad depthwise stage is an error.
TEST_P(Nchwc, ConvWithDepthwiseStageMatchesTheTwoConvolutions) {
  const int64_t C = 16, M = 32;
  Tensor w = random_float({M, C, 1, 1}, 80), b = random_float({M}, 81);
  Tensor wd = random_float({M, 1, 3, 3}, 82), bd = random_float({M}, 83);
  uint32_t seed = 84;
  const std::vector<Shape> shapes = {{1, C, 9, 10}, {2, C, 128, 128}};
  for (const int64_t stride : {1, 2}) {
    for (const Shape& shape : shapes) {
      for (const int threads : {1, 2}) {
        SCOPED_TRACE("stride " + std::to_string(stride) + " X " + shape_to_string(shape) +
                     " threads " + std::to_string(threads));
        Tensor x = random_float(shape, seed++);
        Tensor c1 = run_ok({"Conv", 17, {V(x), V(w), V(b)}, {}});
        Tensor r1 = run_ok({"Clip", 13, {V(c1), V(Tensor::scalar(0.f)), V(Tensor::scalar(6.f))}, {}});
        Tensor c2 = run_ok({"Conv", 17, {V(r1), V(wd), V(bd)},
                            {attr_int("group", M), attr_ints("pads", {1, 1, 1, 1}),
                             attr_ints("strides", {stride, stride})}});
        Tensor want = run_ok({"Relu", 14, {V(c2)}, {}});
        std::vector<ir::Attribute> a = with_block({attr_string("activation", "Clip"),
                                                   attr_floats("activation_params", {0.f, 6.f}),
                                                   attr_int("dw_stride", stride),
                                                   attr_string("dw_activation", "Relu")});
        const std::vector<Value> in = {V(blocked(x)), V(w), V(b), Value(), V(wd), V(bd)};
        RunConfig constant_weights;
        constant_weights.threads = threads;
        constant_weights.constants = {1, 2, 4, 5};
        RunConfig runtime_weights = constant_weights;
        runtime_weights.constants = {4, 5};  // W_dw and B_dw must be constants
        for (const RunConfig& config : {constant_weights, runtime_weights}) {
          auto got = run_node({"NchwcConv", 1, in, a, 1, "onyx"}, config);
          ASSERT_TRUE(got.ok()) << got.status().to_string();
          expect_close(want, unblocked((*got)[0].tensor()), 1e-4f);
        }
      }
    }
  }
  Tensor x = random_float({1, C, 6, 6}, seed++);
  RunConfig constants;
  constants.constants = {1, 2, 4, 5};
  auto bad_stride = run_node({"NchwcConv", 1, {V(blocked(x)), V(w), V(b), Value(), V(wd), V(bd)},
                              with_block({attr_int("dw_stride", 3)}), 1, "onyx"}, constants);
  EXPECT_FALSE(bad_stride.ok());
  auto bad_weights = run_node({"NchwcConv", 1,
                               {V(blocked(x)), V(w), V(b), Value(), V(random_float({M, 1, 5, 5}, 90))},
                               with_block({}), 1, "onyx"}, RunConfig{1, {1, 2, 4}});
  EXPECT_FALSE(bad_weights.ok());
  auto not_pointwise = run_node({"NchwcConv", 1, {V(blocked(x)), V(random_float({M, C, 3, 3}, 91)),
                                                  V(b), Value(), V(wd), V(bd)},
                                 with_block({}), 1, "onyx"}, constants);
  EXPECT_FALSE(not_pointwise.ok());
}

// A grouped convolution whose groups share a block (ResNeXt: 32 groups of 4 channels) gets one
// of oneDNN's optimized kernels in the blocked layout, like the same convolution ungrouped, not
// its reference kernel (0.5 s a layer of ResNeXt-50, 300 times the optimized one).
TEST(NchwcGroupedConv, GroupsNarrowerThanABlockGetAnOptimizedKernel) {
  if (!nn::dnnl_available()) GTEST_SKIP() << "no oneDNN";
  const int64_t C = 128, H = 14;
  nn::Window win{{H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {H, H}};
  Tensor b = random_float({C}, 71);
  auto is_reference = [](const char* impl) { return std::string(impl).rfind("ref", 0) == 0; };
  for (const nn::ConvLayout layout : {nn::ConvLayout::kBlocked8, nn::ConvLayout::kBlocked16}) {
    const nn::ConvOptions opt{layout, layout, false};
    Tensor dense_w = random_float({C, C, 3, 3}, 72);
    auto dense = nn::DnnlConvolution::create(1, C, C, 1, win, dense_w.data<float>(),
                                             b.data<float>(), {}, opt);
    ASSERT_TRUE(dense.ok()) << dense.status().to_string();
    if (is_reference((*dense)->implementation())) GTEST_SKIP() << "no optimized kernel here";
    // 32 groups of 4 channels, 16 of 8, and a depthwise one with two outputs a channel.
    for (const auto& [groups, M] : {std::pair<int64_t, int64_t>{32, C}, {16, C}, {C, 2 * C}}) {
      Tensor w = random_float({M, C / groups, 3, 3}, 73);
      Tensor bm = random_float({M}, 74);
      auto grouped = nn::DnnlConvolution::create(1, C, M, groups, win, w.data<float>(),
                                                 bm.data<float>(), {}, opt);
      ASSERT_TRUE(grouped.ok()) << grouped.status().to_string();
      EXPECT_FALSE(is_reference((*grouped)->implementation()))
          << groups << " groups, " << M << " outputs: " << (*grouped)->implementation();
    }
  }
}

// max_winograd_ratio bounds the transformed weights: at 8 images oneDNN's Winograd takes 4x the
// plain weights (4x4 tiles), so a bound of 2 means the direct algorithm; without a bound it
// is Winograd where oneDNN has it.
TEST(NchwcGroupedConv, WinogradStaysWithinItsWeightRatio) {
  if (!nn::dnnl_available()) GTEST_SKIP() << "no oneDNN";
  const int64_t N = 8, C = 64, H = 14;
  nn::Window win{{H, H}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {H, H}};
  Tensor w = random_float({C, C, 3, 3}, 81), b = random_float({C}, 82);
  auto make = [&](int64_t ratio) {
    nn::ConvOptions opt{nn::ConvLayout::kBlocked16, nn::ConvLayout::kBlocked16, true, ratio};
    return nn::DnnlConvolution::create(N, C, C, 1, win, w.data<float>(), b.data<float>(), {},
                                       opt);
  };
  auto any = make(-1), bounded = make(2);
  ASSERT_TRUE(any.ok() && bounded.ok());
  const std::string unbounded_impl = (*any)->implementation();
  if (unbounded_impl.find("wino") == std::string::npos) GTEST_SKIP() << "no Winograd here";
  EXPECT_EQ(std::string((*bounded)->implementation()).find("wino"), std::string::npos)
      << (*bounded)->implementation();
}

// Without constant weights there is no oneDNN primitive: the reference path (unblock, convolve,
// block) must give the same result.
TEST_P(Nchwc, ConvWithRuntimeWeightsTakesTheReferencePath) {
  Tensor x = random_float({1, 16, 6, 6}, 60);
  Tensor w = random_float({16, 16, 3, 3}, 61);
  Tensor plain = run_ok({"Conv", 17, {V(x), V(w)}, {attr_ints("pads", {1, 1, 1, 1})}});
  Tensor b = run_ok({"NchwcConv", 1, {V(blocked(x)), V(w)},
                     with_block({attr_ints("pads", {1, 1, 1, 1})}), 1, "onyx"});
  expect_close(plain, unblocked(b), 1e-4f);
}

// A 1x1 convolution of a 1x1 image with constant weights (squeeze-and-excitation) runs as a
// matrix-vector product (ops/common/pointwise_gemv.h); with runtime weights it takes the reference path.
// Both must agree for every fused activation (the vectorized ones and the scalar fallback), with
// and without a residual sum, for batch rows > 1, on 1 and 2 threads, and for output counts
// that leave a partial group of panels (80) or a partial panel (24 with block 8).
TEST_P(Nchwc, ConvOnOnePixelMatchesTheReferencePath) {
  const std::vector<std::pair<std::string, std::vector<float>>> activations = {
      {"", {}},          {"Relu", {}},        {"Sigmoid", {}},         {"Swish", {}},
      {"HardSwish", {}}, {"Clip", {0.f, 1.f}}, {"HardSigmoid", {0.2f, 0.5f}},
      {"LeakyRelu", {0.1f}}, {"Tanh", {}}};
  uint32_t seed = 70;
  for (const int64_t M : {int64_t{80}, int64_t{24}}) {
    if (M % block() != 0) continue;
    const int64_t C = 48;
    Tensor x = random_float({3, C, 1, 1}, seed++);
    Tensor w = random_float({M, C, 1, 1}, seed++);
    Tensor b = random_float({M}, seed++);
    Tensor z = random_float({3, M, 1, 1}, seed++);
    for (const auto& [act, params] : activations) {
      for (const bool with_sum : {false, true}) {
        for (const int threads : {1, 2}) {
          SCOPED_TRACE("M " + std::to_string(M) + " activation '" + act + "' sum " +
                       std::to_string(with_sum) + " threads " + std::to_string(threads));
          std::vector<ir::Attribute> a = with_block({});
          if (!act.empty()) a.push_back(attr_string("activation", act));
          if (!params.empty()) a.push_back(attr_floats("activation_params", params));
          std::vector<Value> in = {V(blocked(x)), V(w), V(b)};
          if (with_sum) in.push_back(V(blocked(z)));
          RunConfig runtime_weights;
          runtime_weights.threads = threads;
          RunConfig constant_weights = runtime_weights;
          constant_weights.constants = {1, 2};
          auto want = run_node({"NchwcConv", 1, in, a, 1, "onyx"}, runtime_weights);
          auto got = run_node({"NchwcConv", 1, in, a, 1, "onyx"}, constant_weights);
          ASSERT_TRUE(want.ok()) << want.status().to_string();
          ASSERT_TRUE(got.ok()) << got.status().to_string();
          expect_close((*want)[0].tensor(), (*got)[0].tensor(), 2e-5f);
        }
      }
    }
  }
  // The plain ONNX Conv takes the same path.
  Tensor x = random_float({2, 40, 1, 1}, seed++);
  Tensor w = random_float({72, 40, 1, 1}, seed++);
  Tensor b = random_float({72}, seed++);
  RunConfig constant_weights;
  constant_weights.constants = {1, 2};
  auto got = run_node({"Conv", 17, {V(x), V(w), V(b)}, {}}, constant_weights);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  expect_close(run_ok({"Conv", 17, {V(x), V(w), V(b)}, {}}), (*got)[0].tensor(), 2e-5f);
}

INSTANTIATE_TEST_SUITE_P(
    BlocksAndIsas, Nchwc,
    ::testing::Combine(::testing::Values(int64_t{8}, int64_t{16}),
                       ::testing::Values(simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512)),
    [](const ::testing::TestParamInfo<Nchwc::ParamType>& info) {
      return "block" + std::to_string(std::get<0>(info.param)) + "_" +
             simd::isa_name(std::get<1>(info.param));
    });

}  // namespace
}  // namespace onyx::test
