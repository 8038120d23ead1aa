// The graph optimizer: each rule changes the graph as intended, keeps graph outputs and
// subgraph captures intact, and never changes results (optimized vs. level 0 on the same feeds).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "optimizer/model_builder.h"

namespace onyx::test {
namespace {

TEST(Optimizer, IdentityChainsDisappearAndGraphOutputsKeepTheirNames) {
  ModelBuilder b;
  b.input("x", {2, 3}).output("y");
  b.node("Relu", {"x"}, {"r"}).node("Identity", {"r"}, {"i1"}).node("Identity", {"i1"}, {"y"});
  ir::Model m = b.model;
  optimize(m, 1);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].op_type, "Relu");
  EXPECT_EQ(m.graph.nodes[0].outputs[0], "y");  // renamed at the producer
  expect_same_results(b.model, {{"x", Value(random_tensor({2, 3}, 1))}});
}

TEST(Optimizer, IdentityOfAGraphInputStays) {
  ModelBuilder b;
  b.input("x", {2}).output("y").node("Identity", {"x"}, {"y"});
  ir::Model m = b.model;
  optimize(m);
  EXPECT_EQ(count_op(m, "Identity"), 1);  // y must still be produced under its name
}

TEST(Optimizer, DropoutGoesOnlyWhenItsMaskIsUnused) {
  ModelBuilder b;
  b.input("x", {4}).output("y").node("Dropout", {"x"}, {"d"}).node("Relu", {"d"}, {"y"});
  ir::Model m = b.model;
  optimize(m, 1);
  EXPECT_EQ(count_op(m, "Dropout"), 0);

  ModelBuilder c;
  c.input("x", {4}).output("y").output("mask");
  c.node("Dropout", {"x"}, {"d", "mask"}).node("Relu", {"d"}, {"y"});
  ir::Model m2 = c.model;
  optimize(m2, 1);
  EXPECT_EQ(count_op(m2, "Dropout"), 1);
}

TEST(Optimizer, ConstantSubgraphsFoldIntoInitializers) {
  ModelBuilder b;
  b.input("x", {3}).output("y");
  b.constant("a", make<float>({1, 2, 3}, {3})).constant("c", make<float>({10, 20, 30}, {3}));
  b.node("Add", {"a", "c"}, {"s"}).node("Mul", {"s", "s"}, {"sq"}).node("Add", {"x", "sq"}, {"y"});
  ir::Model m = b.model;
  optimize(m, 1);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  ASSERT_TRUE(m.graph.initializers.count("sq"));
  EXPECT_EQ(values_of<float>(m.graph.initializers.at("sq")), (std::vector<float>{121, 484, 1089}));
  EXPECT_FALSE(m.graph.initializers.count("a"));  // nothing reads it any more
  expect_same_results(b.model, {{"x", Value(random_tensor({3}, 2))}});
}

// Folding may not inflate a model by more than a few MB (Expand, Tile), but a node that only
// widens its input's elements folds whatever the size: DequantizeLinear of int8 weights
// (a QDQ model's 3x3 512-channel convolution: 2.4 MB of int8, 9.4 MB of float).
TEST(Optimizer, LargeDequantizedWeightsFoldButLargeExpandsDoNot) {
  ModelBuilder b;
  b.input("x", {1, 512}).output("y").output("z");
  Tensor wq(DataType::kInt8, {512, 4608});
  for (int64_t i = 0; i < wq.numel(); ++i) wq.data<int8_t>()[i] = static_cast<int8_t>(i % 255 - 127);
  b.constant("wq", wq).constant("s", make<float>({0.01f}, {})).constant("zp", make<int8_t>({0}, {}));
  b.constant("one", make<float>({1.f}, {1, 1})).constant("shape", make<int64_t>({4096, 512}, {2}));
  b.node("DequantizeLinear", {"wq", "s", "zp"}, {"w"}).node("MatMul", {"x", "w"}, {"y"});
  b.node("Expand", {"one", "shape"}, {"big"}).node("Add", {"x", "big"}, {"z"});
  ir::Model m = b.model;
  optimize(m, 1);
  EXPECT_EQ(count_op(m, "DequantizeLinear"), 0);
  EXPECT_EQ(count_op(m, "Expand"), 1);  // 8 MB out of 4 bytes stays a node
}

TEST(Optimizer, RandomOpsAreNeverFolded) {
  ModelBuilder b;
  b.output("y").node("RandomUniform", {}, {"y"}, {attr_ints("shape", {2})});
  ir::Model m = b.model;
  optimize(m);
  EXPECT_EQ(count_op(m, "RandomUniform"), 1);
}

TEST(Optimizer, ShapeArithmeticOfStaticShapesFolds) {
  // y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): the exporters' flatten.
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y");
  b.constant("zero", Tensor::scalar<int64_t>(0)).constant("minus1", make<int64_t>({-1}, {1}));
  b.node("Shape", {"x"}, {"shape"})
      .node("Gather", {"shape", "zero"}, {"n"}, {attr_int("axis", 0)})
      .node("Unsqueeze", {"n", "zero_axes"}, {"n1"})
      .node("Concat", {"n1", "minus1"}, {"target"}, {attr_int("axis", 0)})
      .node("Reshape", {"x", "target"}, {"y"});
  b.constant("zero_axes", make<int64_t>({0}, {1}));
  ir::Model m = b.model;
  const auto report = optimize(m, 1);
  ASSERT_EQ(m.graph.nodes.size(), 1u) << report.to_string();
  EXPECT_EQ(m.graph.nodes[0].op_type, "Reshape");
  EXPECT_EQ(values_of<int64_t>(m.graph.initializers.at("target")),
            (std::vector<int64_t>{2, -1}));
  expect_same_results(b.model, {{"x", Value(random_tensor({2, 3, 4}, 3))}});
}

TEST(Optimizer, CommonSubexpressionsMerge) {
  ModelBuilder b;
  b.input("x", {5}).output("y");
  b.node("Exp", {"x"}, {"e1"}).node("Exp", {"x"}, {"e2"}).node("Add", {"e1", "e2"}, {"y"});
  ir::Model m = b.model;
  optimize(m, 1);
  EXPECT_EQ(count_op(m, "Exp"), 1);
  expect_same_results(b.model, {{"x", Value(random_tensor({5}, 4))}});
}

TEST(Optimizer, DeadNodesGoButCapturedValuesStay) {
  // "dead" is read by nobody; "kept" is read only inside the If's branches.
  ModelBuilder b;
  b.input("x", {2}).input("cond", {}, DataType::kBool).output("y");
  b.node("Exp", {"x"}, {"dead"}).node("Neg", {"x"}, {"kept"});
  auto branch = [](const std::string& op) {
    auto g = std::make_shared<ir::Graph>();
    ir::Node n;
    n.op_type = op;
    n.opset = 17;
    n.inputs = {"kept"};
    n.outputs = {"out"};
    g->nodes.push_back(n);
    g->outputs.push_back({"out", {}, {}});
    return g;
  };
  ir::Attribute then_a, else_a;
  then_a.name = "then_branch";
  then_a.type = ir::Attribute::Type::kGraph;
  then_a.g = branch("Relu");
  else_a.name = "else_branch";
  else_a.type = ir::Attribute::Type::kGraph;
  else_a.g = branch("Abs");
  b.node("If", {"cond"}, {"y"}, {then_a, else_a});
  ir::Model m = b.model;
  optimize(m, 1);
  EXPECT_EQ(count_op(m, "Exp"), 0);
  EXPECT_EQ(count_op(m, "Neg"), 1);
  Tensor cond = Tensor::scalar<bool>(true);
  expect_same_results(b.model, {{"x", Value(random_tensor({2}, 5))}, {"cond", Value(cond)}});
}

TEST(Optimizer, TransposePairsCancel) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y").output("z");
  b.node("Transpose", {"x"}, {"t1"}, {attr_ints("perm", {1, 2, 0})})
      .node("Transpose", {"t1"}, {"y"}, {attr_ints("perm", {2, 0, 1})})   // back to x
      .node("Transpose", {"t1"}, {"z"}, {attr_ints("perm", {1, 0, 2})});  // composes
  ir::Model m = b.model;
  optimize(m, 1);
  // y = x needs an Identity (graph output fed by a graph input); z is one Transpose of x.
  for (const auto& n : m.graph.nodes) {
    if (n.outputs[0] == "z") {
      EXPECT_EQ(n.inputs[0], "x");
      EXPECT_EQ(n.find_attribute("perm")->ints, (std::vector<int64_t>{2, 1, 0}));
    }
  }
  expect_same_results(b.model, {{"x", Value(random_tensor({2, 3, 4}, 6))}});
}

// Conv -> BatchNormalization -> Mul(per channel) -> Add(per channel) folds into one Conv.
ModelBuilder conv_bn_model() {
  ModelBuilder b;
  b.input("x", {1, 3, 5, 5}).output("y");
  b.constant("w", random_tensor({4, 3, 3, 3}, 7)).constant("b", random_tensor({4}, 8));
  Tensor var = random_tensor({4}, 9);
  for (int64_t i = 0; i < 4; ++i) var.data<float>()[i] = 0.5f + std::abs(var.data<float>()[i]);
  b.constant("gamma", random_tensor({4}, 10)).constant("beta", random_tensor({4}, 11));
  b.constant("mean", random_tensor({4}, 12)).constant("var", var);
  b.constant("scale", random_tensor({4, 1, 1}, 13)).constant("shift", random_tensor({1, 4, 1, 1}, 14));
  b.node("Conv", {"x", "w", "b"}, {"c"}, {attr_ints("pads", {1, 1, 1, 1})})
      .node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"},
            {attr_float("epsilon", 1e-3f)})
      .node("Mul", {"bn", "scale"}, {"m"})
      .node("Add", {"shift", "m"}, {"y"});
  return b;
}

TEST(Optimizer, ConvBatchNormMulAddFoldIntoTheConv) {
  ModelBuilder b = conv_bn_model();
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(m.graph.nodes.size(), 1u) << report.to_string();
  EXPECT_EQ(m.graph.nodes[0].op_type, "Conv");
  EXPECT_EQ(m.graph.nodes[0].outputs[0], "y");
  expect_same_results(b.model, {{"x", Value(random_tensor({1, 3, 5, 5}, 15))}}, 2, 1e-4);
  // Level 1 leaves fusions alone.
  ir::Model basic = b.model;
  optimize(basic, 1);
  EXPECT_EQ(basic.graph.nodes.size(), 4u);
}

TEST(Optimizer, ConvWithASecondReaderIsNotFused) {
  ModelBuilder b = conv_bn_model();
  b.output("c");  // the conv's raw output is wanted too
  ir::Model m = b.model;
  optimize(m, 2);
  EXPECT_EQ(count_op(m, "BatchNormalization"), 1);
}

// Gemm with transB = 1 and a constant B: B is stored transposed and transB goes to 0; the
// shared B (two readers) gets one transposed copy per reader and the original stays for a
// third reader that is no Gemm; a runtime B is left alone.
TEST(Optimizer, ConstantGemmWeightsArePretransposed) {
  ModelBuilder b;
  b.input("x", {3, 5}).input("rb", {4, 5}).output("y").output("z").output("r").output("s");
  b.constant("w", random_tensor({4, 5}, 31)).constant("c", random_tensor({4}, 32));
  b.node("Gemm", {"x", "w", "c"}, {"y"}, {attr_int("transB", 1), attr_float("alpha", 0.5f)});
  b.node("Gemm", {"x", "w"}, {"z"}, {attr_int("transB", 1)});
  b.node("Gemm", {"x", "rb"}, {"r"}, {attr_int("transB", 1)});
  b.node("Add", {"w", "rb"}, {"s"});
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(report.rewrites.count("pretranspose_gemm_weights"), 1u) << report.to_string();
  EXPECT_EQ(report.rewrites.at("pretranspose_gemm_weights"), 2) << report.to_string();
  for (const auto& n : m.graph.nodes) {
    if (n.op_type != "Gemm") continue;
    const ir::Attribute* tb = n.find_attribute("transB");
    ASSERT_NE(tb, nullptr);
    if (n.inputs[1] == "rb") {
      EXPECT_EQ(tb->i, 1);
      continue;
    }
    EXPECT_EQ(tb->i, 0);
    const Tensor& t = m.graph.initializers.at(n.inputs[1]);
    ASSERT_EQ(t.shape(), (Shape{5, 4}));
    const Tensor& w = m.graph.initializers.at("w");
    EXPECT_EQ(t.data<float>()[3 * 4 + 2], w.data<float>()[2 * 5 + 3]);
  }
  EXPECT_EQ(m.graph.initializers.count("w"), 1u);
  expect_same_results(b.model, {{"x", Value(random_tensor({3, 5}, 33))},
                                {"rb", Value(random_tensor({4, 5}, 34))}}, 2);
}

// Gemm with a constant B, alpha = beta = 1, no transA and a bias of N values (or none) becomes
// FusedMatMul (whose B is packed at load); alpha != 1, transA, a full [M, N] C or a runtime B
// keep the Gemm. Results agree either way.
TEST(Optimizer, GemmWithConstantWeightsBecomesFusedMatMul) {
  ModelBuilder b;
  b.input("x", {3, 5}).input("xt", {5, 3}).input("rb", {5, 4});
  b.output("y1").output("y2").output("y3").output("n1").output("n2").output("n3").output("n4");
  b.constant("w", random_tensor({5, 4}, 51)).constant("wt", random_tensor({4, 5}, 52));
  b.constant("c", random_tensor({4}, 53)).constant("c2", random_tensor({1, 4}, 54));
  b.constant("cf", random_tensor({3, 4}, 55));
  b.node("Gemm", {"x", "w", "c"}, {"y1"});
  b.node("Gemm", {"x", "wt", "c2"}, {"y2"}, {attr_int("transB", 1)});
  b.node("Gemm", {"x", "w"}, {"y3"});
  b.node("Gemm", {"x", "w", "c"}, {"n1"}, {attr_float("alpha", 0.5f)});
  b.node("Gemm", {"xt", "w", "c"}, {"n2"}, {attr_int("transA", 1)});
  b.node("Gemm", {"x", "w", "cf"}, {"n3"});
  b.node("Gemm", {"x", "rb", "c"}, {"n4"});
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  EXPECT_EQ(count_op(m, "FusedMatMul"), 3) << report.to_string();
  EXPECT_EQ(count_op(m, "Gemm"), 4) << report.to_string();
  for (const auto& n : m.graph.nodes) {
    if (n.op_type != "Gemm") continue;
    EXPECT_TRUE(n.outputs[0][0] == 'n') << n.outputs[0] << " should have become FusedMatMul";
  }
  expect_same_results(b.model, {{"x", Value(random_tensor({3, 5}, 56))},
                                {"xt", Value(random_tensor({5, 3}, 57))},
                                {"rb", Value(random_tensor({5, 4}, 58))}}, 2);
}

// At level 3 a MatMul with a constant 2-D B and nothing to fuse (GPT-2's LM head) becomes
// FusedMatMul, whose B is packed at load; 3-D A, 1-D A, and a runtime B (stays a MatMul) give
// the same results. Level 2 leaves them MatMul.
TEST(Optimizer, MatMulWithConstantWeightsIsPackedAtLevel3) {
  ModelBuilder b;
  b.input("x", {2, 3, 5}).input("v", {5}).input("rb", {5, 4});
  b.output("y1").output("y2").output("y3");
  b.constant("w", random_tensor({5, 4}, 61));
  b.node("MatMul", {"x", "w"}, {"y1"});
  b.node("MatMul", {"v", "w"}, {"y2"});
  b.node("MatMul", {"x", "rb"}, {"y3"});
  ir::Model m2 = b.model, m3 = b.model;
  optimize(m2, 2);
  EXPECT_EQ(count_op(m2, "MatMul"), 3);
  const auto report = optimize(m3, 3);
  EXPECT_EQ(count_op(m3, "FusedMatMul"), 2) << report.to_string();
  EXPECT_EQ(count_op(m3, "MatMul"), 1) << report.to_string();
  expect_same_results(b.model, {{"x", Value(random_tensor({2, 3, 5}, 62))},
                                {"v", Value(random_tensor({5}, 63))},
                                {"rb", Value(random_tensor({5, 4}, 64))}}, 3);
}

// HardSwish after a conv, and x * HardSigmoid(x) with HardSwish's constants (how PyTorch
// exports it below opset 14), become FusedConv's HardSwish; at level 3 oneDNN applies it
// (its post-op must agree with ONNX's definition on both clipped ends).
TEST(Optimizer, ConvHardSwishFuses) {
  ModelBuilder b;
  b.input("x", {1, 16, 6, 6}).output("y");
  b.constant("w1", random_tensor({16, 16, 3, 3}, 41)).constant("w2", random_tensor({16, 16, 1, 1}, 42));
  b.node("Conv", {"x", "w1"}, {"c1"}, {attr_ints("pads", {1, 1, 1, 1})});
  b.node("HardSwish", {"c1"}, {"h1"});
  b.node("Conv", {"h1", "w2"}, {"c2"});
  b.node("HardSigmoid", {"c2"}, {"g2"}, {attr_float("alpha", 1.f / 6.f), attr_float("beta", 0.5f)});
  b.node("Mul", {"c2", "g2"}, {"y"});
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(m.graph.nodes.size(), 2u) << report.to_string();
  for (const auto& n : m.graph.nodes) {
    EXPECT_EQ(n.op_type, "FusedConv");
    const ir::Attribute* act = n.find_attribute("activation");
    ASSERT_NE(act, nullptr);
    EXPECT_EQ(act->s, "HardSwish");
  }
  const NamedValues feeds = {{"x", Value(test::random_floats({1, 16, 6, 6}, 43, -3.f, 3.f))}};
  expect_same_results(b.model, feeds, 2);
  expect_same_results(b.model, feeds, 3);
}

// As torch.onnx.export writes a linear layer with dynamic axes: Add(bias, MatMul(x, W)) where
// x has symbolic batch and sequence dims; only the bias and W have static shapes.
TEST(Optimizer, MatMulBiasActivationFuseWithSymbolicDims) {
  ModelBuilder b;
  const std::vector<ir::Dim> x_dims{ir::Dim::named("batch"), ir::Dim::named("seq"),
                                    ir::Dim::known(8)};
  const std::vector<ir::Dim> mm_dims{ir::Dim::named("batch"), ir::Dim::named("seq"),
                                     ir::Dim::known(4)};
  b.model.graph.inputs.push_back({"x", ir::TypeInfo::tensor(DataType::kFloat, x_dims), {}});
  b.model.graph.value_info.push_back({"mm", ir::TypeInfo::tensor(DataType::kFloat, mm_dims), {}});
  b.output("y").constant("w", random_tensor({8, 4}, 21)).constant("bias", random_tensor({4}, 22));
  b.node("MatMul", {"x", "w"}, {"mm"}).node("Add", {"bias", "mm"}, {"a"}).node("Relu", {"a"}, {"y"});
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(m.graph.nodes.size(), 1u) << report.to_string();
  EXPECT_EQ(m.graph.nodes[0].op_type, "FusedMatMul");
  EXPECT_EQ(m.graph.nodes[0].inputs, (std::vector<std::string>{"x", "w", "bias"}));
  expect_same_results(b.model, {{"x", Value(random_tensor({2, 3, 8}, 23))}}, 2);

  // A bias that broadcasts y to more dims ([2, 1, 4] against [batch, seq, 4] is fine, but
  // [5, 1, 1, 4] would grow the rank) stays a separate Add.
  ModelBuilder c = b;
  c.model.graph.initializers["bias"] = random_tensor({5, 1, 1, 4}, 24);
  ir::Model m2 = c.model;
  optimize(m2, 2);
  EXPECT_EQ(count_op(m2, "Add"), 1);
}

// Attention as torch exports nn.MultiheadAttention: Q, K, V [L, B*H, d] transposed into place,
// Q divided by a scalar, the scores scaled, a mask added, Softmax, the product transposed back.
// 19 keys: the vectorized softmax rows (8 lanes) and their scalar tail both run.
ModelBuilder mha_attention(int softmax_axis = -1) {
  ModelBuilder b;
  b.input("q", {5, 6, 4}).input("k", {19, 6, 4}).input("v", {19, 6, 3}).input("mask", {6, 5, 19});
  b.output("y");
  Tensor two(DataType::kFloat, {});
  two.data<float>()[0] = 2.f;
  Tensor half(DataType::kFloat, {});
  half.data<float>()[0] = 0.5f;
  b.constant("two", two).constant("half", half);
  b.node("Transpose", {"q"}, {"qt"}, {attr_ints("perm", {1, 0, 2})})
      .node("Div", {"qt", "two"}, {"qs"})
      .node("Transpose", {"k"}, {"kt"}, {attr_ints("perm", {1, 2, 0})})
      .node("MatMul", {"qs", "kt"}, {"s"})
      .node("Mul", {"s", "half"}, {"ss"})
      .node("Add", {"ss", "mask"}, {"sb"})
      .node("Softmax", {"sb"}, {"p"}, {attr_int("axis", softmax_axis)})
      .node("Transpose", {"v"}, {"vt"}, {attr_ints("perm", {1, 0, 2})})
      .node("MatMul", {"p", "vt"}, {"o"})
      .node("Transpose", {"o"}, {"y"}, {attr_ints("perm", {1, 0, 2})});
  return b;
}

NamedValues mha_feeds() {
  return {{"q", Value(random_tensor({5, 6, 4}, 31))},
          {"k", Value(random_tensor({19, 6, 4}, 32))},
          {"v", Value(random_tensor({19, 6, 3}, 33))},
          {"mask", Value(random_tensor({6, 5, 19}, 34))}};
}

TEST(Optimizer, AttentionFusesWithItsTransposesScalesAndMask) {
  ModelBuilder b = mha_attention();
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(m.graph.nodes.size(), 1u) << report.to_string();
  const ir::Node& n = m.graph.nodes[0];
  EXPECT_EQ(n.op_type, "FusedAttention");
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"q", "k", "v", "mask"}));
  EXPECT_EQ(n.outputs, (std::vector<std::string>{"y"}));
  EXPECT_FLOAT_EQ(n.find_attribute("scale")->f, 0.25f);
  EXPECT_EQ(n.find_attribute("k_perm")->ints, (std::vector<int64_t>{1, 2, 0}));
  expect_same_results(b.model, mha_feeds(), 2);

  // Softmax over another axis is not attention.
  ModelBuilder c = mha_attention(1);
  ir::Model m2 = c.model;
  optimize(m2, 2);
  EXPECT_EQ(count_op(m2, "FusedAttention"), 0);
  EXPECT_EQ(count_op(m2, "Softmax"), 1);

  // A second reader of the probabilities keeps the graph as it is.
  ModelBuilder d = mha_attention();
  d.output("p");
  ir::Model m3 = d.model;
  optimize(m3, 2);
  EXPECT_EQ(count_op(m3, "FusedAttention"), 0);
}

// The 4-D [batch, heads, seq, dim] form with K^T written as a last-axes Transpose (which the
// FusedMatMul rules turn into transB first), no mask, a Transpose that moves the last axis of V
// (kept as a node), masked (-inf) keys and a fully masked row (NaN, as Softmax gives).
TEST(Optimizer, AttentionFusesAfterFusedMatMulAndKeepsSoftmaxSemantics) {
  ModelBuilder b;
  b.input("q", {2, 3, 5, 4}).input("k", {2, 3, 11, 4}).input("v", {2, 3, 2, 11}).input("bias", {5, 11});
  b.output("y");
  // Types that ONNX inference would give (the FusedMatMul rule needs the scores' type).
  for (const auto& [name, shape] : {std::pair<std::string, Shape>{"s", {2, 3, 5, 11}},
                                    std::pair<std::string, Shape>{"vt", {2, 3, 11, 2}}}) {
    std::vector<ir::Dim> dims;
    for (int64_t d : shape) dims.push_back(ir::Dim::known(d));
    b.model.graph.value_info.push_back({name, ir::TypeInfo::tensor(DataType::kFloat, dims), {}});
  }
  b.node("Transpose", {"k"}, {"kt"}, {attr_ints("perm", {0, 1, 3, 2})})
      .node("MatMul", {"q", "kt"}, {"s"})
      .node("Add", {"bias", "s"}, {"sb"})
      .node("Softmax", {"sb"}, {"p"}, {attr_int("axis", 3)})
      .node("Transpose", {"v"}, {"vt"}, {attr_ints("perm", {0, 1, 3, 2})})
      .node("MatMul", {"p", "vt"}, {"y"});
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(count_op(m, "FusedAttention"), 1) << report.to_string();
  EXPECT_EQ(count_op(m, "Transpose"), 1);  // V's
  EXPECT_NE(report.to_string().find("fuse_matmul_transpose"), std::string::npos)
      << report.to_string();
  Tensor bias = random_tensor({5, 11}, 44);
  const float inf = std::numeric_limits<float>::infinity();
  bias.data<float>()[1] = -inf;            // row 0: one key masked
  for (int j = 0; j < 11; ++j) bias.data<float>()[11 * 2 + j] = -inf;  // row 2: every key
  const NamedValues feeds = {{"q", Value(random_tensor({2, 3, 5, 4}, 41))},
                             {"k", Value(random_tensor({2, 3, 11, 4}, 42))},
                             {"v", Value(random_tensor({2, 3, 2, 11}, 43))},
                             {"bias", Value(bias)}};
  SessionOptions opts;
  opts.optimization_level = 2;
  auto s = Session::create(b.model, opts);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  auto out = (*s)->run(feeds);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const Tensor& y = (*out)[0].tensor();
  ASSERT_EQ(y.shape(), (Shape{2, 3, 5, 2}));
  EXPECT_TRUE(std::isnan(y.data<float>()[2 * 2]));     // batch 0, head 0, row 2
  EXPECT_FALSE(std::isnan(y.data<float>()[0]));
  // Everywhere else the fused and the plain graphs agree (NaN rows compare as NaN).
  SessionOptions plain;
  plain.optimization_level = 0;
  auto r = Session::create(b.model, plain);
  ASSERT_TRUE(r.ok());
  auto ref = (*r)->run(feeds);
  ASSERT_TRUE(ref.ok());
  const Tensor& want = (*ref)[0].tensor();
  for (int64_t i = 0; i < y.numel(); ++i) {
    const float a = want.data<float>()[i], c = y.data<float>()[i];
    if (std::isnan(a)) {
      EXPECT_TRUE(std::isnan(c)) << i;
    } else {
      EXPECT_NEAR(a, c, 1e-5 * (1 + std::abs(a))) << i;
    }
  }
}

TEST(Optimizer, MaxRewritesStopsEarly) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"x"}, {"a"}).node("Identity", {"a"}, {"b"}).node("Identity", {"b"}, {"c"});
  b.node("Identity", {"c"}, {"y"});
  ir::Model m = b.model;
  const auto report = optimize(m, 3, 1);
  EXPECT_EQ(report.total, 1);
  EXPECT_EQ(count_op(m, "Identity"), 2);
}

}  // namespace
}  // namespace onyx::test
