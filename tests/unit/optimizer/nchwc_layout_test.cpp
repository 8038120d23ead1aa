// The NCHWc layout pass (optimizer/nchwc_layout.h) on a small CNN that has every pattern it
// handles: a first convolution of 3 channels, a residual sum, BatchNormalization, MaxPool,
// Concat, a depthwise convolution, a squeeze-and-excitation gate (GlobalAveragePool -> Conv ->
// Sigmoid -> Mul), AveragePool, and a plain tail (Flatten -> Gemm) plus a blocked value that is
// also a graph output. The model is serialized and loaded back so that ONNX shape inference
// types its values (with a symbolic batch) as it does for real files.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "optimizer/model_builder.h"

namespace onyx::test {
namespace {

Tensor random_weights(Shape shape, uint32_t seed, float lo = -0.5f, float hi = 0.5f) {
  Tensor t(DataType::kFloat, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

struct Builder {
  ir::Model model;
  uint32_t seed = 1;
  Builder() {
    model.ir_version = 8;
    model.opset_imports[""] = 17;
  }
  void node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
            std::vector<ir::Attribute> attrs = {}) {
    ir::Node n;
    n.name = op + std::to_string(model.graph.nodes.size());
    n.op_type = op;
    n.opset = 17;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attributes = std::move(attrs);
    model.graph.nodes.push_back(std::move(n));
  }
  std::string weight(Shape shape, float lo = -0.5f, float hi = 0.5f) {
    const std::string name = "w" + std::to_string(seed);
    model.graph.initializers[name] = random_weights(std::move(shape), seed++, lo, hi);
    return name;
  }
  // Graph input "x": [batch, C, H, W] with a symbolic batch.
  void image_input(int64_t C, int64_t H, int64_t W) {
    model.graph.inputs.push_back(
        {"x", ir::TypeInfo::tensor(DataType::kFloat, std::vector<ir::Dim>{
                                       ir::Dim::named("batch"), ir::Dim::known(C),
                                       ir::Dim::known(H), ir::Dim::known(W)}), {}});
  }
  void conv(const std::string& x, const std::string& y, int64_t C, int64_t M, int64_t k,
            int64_t group = 1, int64_t stride = 1) {
    const int64_t p = k / 2;
    node("Conv", {x, weight({M, C / group, k, k}), weight({M})}, {y},
         {attr_ints("pads", {p, p, p, p}), attr_ints("strides", {stride, stride}),
          attr_int("group", group)});
  }
};

ir::Model small_cnn() {
  Builder b;
  b.image_input(3, 16, 16);
  b.conv("x", "c1", 3, 16, 3);
  b.node("Relu", {"c1"}, {"r1"});
  b.conv("r1", "c2", 16, 16, 3);
  b.node("Add", {"c2", "r1"}, {"res"});  // a residual sum (fuses into the conv)
  b.node("BatchNormalization",
         {"res", b.weight({16}), b.weight({16}), b.weight({16}), b.weight({16}, 0.5f, 1.5f)},
         {"bn"}, {attr_float("epsilon", 1e-3f)});
  b.node("Relu", {"bn"}, {"r2"});
  b.node("MaxPool", {"r2"}, {"mp"},
         {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}),
          attr_ints("pads", {1, 1, 1, 1})});
  // Channel counts are multiples of 16, so the pass does the same with either block (8 or 16).
  b.conv("mp", "c3", 16, 16, 1);
  b.node("Concat", {"mp", "c3"}, {"cat"}, {attr_int("axis", 1)});          // 32 channels
  b.conv("cat", "dw", 32, 32, 3, 32);                                      // depthwise
  b.node("GlobalAveragePool", {"dw"}, {"gap"});
  b.conv("gap", "se1", 32, 16, 1);
  b.node("Relu", {"se1"}, {"se2"});
  b.conv("se2", "se3", 16, 32, 1);
  b.node("Sigmoid", {"se3"}, {"gate"});
  b.node("Mul", {"dw", "gate"}, {"scaled"});
  b.node("AveragePool", {"scaled"}, {"ap"},
         {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})});
  b.node("GlobalAveragePool", {"ap"}, {"pooled"});
  b.node("Flatten", {"pooled"}, {"flat"});
  b.node("Gemm", {"flat", b.weight({10, 32}), b.weight({10})}, {"logits"}, {attr_int("transB", 1)});
  b.model.graph.outputs.push_back({"logits", {}, {}});
  b.model.graph.outputs.push_back({"scaled", {}, {}});  // a blocked value wanted plain
  return b.model;
}

// EfficientNet-like channel counts (24, 40, a squeeze of 6) that are not multiples of the
// block: the pass pads them. An inner padded value is also a graph output.
ir::Model padded_cnn() {
  Builder b;
  b.image_input(3, 12, 12);
  b.conv("x", "c1", 3, 24, 3, 1, 2);
  b.node("Sigmoid", {"c1"}, {"s1"});
  b.node("Mul", {"c1", "s1"}, {"a1"});                   // Swish
  b.conv("a1", "dw", 24, 24, 3, 24);                      // depthwise, padded
  b.node("GlobalAveragePool", {"dw"}, {"gap"});
  b.conv("gap", "se1", 24, 6, 1);
  b.node("Relu", {"se1"}, {"se2"});
  b.conv("se2", "se3", 6, 24, 1);
  b.node("Sigmoid", {"se3"}, {"gate"});
  b.node("Mul", {"dw", "gate"}, {"scaled"});
  b.conv("scaled", "c2", 24, 24, 1);
  b.node("Add", {"c2", "a1"}, {"res"});                  // residual over padded tensors
  b.node("BatchNormalization",
         {"res", b.weight({24}), b.weight({24}), b.weight({24}), b.weight({24}, 0.5f, 1.5f)},
         {"bn"});
  b.node("MaxPool", {"bn"}, {"mp"}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})});
  b.conv("mp", "c3", 24, 40, 3);
  b.node("GlobalAveragePool", {"c3"}, {"pooled"});
  b.node("Flatten", {"pooled"}, {"flat"});
  b.node("Gemm", {"flat", b.weight({10, 40}), b.weight({10})}, {"logits"}, {attr_int("transB", 1)});
  b.model.graph.outputs.push_back({"logits", {}, {}});
  b.model.graph.outputs.push_back({"res", {}, {}});
  return b.model;
}

std::unique_ptr<Session> load(const ir::Model& m, int level) { return load_serialized(m, level); }

// Runs both sessions on one random input; every output must agree to 1e-4 relative.
void expect_same_outputs(Session& plain, Session& blocked, Shape input_shape, uint32_t seed) {
  const std::string what = "input " + shape_to_string(input_shape);
  Tensor x = random_weights(std::move(input_shape), seed, -1.f, 1.f);
  auto a = plain.run({{"x", Value(x)}});
  auto c = blocked.run({{"x", Value(x)}});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  for (size_t k = 0; k < a->size(); ++k) {
    const Tensor& want = (*a)[k].tensor();
    const Tensor& got = (*c)[k].tensor();
    ASSERT_EQ(want.shape(), got.shape()) << "output " << k << ", " << what;
    for (int64_t i = 0; i < want.numel(); ++i) {
      ASSERT_NEAR(want.data<float>()[i], got.data<float>()[i],
                  1e-4f * (1 + std::abs(want.data<float>()[i])))
          << "output " << k << " at " << i << ", " << what;
    }
  }
}

int count(const ir::Model& m, const std::string& op) {
  int n = 0;
  for (const auto& node : m.graph.nodes) n += node.op_type == op;
  return n;
}

TEST(NchwcLayout, SmallCnnRunsBlockedWithTheSameResults) {
  const ir::Model m = small_cnn();
  auto plain = load(m, 0);
  auto extended = load(m, 2);
  auto blocked = load(m, 3);
  ASSERT_TRUE(plain && extended && blocked);
  const ir::Model& opt = blocked->model();
  // Every conv has a multiple of 16 output channels; the SE convs read the plain pooled vector.
  EXPECT_EQ(count(opt, "Conv") + count(opt, "FusedConv"), 0);
  EXPECT_EQ(count(opt, "NchwcConv"), 6);
  EXPECT_EQ(count(opt, "NchwcMaxPool"), 1);
  EXPECT_EQ(count(opt, "NchwcAveragePool"), 1);
  EXPECT_EQ(count(opt, "NchwcGlobalAveragePool"), 2);
  EXPECT_EQ(count(opt, "NchwcChannelScale"), 2);  // the BatchNormalization and the SE gate
  EXPECT_EQ(count(opt, "BatchNormalization"), 0);
  std::string listing;
  for (const auto& n : opt.graph.nodes) {
    listing += n.op_type + "(";
    for (const auto& v : n.inputs) listing += v + " ";
    listing += ") -> " + (n.outputs.empty() ? "" : n.outputs[0]) + "\n";
  }
  EXPECT_EQ(count(opt, "ReorderFromNchwc"), 1) << listing;  // only for the graph output "scaled"
  EXPECT_EQ(count(extended->model(), "NchwcConv"), 0);

  for (int64_t batch : {1, 3}) {
    expect_same_outputs(*plain, *blocked, {batch, 3, 16, 16}, 100 + static_cast<uint32_t>(batch));
  }
}

TEST(NchwcLayout, ChannelsThatAreNotMultiplesOfTheBlockArePadded) {
  const ir::Model m = padded_cnn();
  auto plain = load(m, 0);
  auto blocked = load(m, 3);
  ASSERT_TRUE(plain && blocked);
  const ir::Model& opt = blocked->model();
  EXPECT_EQ(count(opt, "NchwcConv"), 6);
  EXPECT_EQ(count(opt, "Conv") + count(opt, "FusedConv"), 0);
  EXPECT_EQ(count(opt, "NchwcChannelScale"), 2);
  int reorders_with_channels = 0;
  for (const auto& n : opt.graph.nodes) {
    if (n.op_type == "ReorderFromNchwc" && n.find_attribute("channels") != nullptr) {
      ++reorders_with_channels;
    }
  }
  EXPECT_EQ(reorders_with_channels, 2);  // the graph output "res" and the pooled vector
  for (int64_t batch : {1, 2}) {
    expect_same_outputs(*plain, *blocked, {batch, 3, 12, 12}, 200 + static_cast<uint32_t>(batch));
  }
}

// A QDQ model (quantize_static's form): per-tensor QuantizeLinear -> DequantizeLinear pairs
// between the convolutions keep the blocked layout, padded channels included (0 quantizes to
// the zero point and comes back as 0). A quantized value read by anything but such a
// DequantizeLinear (here a graph output) stays plain.
TEST(NchwcLayout, PerTensorQuantizeDequantizePairsStayBlocked) {
  Builder b;
  b.image_input(3, 10, 10);
  b.model.graph.initializers["s"] = make<float>({0.02f}, {});
  b.model.graph.initializers["z"] = make<uint8_t>({3}, {});
  b.model.graph.initializers["s2"] = make<float>({0.05f}, {});
  b.model.graph.initializers["z2"] = make<uint8_t>({128}, {});
  b.conv("x", "c1", 3, 24, 3);
  b.node("Relu", {"c1"}, {"r1"});
  b.node("QuantizeLinear", {"r1", "s", "z"}, {"q1"});
  b.node("DequantizeLinear", {"q1", "s", "z"}, {"d1"});
  b.conv("d1", "c2", 24, 24, 3);
  b.node("QuantizeLinear", {"c2", "s2", "z2"}, {"q2"});
  b.node("DequantizeLinear", {"q2", "s2", "z2"}, {"d2"});
  b.node("Add", {"d1", "d2"}, {"sum"});
  b.node("QuantizeLinear", {"sum", "s2", "z2"}, {"q3"});
  b.node("DequantizeLinear", {"q3", "s2", "z2"}, {"d3"});
  b.node("GlobalAveragePool", {"d3"}, {"pooled"});
  b.model.graph.outputs.push_back({"pooled", {}, {}});
  b.model.graph.outputs.push_back({"q2", {}, {}});  // a quantized value wanted plain
  auto plain = load(b.model, 0);
  auto blocked = load(b.model, 3);
  ASSERT_TRUE(plain && blocked);
  const ir::Model& opt = blocked->model();
  EXPECT_EQ(count(opt, "NchwcConv"), 2);
  // q2's QuantizeLinear reads c2 plain (one reorder), and pooled comes back plain (one more).
  EXPECT_EQ(count(opt, "ReorderFromNchwc"), 2);
  Tensor x = random_weights({2, 3, 10, 10}, 300, -1.f, 1.f);
  auto a = plain->run({{"x", Value(x)}});
  auto c = blocked->run({{"x", Value(x)}});
  ASSERT_TRUE(a.ok() && c.ok());
  // The convolutions' float sums may round apart by an ulp, which can move a value across a
  // quantization step: at most one step apart.
  const Tensor &pa = (*a)[0].tensor(), &pc = (*c)[0].tensor();
  for (int64_t i = 0; i < pa.numel(); ++i) {
    ASSERT_NEAR(pa.data<float>()[i], pc.data<float>()[i], 0.05 / 100 + 1e-6) << i;
  }
  const Tensor &qa = (*a)[1].tensor(), &qc = (*c)[1].tensor();
  ASSERT_EQ(qa.shape(), qc.shape());
  int apart = 0;
  for (int64_t i = 0; i < qa.numel(); ++i) {
    const int d = qa.data<uint8_t>()[i] - qc.data<uint8_t>()[i];
    ASSERT_LE(std::abs(d), 1) << i;
    apart += d != 0;
  }
  EXPECT_LE(apart, qa.numel() / 100);
}

// DenseNet's dense layers: Concat(all earlier features) -> BatchNormalization -> Relu -> Conv.
// The scale reads the concatenation's parts in place, unless the Concat has another reader.
TEST(NchwcLayout, ChannelScaleReadsConcatenatedPartsInPlace) {
  Builder b;
  b.image_input(3, 8, 8);
  auto bn_relu = [&](const std::string& x, const std::string& y, int64_t C) {
    b.node("BatchNormalization",
           {x, b.weight({C}), b.weight({C}), b.weight({C}), b.weight({C}, 0.5f, 1.5f)},
           {y + "_bn"});
    b.node("Relu", {y + "_bn"}, {y});
  };
  b.conv("x", "f0", 3, 32, 3);
  bn_relu("f0", "a0", 32);
  b.conv("a0", "f1", 32, 16, 1);
  b.node("Concat", {"f0", "f1"}, {"cat1"}, {attr_int("axis", 1)});
  bn_relu("cat1", "a1", 48);
  b.conv("a1", "f2", 48, 16, 3);
  b.node("Concat", {"f0", "f1", "f2"}, {"cat2"}, {attr_int("axis", 1)});
  bn_relu("cat2", "a2", 64);
  b.conv("a2", "f3", 64, 16, 1);
  b.node("Concat", {"cat2", "f3"}, {"cat3"}, {attr_int("axis", 1)});
  bn_relu("cat3", "a3", 80);
  b.node("GlobalAveragePool", {"a3"}, {"pooled"});
  b.model.graph.outputs.push_back({"pooled", {}, {}});
  b.model.graph.outputs.push_back({"cat2", {}, {}});  // a second reader: cat2 stays
  auto plain = load(b.model, 0);
  auto blocked = load(b.model, 3);
  ASSERT_TRUE(plain && blocked);
  const ir::Model& opt = blocked->model();
  EXPECT_EQ(count(opt, "Concat"), 1);
  int reading_parts = 0;
  for (const auto& n : opt.graph.nodes) {
    reading_parts += n.op_type == "NchwcChannelScale" && n.inputs.size() > 3;
  }
  EXPECT_EQ(reading_parts, 2);  // cat1's and cat3's
  for (int64_t batch : {1, 3}) {
    expect_same_outputs(*plain, *blocked, {batch, 3, 8, 8}, 400 + static_cast<uint32_t>(batch));
  }
}

// MobileNetV2's expansion -> depthwise pairs: a 1x1 convolution whose only reader is a
// depthwise 3x3 one becomes one NchwcConv with a depthwise stage (which runs fused for the 96 x
// 112 x 112 intermediate, as two convolutions for the 96 x 56 x 56 one at batch 1), but not
// where the intermediate has another reader.
TEST(NchwcLayout, WideExpansionAndDepthwiseConvolutionsFuse) {
  Builder b;
  b.image_input(16, 112, 112);
  auto relu6 = [&](const std::string& x, const std::string& y) {
    b.model.graph.initializers[y + "_lo"] = Tensor::scalar(0.f);
    b.model.graph.initializers[y + "_hi"] = Tensor::scalar(6.f);
    b.node("Clip", {x, y + "_lo", y + "_hi"}, {y});
  };
  b.conv("x", "c0", 16, 16, 3);  // so that the expansion reads a blocked input
  b.conv("c0", "e1", 16, 96, 1);
  relu6("e1", "a1");
  b.conv("a1", "d1", 96, 96, 3, 96, 2);  // 112 -> 56, fuses
  relu6("d1", "a2");
  b.conv("a2", "p1", 96, 16, 1);
  b.conv("p1", "e2", 16, 96, 1);
  relu6("e2", "a3");
  b.conv("a3", "d2", 96, 96, 3, 96, 1);  // 56 x 56
  b.conv("d2", "p2", 96, 16, 1);
  b.model.graph.outputs.push_back({"p2", {}, {}});
  auto plain = load(b.model, 0);
  auto blocked = load(b.model, 3);
  ASSERT_TRUE(plain && blocked);
  auto with_stage = [](const ir::Model& m) {
    int n = 0;
    for (const auto& node : m.graph.nodes) n += node.op_type == "NchwcConv" && node.inputs.size() > 4;
    return n;
  };
  EXPECT_EQ(with_stage(blocked->model()), 2);
  EXPECT_EQ(count(blocked->model(), "NchwcConv"), 5);
  for (int64_t batch : {1, 2}) {
    expect_same_outputs(*plain, *blocked, {batch, 16, 112, 112}, 500 + static_cast<uint32_t>(batch));
  }
  // The same pair with the intermediate also a graph output stays two convolutions.
  b.model.graph.outputs.push_back({"a1", {}, {}});
  auto read_twice = load(b.model, 3);
  ASSERT_TRUE(read_twice);
  EXPECT_EQ(with_stage(read_twice->model()), 1);
}

// A model of four convolutions over a [batch, C, 14, 14] input, all blocked by the layout
// pass: on one thread and on two, at batches 1, 2 and 1 again (the weights a batch-1 kernel
// took over must serve the next batch) it gives the plain graph's results.
void expect_small_image_layers_match(const ir::Model& m, uint32_t seed, int64_t C = 32) {
  auto plain = load(m, 0);
  ASSERT_TRUE(plain);
  for (int threads : {1, 2}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    auto blocked = load_serialized(m, 3, threads);
    ASSERT_TRUE(blocked);
    EXPECT_EQ(count(blocked->model(), "NchwcConv"), 4);
    for (int64_t batch : {1, 2, 1}) {
      expect_same_outputs(*plain, *blocked, {batch, C, 14, 14},
                          seed + static_cast<uint32_t>(batch));
    }
  }
}

// A ResNet bottleneck on a 7x7 image after a strided 1x1 downsampling of a 14x14 one: 1x1
// convolutions with a Relu and with the residual sum. At batch 1 the blocked ones run
// nn::BlockedPointwiseConv (AVX-512; the strided one on gathered pixels), at batch 2 oneDNN's;
// both must give the plain graph's results, and a new batch after the first must not lose the
// weights the kernel took over.
TEST(NchwcLayout, SmallImagePointwiseConvolutions) {
  Builder b;
  b.image_input(32, 14, 14);
  b.conv("x", "c0", 32, 32, 3);
  b.node("Relu", {"c0"}, {"r0"});
  b.conv("r0", "ds", 32, 32, 1, 1, 2);  // 14x14 -> 7x7
  b.conv("ds", "c1", 32, 80, 1);  // 80 outputs: two panels of 32 and one of 16
  b.node("Relu", {"c1"}, {"r1"});
  b.conv("r1", "c2", 80, 32, 1);
  b.node("Add", {"c2", "ds"}, {"s"});
  b.node("Relu", {"s"}, {"y"});
  b.model.graph.outputs.push_back({"y", {}, {}});
  expect_small_image_layers_match(b.model, 300);
}

// KxK convolutions with an output of one 7x7 image and weights of 2 MB or more: at batch 1 the
// blocked ones run nn::BlockedPointwiseConv on their windows' pixels gathered tap by tap, with
// zeros where a window hangs over the padding: a strided 3x3 from 14x14, a dilated 3x3 with the
// residual sum, a 5x5 with 112 outputs (panels of 32 and a last 16); on two threads only the
// strided one. At batch 2 they stay on oneDNN. (The first, 1x1, convolution reads the plain
// input, which the kernel does not take.)
TEST(NchwcLayout, SmallImageWindowConvolutions) {
  Builder b;
  b.image_input(256, 14, 14);
  // Weights of about 1 / sqrt(fan-in), so that the values keep their scale through the layers.
  auto conv = [&](const std::string& x, const std::string& y, int64_t C, int64_t M, int64_t k,
                  int64_t stride, int64_t dilation) {
    const float r = 1.5f / std::sqrt(static_cast<float>(C * k * k));
    const int64_t p = k / 2 * dilation;
    b.node("Conv", {x, b.weight({M, C, k, k}, -r, r), b.weight({M})}, {y},
           {attr_ints("pads", {p, p, p, p}), attr_ints("strides", {stride, stride}),
            attr_ints("dilations", {dilation, dilation})});
  };
  conv("x", "c0", 256, 256, 1, 1, 1);
  b.node("Relu", {"c0"}, {"r0"});
  conv("r0", "c1", 256, 256, 3, 2, 1);  // 14x14 -> 7x7, 2.4 MB of weights
  b.node("Relu", {"c1"}, {"r1"});
  conv("r1", "c2", 256, 256, 3, 1, 2);
  b.node("Add", {"c2", "r1"}, {"s2"});
  b.node("Relu", {"s2"}, {"r2"});
  conv("r2", "y", 256, 112, 5, 1, 1);
  b.model.graph.outputs.push_back({"y", {}, {}});
  expect_small_image_layers_match(b.model, 400, 256);
}

// Winograd's transformed weights (up to 4x the plain ones, kept beside them) are budgeted at
// the model's float weight bytes, largest images first: here five 3x3 convolutions of equal
// weights W (the budget a little over 5 W): the 28x28 one may take 4 W, the first 14x14 one 2 W
// (4 W more would not fit), the next ones none; the strided one is no candidate. The outputs
// match the plain graph's at batch 1 and 8 either way.
TEST(NchwcLayout, WinogradWeightsStayWithinTheModelsWeightBytes) {
  Builder b;
  b.image_input(64, 28, 28);
  const float r = 1.5f / std::sqrt(64.f * 9.f);  // keeps the values' scale through the layers
  auto conv = [&](const std::string& x, const std::string& y, int64_t stride) {
    b.node("Conv", {x, b.weight({64, 64, 3, 3}, -r, r), b.weight({64})}, {y},
           {attr_ints("pads", {1, 1, 1, 1}), attr_ints("strides", {stride, stride})});
  };
  conv("x", "c1", 1);
  b.node("Relu", {"c1"}, {"r1"});
  conv("r1", "c2", 2);  // 28x28 -> 14x14
  b.node("Relu", {"c2"}, {"r2"});
  conv("r2", "c3", 1);
  b.node("Relu", {"c3"}, {"r3"});
  conv("r3", "c4", 1);
  b.node("Relu", {"c4"}, {"r4"});
  conv("r4", "y", 1);
  b.model.graph.outputs.push_back({"y", {}, {}});
  auto plain = load(b.model, 0);
  auto blocked = load(b.model, 3);
  ASSERT_TRUE(plain && blocked);
  std::vector<int64_t> ratios;  // per NchwcConv, in graph order; -1 without the attribute
  for (const auto& n : blocked->model().graph.nodes) {
    if (n.op_type != "NchwcConv") continue;
    const ir::Attribute* a = n.find_attribute("max_winograd_ratio");
    ratios.push_back(a != nullptr ? a->i : -1);
  }
  EXPECT_EQ(ratios, (std::vector<int64_t>{-1, -1, 2, 0, 0}));
  for (const int64_t batch : {1, 8}) {
    expect_same_outputs(*plain, *blocked, {batch, 64, 28, 28}, 500 + static_cast<uint32_t>(batch));
  }
}

TEST(NchwcLayout, CanBeDisabledByName) {
  auto unoptimized = load(small_cnn(), 0);  // typed by shape inference, not rewritten
  ASSERT_TRUE(unoptimized);
  opt::OptimizeOptions o;
  o.level = 3;
  ir::Model on = unoptimized->model(), off = unoptimized->model();
  auto r_on = opt::optimize(on, global_registry(), o);
  o.disabled_rules = {"nchwc_layout"};
  auto r_off = opt::optimize(off, global_registry(), o);
  ASSERT_TRUE(r_on.ok() && r_off.ok());
  EXPECT_EQ(r_on->rewrites.at("nchwc_layout"), 6);
  EXPECT_EQ(count(on, "NchwcConv"), 6);
  EXPECT_EQ(count(off, "NchwcConv"), 0);
  EXPECT_EQ(r_off->rewrites.count("nchwc_layout"), 0u);
}

}  // namespace
}  // namespace onyx::test
