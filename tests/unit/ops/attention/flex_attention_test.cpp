// Unit tests of ai.onnx.preview FlexAttention (attention family): plain attention against
// Attention, and the score_mod / prob_mod subgraphs.
#include <random>

#include "../control/graph_builder.h"
#include "test_util.h"

namespace onyx::test {
namespace {

using control::attr_graph;
using control::graph;
using control::node;
using control::vi;

NodeSpec flex(std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {}) {
  NodeSpec s{"FlexAttention", 1, std::move(inputs), std::move(attrs)};
  s.domain = "ai.onnx.preview";
  return s;
}

// A modifier graph x -> op(x, c) with scalar initializer c.
template <typename T>
ir::Graph modifier(const std::string& op, T c) {
  ir::Graph g = graph("mod", {vi("x")}, {node(op, {"x", "c"}, {"y"})}, {vi("y")});
  g.initializers["c"] = Tensor::scalar<T>(c);
  return g;
}

Tensor random_tensor(std::mt19937& rng, Shape shape) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (auto& x : v) x = dist(rng);
  return make<float>(v, std::move(shape));
}

// Without modifiers FlexAttention is 4-D Attention (GQA and an explicit scale included).
TEST(FlexAttentionOp, MatchesAttention) {
  std::mt19937 rng(3);
  const Tensor q = random_tensor(rng, {2, 4, 3, 5});
  const Tensor k = random_tensor(rng, {2, 2, 6, 5});
  const Tensor v = random_tensor(rng, {2, 2, 6, 7});
  for (bool scaled : {false, true}) {
    std::vector<ir::Attribute> attrs;
    if (scaled) attrs.push_back(attr_float("scale", 0.3f));
    const Tensor want = run_ok(NodeSpec{"Attention", 23, {q, k, v}, attrs});
    const Tensor got = run_ok(flex({q, k, v}, attrs));
    expect_tensor<float>(got, values_of<float>(want), {2, 4, 3, 7}, 1e-5);
  }
}

// score_mod zeroing the scores makes the weights uniform: Y is the mean of V. prob_mod doubling
// the probabilities doubles Y.
TEST(FlexAttentionOp, ScoreAndProbModifiers) {
  ONYX_REQUIRE_OPS("Mul");
  const Tensor q = make<float>({1, 0}, {1, 1, 1, 2});
  const Tensor k = make<float>({5, 0, -5, 0}, {1, 1, 2, 2});
  const Tensor v = make<float>({2, 6}, {1, 1, 2, 1});
  expect_tensor<float>(run_ok(flex({q, k, v}, {attr_graph("score_mod", modifier("Mul", 0.f))})),
                       {4}, {1, 1, 1, 1});
  const Tensor plain = run_ok(flex({q, k, v}));
  const Tensor doubled = run_ok(flex({q, k, v}, {attr_graph("score_mod", modifier("Mul", 0.f)),
                                                 attr_graph("prob_mod", modifier("Mul", 2.f))}));
  expect_tensor<float>(doubled, {8}, {1, 1, 1, 1});
  EXPECT_LT(plain.data<float>()[0], 2.1f);  // key 0 (value 2) dominates without it
}

// The modifier tensors are float for float16 inputs and double for double inputs.
TEST(FlexAttentionOp, ModifierPrecision) {
  ONYX_REQUIRE_OPS("Mul");
  const Tensor qh = make<float16>({float16(1.f), float16(0.f)}, {1, 1, 1, 2});
  const Tensor kh =
      make<float16>({float16(5.f), float16(0.f), float16(-5.f), float16(0.f)}, {1, 1, 2, 2});
  const Tensor vh = make<float16>({float16(2.f), float16(6.f)}, {1, 1, 2, 1});
  expect_tensor<float16>(
      run_ok(flex({qh, kh, vh}, {attr_graph("score_mod", modifier("Mul", 0.f))})), {float16(4.f)},
      {1, 1, 1, 1});
  const Tensor qd = make<double>({1, 0}, {1, 1, 1, 2});
  const Tensor kd = make<double>({5, 0, -5, 0}, {1, 1, 2, 2});
  const Tensor vd = make<double>({2, 6}, {1, 1, 2, 1});
  expect_tensor<double>(run_ok(flex({qd, kd, vd}, {attr_graph("score_mod", modifier("Mul", 0.0))})),
                        {4}, {1, 1, 1, 1}, 1e-12);
  // A float modifier on double scores fails at run time (Mul of double and float).
  EXPECT_FALSE(run_node(flex({qd, kd, vd}, {attr_graph("score_mod", modifier("Mul", 0.f))})).ok());
  // softmax_precision double for float inputs hands double scores over.
  expect_tensor<float>(
      run_ok(flex({make<float>({1, 0}, {1, 1, 1, 2}), make<float>({5, 0, -5, 0}, {1, 1, 2, 2}),
                   make<float>({2, 6}, {1, 1, 2, 1})},
                  {attr_graph("score_mod", modifier("Mul", 0.0)),
                   attr_int("softmax_precision", static_cast<int64_t>(DataType::kDouble))})),
      {4}, {1, 1, 1, 1});
}

TEST(FlexAttentionOp, Errors) {
  ONYX_REQUIRE_OPS("Identity");
  const Tensor q = make<float>({1, 0}, {1, 1, 1, 2});
  const Tensor k = make<float>({5, 0, -5, 0}, {1, 1, 2, 2});
  const Tensor v = make<float>({2, 6}, {1, 1, 2, 1});
  // A modifier returning another shape.
  ir::Graph wrong = graph("mod", {vi("x")}, {node("Identity", {"c"}, {"y"})}, {vi("y")});
  wrong.initializers["c"] = make<float>({1}, {1});
  EXPECT_FALSE(run_node(flex({q, k, v}, {attr_graph("score_mod", wrong)})).ok());
  // A modifier with two inputs.
  ir::Graph two = graph("mod", {vi("x"), vi("z")}, {node("Identity", {"x"}, {"y"})}, {vi("y")});
  EXPECT_FALSE(run_node(flex({q, k, v}, {attr_graph("prob_mod", two)})).ok());
  // Rank 3, heads not a multiple, head sizes differing.
  EXPECT_FALSE(run_node(flex({make<float>({1, 0}, {1, 1, 2}), k, v})).ok());
  EXPECT_FALSE(
      run_node(flex({make<float>({0, 0, 0, 0, 0, 0}, {1, 3, 1, 2}),
                     make<float>({0, 0, 0, 0}, {1, 2, 1, 2}), make<float>({0, 0}, {1, 2, 1, 1})}))
          .ok());
  EXPECT_FALSE(run_node(flex({make<float>({1, 0, 0}, {1, 1, 1, 3}), k, v})).ok());
  EXPECT_FALSE(run_node(flex({q, k, v}, {attr_int("softmax_precision", 6)})).ok());
}

}  // namespace
}  // namespace onyx::test
