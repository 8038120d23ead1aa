#include "graph_builder.h"

namespace onyx::test {
namespace {

using control::attr_graph;
using control::graph;
using control::node;
using control::vi;

// then: Identity(x1), else: Identity(x2) - both read the outer graph's inputs.
NodeSpec if_spec(bool cond, Tensor a, Tensor b, int opset = 17) {
  NodeSpec s;
  s.op = "If";
  s.opset = opset;
  s.inputs = {Value(Tensor::scalar<bool>(cond)), Value(std::move(a)), Value(std::move(b))};
  s.attributes = {
      attr_graph("then_branch", graph("then", {}, {node("Identity", {"x1"}, {"t"}, opset)}, {vi("t")})),
      attr_graph("else_branch", graph("else", {}, {node("Identity", {"x2"}, {"e"}, opset)}, {vi("e")})),
  };
  return s;
}

TEST(ControlIf, PicksBranchWithDifferentShapes) {
  ONYX_REQUIRE_OPS("Identity");
  for (int opset : {1, 11, 13, 16, 19, 25}) {
    expect_tensor<float>(run_ok(if_spec(true, make<float>({1, 2}, {2}), make<float>({3, 4, 5}, {3, 1}), opset)),
                         {1, 2}, {2});
    expect_tensor<float>(run_ok(if_spec(false, make<float>({1, 2}, {2}), make<float>({3, 4, 5}, {3, 1}), opset)),
                         {3, 4, 5}, {3, 1});
  }
}

TEST(ControlIf, BranchMayReturnOuterValueDirectly) {
  NodeSpec s;
  s.op = "If";
  s.inputs = {Value(make<bool>({false}, {1})), Value(make<int64_t>({7}, {})),
              Value(make<std::string>({"a", "b"}, {2}))};
  s.attributes = {attr_graph("then_branch", graph("then", {}, {}, {vi("x1")})),
                  attr_graph("else_branch", graph("else", {}, {}, {vi("x2")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<std::string>((*r)[0].tensor(), {"a", "b"}, {2});
}

TEST(ControlIf, SequenceOutput) {
  ONYX_REQUIRE_OPS("SequenceConstruct", "SequenceEmpty");
  NodeSpec s;
  s.op = "If";
  s.inputs = {Value(Tensor::scalar<bool>(true)), Value(make<float>({1, 2}, {2}))};
  s.attributes = {
      attr_graph("then_branch",
                 graph("then", {}, {node("SequenceConstruct", {"x1", "x1"}, {"s"})}, {vi("s")})),
      attr_graph("else_branch", graph("else", {}, {node("SequenceEmpty", {}, {"s2"})}, {vi("s2")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].is_sequence());
  EXPECT_EQ((*r)[0].items().size(), 2u);
  s.inputs[0] = Value(Tensor::scalar<bool>(false));
  r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].is_sequence());
  EXPECT_TRUE((*r)[0].items().empty());
  EXPECT_EQ((*r)[0].sequence_elem_type(), DataType::kFloat);
}

TEST(ControlIf, OptionalOutput) {
  ONYX_REQUIRE_OPS("Optional");
  NodeSpec s;
  s.op = "If";
  s.opset = 16;
  s.inputs = {Value(Tensor::scalar<bool>(true)), Value(make<float>({1}, {1}))};
  s.attributes = {
      attr_graph("then_branch", graph("then", {}, {node("Optional", {"x1"}, {"o"}, 16)}, {vi("o")})),
      attr_graph("else_branch", graph("else", {}, {node("Optional", {"x1"}, {"o2"}, 16)}, {vi("o2")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].is_optional());
  ASSERT_TRUE((*r)[0].has_optional_value());
}

TEST(ControlIf, NestedTwoLevelsCapturesThroughParent) {
  ONYX_REQUIRE_OPS("Identity");
  // Outer If (cond x0) -> then: inner If (cond x1) -> then reads x2, else reads x3.
  NodeSpec s;
  s.op = "If";
  s.inputs = {Value(Tensor::scalar<bool>(true)), Value(Tensor::scalar<bool>(false)),
              Value(make<float>({1}, {1})), Value(make<float>({2, 3}, {2}))};
  ir::Node inner = node("If", {"x1"}, {"inner_out"});
  inner.attributes = {
      attr_graph("then_branch", graph("it", {}, {node("Identity", {"x2"}, {"a"})}, {vi("a")})),
      attr_graph("else_branch", graph("ie", {}, {node("Identity", {"x3"}, {"b"})}, {vi("b")}))};
  s.attributes = {attr_graph("then_branch", graph("ot", {}, {inner}, {vi("inner_out")})),
                  attr_graph("else_branch", graph("oe", {}, {node("Identity", {"x2"}, {"c"})}, {vi("c")}))};
  expect_tensor<float>(run_ok(s), {2, 3}, {2});
  s.inputs[1] = Value(Tensor::scalar<bool>(true));
  expect_tensor<float>(run_ok(s), {1}, {1});
  s.inputs[0] = Value(Tensor::scalar<bool>(false));
  expect_tensor<float>(run_ok(s), {1}, {1});
}

TEST(ControlIf, Errors) {
  ONYX_REQUIRE_OPS("Identity");
  // Non-bool condition.
  NodeSpec s = if_spec(true, make<float>({1}, {1}), make<float>({2}, {1}));
  s.inputs[0] = Value(make<float>({1}, {1}));
  auto r = run_node(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("n0"), std::string::npos) << r.status().message();
  // Condition with two elements.
  s.inputs[0] = Value(make<bool>({true, false}, {2}));
  EXPECT_FALSE(run_node(s).ok());
  // Branch output count differs from the node's.
  s = if_spec(true, make<float>({1}, {1}), make<float>({2}, {1}));
  s.num_outputs = 2;
  r = run_node(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("then_branch"), std::string::npos) << r.status().message();
  // Missing else_branch.
  s = if_spec(true, make<float>({1}, {1}), make<float>({2}, {1}));
  s.attributes.pop_back();
  EXPECT_FALSE(run_node(s).ok());
  // An error inside the branch names the inner node.
  s = if_spec(true, make<float>({1}, {1}), make<float>({2}, {1}));
  s.attributes[0] = attr_graph(
      "then_branch", graph("then", {}, {node("SequenceAt", {"x1", "x2"}, {"t"})}, {vi("t")}));
  r = run_node(s);
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace onyx::test
