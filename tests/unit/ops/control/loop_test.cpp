#include <limits>

#include "graph_builder.h"

namespace onyx::test {
namespace {

using control::attr_graph;
using control::graph;
using control::node;
using control::run_graph;
using control::vi;

// Body: cond_out = Identity(cond_in); v_out = Identity(v); scan = Identity(i).
ir::Graph counting_body(int opset) {
  return graph("body", {vi("i"), vi("c"), vi("v")},
               {node("Identity", {"c"}, {"c_out"}, opset), node("Identity", {"v"}, {"v_out"}, opset),
                node("Identity", {"i"}, {"scan"}, opset)},
               {vi("c_out"), vi("v_out"), vi("scan", DataType::kInt64, {})});
}

NodeSpec loop_spec(Value m, Value cond, Value v, ir::Graph body, int opset = 17, int outputs = 2) {
  NodeSpec s;
  s.op = "Loop";
  s.opset = opset;
  s.inputs = {std::move(m), std::move(cond), std::move(v)};
  s.attributes = {attr_graph("body", std::move(body))};
  s.num_outputs = outputs;
  return s;
}

TEST(ControlLoop, TripCountWithScanOutput) {
  ONYX_REQUIRE_OPS("Identity");
  for (int opset : {1, 11, 13, 16, 19, 21, 25}) {
    auto r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(4)), Value(Tensor::scalar<bool>(true)),
                                Value(make<float>({1, 2}, {2})), counting_body(opset), opset));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    expect_tensor<float>((*r)[0].tensor(), {1, 2}, {2});
    expect_tensor<int64_t>((*r)[1].tensor(), {0, 1, 2, 3}, {4});
  }
}

TEST(ControlLoop, OnlyTripCountIgnoresBodyCond) {
  ONYX_REQUIRE_OPS("Identity", "Constant");
  // cond input absent: the body's cond output (false) is ignored.
  ir::Graph body = graph(
      "body", {vi("i"), vi("c"), vi("v")},
      {node("Constant", {}, {"f"}, 17, {attr_tensor("value", Tensor::scalar<bool>(false))}),
       node("Identity", {"v"}, {"v_out"}), node("Identity", {"i"}, {"scan"})},
      {vi("f"), vi("v_out"), vi("scan")});
  auto r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(3)), Value(), Value(make<int32_t>({5}, {})),
                              body));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[0].tensor(), {5}, {});
  expect_tensor<int64_t>((*r)[1].tensor(), {0, 1, 2}, {3});
}

TEST(ControlLoop, ConditionDrivesWhileLoop) {
  ONYX_REQUIRE_OPS("Identity", "Less", "Constant");
  // cond_out = i < 3, M absent: runs i = 0..3 (the condition is checked before each iteration).
  ir::Graph body = graph(
      "body", {vi("i"), vi("c"), vi("v")},
      {node("Constant", {}, {"three"}, 17, {attr_tensor("value", Tensor::scalar<int64_t>(3))}),
       node("Less", {"i", "three"}, {"c_out"}), node("Identity", {"v"}, {"v_out"}),
       node("Identity", {"i"}, {"scan"})},
      {vi("c_out"), vi("v_out"), vi("scan")});
  auto r = run_node(
      loop_spec(Value(), Value(Tensor::scalar<bool>(true)), Value(make<float>({0}, {1})), body));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int64_t>((*r)[1].tensor(), {0, 1, 2, 3}, {4});
  // Both M and cond: the smaller bound wins.
  r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(2)), Value(Tensor::scalar<bool>(true)),
                         Value(make<float>({0}, {1})), body));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int64_t>((*r)[1].tensor(), {0, 1}, {2});
  // Neither M nor cond: the body's cond still ends the loop.
  r = run_node(loop_spec(Value(), Value(), Value(make<float>({0}, {1})), body));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int64_t>((*r)[1].tensor(), {0, 1, 2, 3}, {4});
}

TEST(ControlLoop, ZeroIterations) {
  ONYX_REQUIRE_OPS("Identity");
  // M = 0: v_final is v_initial, scan output is empty with the body's static shape.
  auto r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(0)), Value(Tensor::scalar<bool>(true)),
                              Value(make<float>({1, 2}, {2})), counting_body(17)));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {1, 2}, {2});
  expect_tensor<int64_t>((*r)[1].tensor(), {}, {0});
  // cond = false: no iteration either; negative M also runs nothing.
  r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(5)), Value(Tensor::scalar<bool>(false)),
                         Value(make<float>({1, 2}, {2})), counting_body(17)));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[1].tensor().shape(), Shape({0}));
  r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(-3)), Value(Tensor::scalar<bool>(true)),
                         Value(make<float>({1, 2}, {2})), counting_body(17)));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)[1].tensor().shape(), Shape({0}));
}

TEST(ControlLoop, LoopCarriedAccumulatesWithCapturedValue) {
  ONYX_REQUIRE_OPS("Identity", "Add");
  // v_out = v + x3 (x3 captured from the outer graph); scan = v_out.
  ir::Graph body = graph("body", {vi("i"), vi("c"), vi("v")},
                         {node("Identity", {"c"}, {"c_out"}), node("Add", {"v", "x3"}, {"v_out"}),
                          node("Identity", {"v_out"}, {"scan"})},
                         {vi("c_out"), vi("v_out"), vi("scan")});
  ir::Node loop = node("Loop", {"M", "cond", "v0"}, {"v_final", "scans"});
  loop.attributes = {attr_graph("body", body)};
  ir::Graph g = graph("main", {vi("M"), vi("cond"), vi("v0"), vi("x3")}, {loop},
                      {vi("v_final"), vi("scans")});
  auto r = run_graph(g, {{"M", Value(Tensor::scalar<int64_t>(3))},
                         {"cond", Value(Tensor::scalar<bool>(true))},
                         {"v0", Value(make<float>({0, 10}, {2}))},
                         {"x3", Value(make<float>({1, 2}, {2}))}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {3, 16}, {2});
  expect_tensor<float>((*r)[1].tensor(), {1, 12, 2, 14, 3, 16}, {3, 2});
}

TEST(ControlLoop, NestedLoopInIfCapturesTwoLevelsUp) {
  ONYX_REQUIRE_OPS("Identity", "Add");
  // main: If(p) { Loop(M, "", v0) { v_out = Add(v, step) } } with step from main's inputs.
  ir::Graph body = graph("body", {vi("i"), vi("c"), vi("v")},
                         {node("Identity", {"c"}, {"c_out"}), node("Add", {"v", "step"}, {"v_out"})},
                         {vi("c_out"), vi("v_out")});
  ir::Node loop = node("Loop", {"M", "", "v0"}, {"lv"});
  loop.attributes = {attr_graph("body", body)};
  ir::Node iff = node("If", {"p"}, {"out"});
  iff.attributes = {attr_graph("then_branch", graph("t", {}, {loop}, {vi("lv")})),
                    attr_graph("else_branch", graph("e", {}, {}, {vi("v0")}))};
  ir::Graph g = graph("main", {vi("p"), vi("M"), vi("v0"), vi("step")}, {iff}, {vi("out")});
  NamedValues feeds = {{"p", Value(Tensor::scalar<bool>(true))},
                       {"M", Value(Tensor::scalar<int64_t>(4))},
                       {"v0", Value(make<int64_t>({1}, {1}))},
                       {"step", Value(make<int64_t>({5}, {1}))}};
  auto r = run_graph(g, feeds);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int64_t>((*r)[0].tensor(), {21}, {1});
  feeds[0].second = Value(Tensor::scalar<bool>(false));
  r = run_graph(g, feeds);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int64_t>((*r)[0].tensor(), {1}, {1});
}

TEST(ControlLoop, SequenceLoopCarried) {
  ONYX_REQUIRE_OPS("Identity", "SequenceEmpty", "SequenceInsert");
  // Opset 13+: a sequence as loop-carried value; each iteration appends i.
  ir::Graph body = graph("body", {vi("i"), vi("c"), vi("s")},
                         {node("Identity", {"c"}, {"c_out"}, 13),
                          node("SequenceInsert", {"s", "i"}, {"s_out"}, 13)},
                         {vi("c_out"), vi("s_out")});
  ir::Node empty = node("SequenceEmpty", {}, {"s0"}, 13,
                        {attr_int("dtype", static_cast<int64_t>(DataType::kInt64))});
  for (int opset : {11, 13, 16}) {
    ir::Node loop = node("Loop", {"M", "", "s0"}, {"s_final"}, opset);
    loop.attributes = {attr_graph("body", body)};
    auto r = run_graph(graph("main", {vi("M")}, {empty, loop}, {vi("s_final")}),
                       {{"M", Value(Tensor::scalar<int64_t>(3))}}, opset);
    if (opset < 13) {
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.status().message().find("opset 13"), std::string::npos) << r.status().message();
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    ASSERT_TRUE((*r)[0].is_sequence());
    ASSERT_EQ((*r)[0].items().size(), 3u);
    expect_tensor<int64_t>((*r)[0].items()[2].tensor(), {2}, {});
  }
}

TEST(ControlLoop, HugeTripCountBoundedByBody) {
  ONYX_REQUIRE_OPS("Identity", "SequenceConstruct", "SequenceErase");
  // M = INT64_MAX, no cond: the body erases from a 3-item sequence and fails on the 4th
  // iteration; the loop reports that error instead of running (or allocating) forever.
  ir::Graph body = graph("body", {vi("i"), vi("c"), vi("s")},
                         {node("Identity", {"c"}, {"c_out"}), node("SequenceErase", {"s"}, {"s_out"})},
                         {vi("c_out"), vi("s_out")});
  ir::Node make_seq = node("SequenceConstruct", {"a", "a", "a"}, {"s0"});
  ir::Node loop = node("Loop", {"M", "", "s0"}, {"s_final"});
  loop.attributes = {attr_graph("body", body)};
  auto r = run_graph(graph("main", {vi("M"), vi("a")}, {make_seq, loop}, {vi("s_final")}),
                     {{"M", Value(Tensor::scalar<int64_t>(std::numeric_limits<int64_t>::max()))},
                      {"a", Value(make<float>({1}, {1}))}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("iteration 3"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("SequenceErase"), std::string::npos) << r.status().message();
}

TEST(ControlLoop, ScanOutputMustKeepShape) {
  ONYX_REQUIRE_OPS("Identity", "SequenceInsert", "ConcatFromSequence", "SequenceConstruct");
  // scan = ConcatFromSequence(s) grows each iteration: an error naming the scan output.
  ir::Graph body = graph("body", {vi("i"), vi("c"), vi("s")},
                         {node("Identity", {"c"}, {"c_out"}),
                          node("SequenceInsert", {"s", "a"}, {"s_out"}),
                          node("ConcatFromSequence", {"s_out"}, {"scan"}, 17, {attr_int("axis", 0)})},
                         {vi("c_out"), vi("s_out"), vi("scan")});
  ir::Node make_seq = node("SequenceConstruct", {"a"}, {"s0"});
  ir::Node loop = node("Loop", {"M", "", "s0"}, {"s_final", "scans"});
  loop.attributes = {attr_graph("body", body)};
  auto r = run_graph(graph("main", {vi("M"), vi("a")}, {make_seq, loop}, {vi("s_final"), vi("scans")}),
                     {{"M", Value(Tensor::scalar<int64_t>(3))}, {"a", Value(make<float>({1}, {1}))}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("scan output 0"), std::string::npos) << r.status().message();
}

TEST(ControlLoop, Errors) {
  ONYX_REQUIRE_OPS("Identity");
  // Body with the wrong number of outputs for the node.
  auto r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(1)), Value(Tensor::scalar<bool>(true)),
                              Value(make<float>({1}, {1})), counting_body(17), 17, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("outputs"), std::string::npos) << r.status().message();
  // Body with the wrong number of inputs.
  ir::Graph bad = counting_body(17);
  bad.inputs.pop_back();
  bad.nodes[1].inputs = {"c"};
  EXPECT_FALSE(run_node(loop_spec(Value(Tensor::scalar<int64_t>(1)), Value(Tensor::scalar<bool>(true)),
                                  Value(make<float>({1}, {1})), bad))
                   .ok());
  // M of the wrong type / cond of the wrong type.
  r = run_node(loop_spec(Value(make<float>({1}, {})), Value(Tensor::scalar<bool>(true)),
                         Value(make<float>({1}, {1})), counting_body(17)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("n0"), std::string::npos);
  EXPECT_FALSE(run_node(loop_spec(Value(Tensor::scalar<int64_t>(1)), Value(make<int64_t>({1}, {})),
                                  Value(make<float>({1}, {1})), counting_body(17)))
                   .ok());
  // Body cond output that is not a bool.
  ir::Graph int_cond = counting_body(17);
  int_cond.nodes[0].inputs = {"i"};
  r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(2)), Value(Tensor::scalar<bool>(true)),
                         Value(make<float>({1}, {1})), int_cond));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cond"), std::string::npos) << r.status().message();
  // Loop-carried value changing dtype.
  ir::Graph retype = counting_body(17);
  retype.nodes[1].inputs = {"i"};
  r = run_node(loop_spec(Value(Tensor::scalar<int64_t>(2)), Value(Tensor::scalar<bool>(true)),
                         Value(make<float>({1}, {1})), retype));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("loop-carried"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace onyx::test
