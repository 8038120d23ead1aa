#include "graph_builder.h"

namespace onyx::test {
namespace {

using control::attr_graph;
using control::graph;
using control::node;
using control::vi;

// Scan 9+: one state passed through, one scan input, scan output = Identity(slice).
NodeSpec scan9_identity(Tensor x, std::vector<ir::Attribute> extra, int opset = 17) {
  NodeSpec s;
  s.op = "Scan";
  s.opset = opset;
  s.inputs = {Value(make<float>({7}, {1})), Value(std::move(x))};
  s.num_outputs = 2;
  s.attributes = {attr_int("num_scan_inputs", 1),
                  attr_graph("body", graph("body", {vi("st"), vi("xi")},
                                           {node("Identity", {"st"}, {"st_out"}, opset),
                                            node("Identity", {"xi"}, {"y"}, opset)},
                                           {vi("st_out"), vi("y", DataType::kFloat, {2})}))};
  for (auto& a : extra) s.attributes.push_back(std::move(a));
  return s;
}

Tensor x23() { return make<float>({0, 1, 2, 3, 4, 5}, {2, 3}); }

TEST(ControlScan, AxisZeroForward) {
  ONYX_REQUIRE_OPS("Identity");
  for (int opset : {9, 11, 16, 19, 25}) {
    auto r = run_node(scan9_identity(x23(), {}, opset));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    expect_tensor<float>((*r)[0].tensor(), {7}, {1});
    expect_tensor<float>((*r)[1].tensor(), {0, 1, 2, 3, 4, 5}, {2, 3});
  }
}

TEST(ControlScan, InputAxisAndDirections) {
  ONYX_REQUIRE_OPS("Identity");
  // Scan along axis 1 reversed: iteration t sees column 2 - t.
  auto r = run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {1}),
                                           attr_ints("scan_input_directions", {1})}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {2, 5, 1, 4, 0, 3}, {3, 2});
  // Reversed output too: back to column order.
  r = run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {1}),
                                      attr_ints("scan_input_directions", {1}),
                                      attr_ints("scan_output_directions", {1})}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {0, 3, 1, 4, 2, 5}, {3, 2});
  // Output stacked along axis 1: out[:, t] = iteration t.
  r = run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {1}),
                                      attr_ints("scan_input_directions", {1}),
                                      attr_ints("scan_output_axes", {1})}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {2, 1, 0, 5, 4, 3}, {2, 3});
  // Negative axes (opset 11+): -1 is axis 1 of the input, -1 of the output is axis 1 too.
  r = run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {-1}),
                                      attr_ints("scan_output_axes", {-1})}, 11));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {0, 1, 2, 3, 4, 5}, {2, 3});
  // ... but not in opset 9.
  EXPECT_FALSE(run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {-1})}, 9)).ok());
}

TEST(ControlScan, StringsAndEmptySequence) {
  ONYX_REQUIRE_OPS("Identity");
  NodeSpec s = scan9_identity(make<std::string>({"a", "b", "c", "d"}, {2, 2}),
                              {attr_ints("scan_input_axes", {1})});
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<std::string>((*r)[1].tensor(), {"a", "c", "b", "d"}, {2, 2});
  // Zero-length scan axis: no iteration; output shape from the body's declared [2].
  r = run_node(scan9_identity(make<float>({}, {0, 5}), {}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {7}, {1});
  EXPECT_EQ((*r)[1].tensor().shape(), Shape({0, 2}));
}

TEST(ControlScan, CumulativeSumWithState) {
  ONYX_REQUIRE_OPS("Identity", "Add");
  NodeSpec s;
  s.op = "Scan";
  s.opset = 16;
  s.inputs = {Value(make<float>({0, 0}, {2})), Value(make<float>({1, 2, 3, 4, 5, 6}, {3, 2}))};
  s.num_outputs = 2;
  s.attributes = {attr_int("num_scan_inputs", 1),
                  attr_graph("body", graph("body", {vi("sum"), vi("x")},
                                           {node("Add", {"sum", "x"}, {"sum_out"}),
                                            node("Identity", {"sum_out"}, {"y"})},
                                           {vi("sum_out"), vi("y")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {9, 12}, {2});
  expect_tensor<float>((*r)[1].tensor(), {1, 2, 4, 6, 9, 12}, {3, 2});
}

TEST(ControlScan, Opset8BatchAndSequenceLens) {
  ONYX_REQUIRE_OPS("Identity");
  // Scan inputs [batch 2, seq 3, 1]; batch 1 has length 1; reversed direction.
  NodeSpec s;
  s.op = "Scan";
  s.opset = 8;
  s.inputs = {Value(make<int64_t>({3, 1}, {2})), Value(make<float>({10, 20}, {2, 1})),
              Value(make<float>({1, 2, 3, 4, 5, 6}, {2, 3, 1}))};
  s.num_outputs = 2;
  s.attributes = {attr_int("num_scan_inputs", 1), attr_ints("directions", {1}),
                  attr_graph("body", graph("body", {vi("st"), vi("xi")},
                                           {node("Identity", {"st"}, {"st_out"}, 8),
                                            node("Identity", {"xi"}, {"y"}, 8)},
                                           {vi("st_out"), vi("y")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {10, 20}, {2, 1});
  expect_tensor<float>((*r)[1].tensor(), {3, 2, 1, 4, 0, 0}, {2, 3, 1});
  // sequence_lens omitted: full length, forward.
  s.inputs[0] = Value();
  s.attributes[1] = attr_ints("directions", {0});
  r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {1, 2, 3, 4, 5, 6}, {2, 3, 1});
  // Out-of-range sequence length.
  s.inputs[0] = Value(make<int64_t>({4, 1}, {2}));
  r = run_node(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sequence_lens"), std::string::npos) << r.status().message();
  // Batch mismatch between state and scan input.
  s.inputs[0] = Value();
  s.inputs[1] = Value(make<float>({10, 20, 30}, {3, 1}));
  EXPECT_FALSE(run_node(s).ok());
}

TEST(ControlScan, Opset8CumulativeSum) {
  ONYX_REQUIRE_OPS("Identity", "Add");
  NodeSpec s;
  s.op = "Scan";
  s.opset = 8;
  s.inputs = {Value(), Value(make<float>({0, 0, 0, 0}, {2, 2})),
              Value(make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}))};
  s.num_outputs = 2;
  s.attributes = {attr_int("num_scan_inputs", 1),
                  attr_graph("body", graph("body", {vi("sum"), vi("x")},
                                           {node("Add", {"sum", "x"}, {"sum_out"}, 8),
                                            node("Identity", {"sum_out"}, {"y"}, 8)},
                                           {vi("sum_out"), vi("y")}))};
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {4, 6, 12, 14}, {2, 2});
  expect_tensor<float>((*r)[1].tensor(), {1, 2, 4, 6, 5, 6, 12, 14}, {2, 2, 2});
}

TEST(ControlScan, Errors) {
  ONYX_REQUIRE_OPS("Identity");
  // Two scan inputs of different lengths.
  NodeSpec s;
  s.op = "Scan";
  s.inputs = {Value(make<float>({1, 2}, {2})), Value(make<float>({1, 2, 3}, {3}))};
  s.num_outputs = 1;
  s.attributes = {attr_int("num_scan_inputs", 2),
                  attr_graph("body", graph("body", {vi("a"), vi("b")},
                                           {node("Identity", {"a"}, {"y"})}, {vi("y")}))};
  auto r = run_node(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sequence length"), std::string::npos) << r.status().message();
  // num_scan_inputs larger than the inputs.
  s.attributes[0] = attr_int("num_scan_inputs", 3);
  EXPECT_FALSE(run_node(s).ok());
  // Missing num_scan_inputs.
  s.attributes.erase(s.attributes.begin());
  EXPECT_FALSE(run_node(s).ok());
  // Axis out of range, direction not 0/1, wrong attribute lengths.
  EXPECT_FALSE(run_node(scan9_identity(x23(), {attr_ints("scan_input_axes", {2})})).ok());
  EXPECT_FALSE(run_node(scan9_identity(x23(), {attr_ints("scan_input_directions", {2})})).ok());
  EXPECT_FALSE(run_node(scan9_identity(x23(), {attr_ints("scan_output_axes", {0, 0})})).ok());
  EXPECT_FALSE(run_node(scan9_identity(x23(), {attr_ints("scan_output_axes", {3})})).ok());
  // Scan input that is a scalar.
  EXPECT_FALSE(run_node(scan9_identity(make<float>({1}, {}), {})).ok());
}

}  // namespace
}  // namespace onyx::test
