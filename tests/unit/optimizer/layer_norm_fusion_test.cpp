// The residual Add + LayerNormalization fusion (onyx AddLayerNormalization): which graphs it
// rewrites, that the sum stays an output when something else reads it, and that results do not
// change.
#include <gtest/gtest.h>

#include "optimizer/model_builder.h"

namespace onyx::test {
namespace {

// -x + -r -> LayerNormalization over the last 20 values; with `second_reader`, Relu(-x + -r)
// too, placed between the two (a pre-norm transformer's residual stream). The operands are
// intermediate values, so the kernel may write the sum and Y over them.
ModelBuilder add_layer_norm(bool second_reader, Shape r_shape = {2, 3, 20}) {
  ModelBuilder b;
  b.input("x", {2, 3, 20}).input("r", r_shape).output("y");
  b.constant("scale", random_tensor({20}, 5)).constant("bias", random_tensor({20}, 6));
  b.node("Neg", {"x"}, {"nx"}).node("Neg", {"r"}, {"nr"});
  b.node("Add", {"nx", "nr"}, {"s"});
  if (second_reader) b.output("z").node("Relu", {"s"}, {"z"});
  b.node("LayerNormalization", {"s", "scale", "bias"}, {"y"}, {attr_float("epsilon", 1e-5f)});
  return b;
}

// The LayerNormalization node of add_layer_norm(false).
ir::Node& layer_norm(ModelBuilder& b) {
  return b.model.graph.nodes[3];
}

NamedValues feeds(Shape r_shape = {2, 3, 20}) {
  return {{"x", Value(random_tensor({2, 3, 20}, 7))}, {"r", Value(random_tensor(r_shape, 8))}};
}

TEST(LayerNormFusion, AddAndLayerNormBecomeOneNode) {
  ModelBuilder b = add_layer_norm(false);
  ir::Model m = b.model;
  const auto report = optimize(m, 2);
  ASSERT_EQ(m.graph.nodes.size(), 3u) << report.to_string();
  const ir::Node& n = m.graph.nodes[2];
  EXPECT_EQ(n.op_type, "AddLayerNormalization");
  EXPECT_EQ(n.domain, "onyx");
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"nx", "nr", "scale", "bias"}));
  EXPECT_EQ(n.outputs, (std::vector<std::string>{"y"}));
  expect_same_results(b.model, feeds(), 2);
  expect_same_results(b.model, feeds(), 3);
}

TEST(LayerNormFusion, ASumReadElsewhereStaysAnOutput) {
  ModelBuilder b = add_layer_norm(true);
  ir::Model m = b.model;
  optimize(m, 2);
  EXPECT_EQ(count_op(m, "Add") + count_op(m, "LayerNormalization"), 0);
  ASSERT_EQ(count_op(m, "AddLayerNormalization"), 1);
  for (const ir::Node& n : m.graph.nodes) {
    if (n.op_type == "AddLayerNormalization") {
      EXPECT_EQ(n.outputs, (std::vector<std::string>{"y", "s"}));
    }
  }
  expect_same_results(b.model, feeds(), 2);
}

TEST(LayerNormFusion, BroadcastOperandsFuseToo) {
  ModelBuilder b = add_layer_norm(true, {20});
  ir::Model m = b.model;
  optimize(m, 2);
  EXPECT_EQ(count_op(m, "AddLayerNormalization"), 1);
  expect_same_results(b.model, feeds({20}), 2);
}

TEST(LayerNormFusion, OtherNormalizationsAreLeftAlone) {
  // Mean / InvStdDev read, a non-last axis, a scalar Scale: no fusion.
  {
    ModelBuilder b = add_layer_norm(false);
    layer_norm(b).outputs = {"y", "mean"};
    b.output("mean");
    ir::Model m = b.model;
    optimize(m, 2);
    EXPECT_EQ(count_op(m, "AddLayerNormalization"), 0);
  }
  {
    ModelBuilder b = add_layer_norm(false);
    layer_norm(b).attributes.push_back(attr_int("axis", 1));
    b.constant("scale", random_tensor({3, 20}, 9)).constant("bias", random_tensor({3, 20}, 10));
    ir::Model m = b.model;
    optimize(m, 2);
    EXPECT_EQ(count_op(m, "AddLayerNormalization"), 0);
    expect_same_results(b.model, feeds(), 2);
  }
  {
    ModelBuilder b = add_layer_norm(false);
    b.constant("scale", random_tensor({1}, 11));
    ir::Model m = b.model;
    optimize(m, 2);
    EXPECT_EQ(count_op(m, "AddLayerNormalization"), 0);
  }
}

}  // namespace
}  // namespace onyx::test
