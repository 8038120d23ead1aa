#include "test_util.h"

namespace onyx::test {
namespace {

Value seq_of(std::vector<Tensor> ts) {
  std::vector<Value> items;
  DataType dt = ts.empty() ? DataType::kFloat : ts[0].dtype();
  for (auto& t : ts) items.emplace_back(std::move(t));
  return Value::sequence(dt, std::move(items));
}

Value run_value(const NodeSpec& s) {
  auto r = run_node(s);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0] : Value();
}

TEST(SequenceOps, EmptyAndConstruct) {
  Value v = run_value({"SequenceEmpty", 11, {}, {attr_int("dtype", 7)}});
  ASSERT_TRUE(v.is_sequence());
  EXPECT_EQ(v.sequence_elem_type(), DataType::kInt64);
  EXPECT_TRUE(v.items().empty());
  v = run_value({"SequenceEmpty", 17, {}, {}});
  EXPECT_EQ(v.sequence_elem_type(), DataType::kFloat);
  EXPECT_FALSE(run_node({"SequenceEmpty", 17, {}, {attr_int("dtype", 999)}}).ok());

  v = run_value({"SequenceConstruct", 11, {Value(make<int32_t>({1, 2}, {2})), Value(make<int32_t>({3}, {}))}});
  ASSERT_TRUE(v.is_sequence());
  ASSERT_EQ(v.items().size(), 2u);
  EXPECT_EQ(v.sequence_elem_type(), DataType::kInt32);
  expect_tensor<int32_t>(v.items()[1].tensor(), {3}, {});
  auto r = run_node({"SequenceConstruct", 11, {Value(make<int32_t>({1}, {1})), Value(make<float>({3}, {}))}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("n0"), std::string::npos);
}

TEST(SequenceOps, InsertAtErase) {
  Value s = seq_of({make<float>({0}, {1}), make<float>({1, 1}, {2})});
  // Append by default.
  Value v = run_value({"SequenceInsert", 11, {s, Value(make<float>({2, 2, 2}, {3}))}});
  ASSERT_EQ(v.items().size(), 3u);
  EXPECT_EQ(v.items()[2].tensor().numel(), 3);
  // Insert at -1 (before the last), and at n (append) with int32 position.
  v = run_value({"SequenceInsert", 11, {s, Value(make<float>({9}, {})), Value(Tensor::scalar<int64_t>(-1))}});
  ASSERT_EQ(v.items().size(), 3u);
  expect_tensor<float>(v.items()[1].tensor(), {9}, {});
  v = run_value({"SequenceInsert", 11, {s, Value(make<float>({9}, {})), Value(Tensor::scalar<int32_t>(2))}});
  expect_tensor<float>(v.items()[2].tensor(), {9}, {});
  // Out of range, wrong dtype.
  EXPECT_FALSE(run_node({"SequenceInsert", 11, {s, Value(make<float>({9}, {})), Value(Tensor::scalar<int64_t>(3))}}).ok());
  EXPECT_FALSE(run_node({"SequenceInsert", 11, {s, Value(make<int64_t>({9}, {}))}}).ok());
  // The input sequence is untouched.
  EXPECT_EQ(s.items().size(), 2u);

  v = run_value({"SequenceAt", 11, {s, Value(Tensor::scalar<int64_t>(-1))}});
  expect_tensor<float>(v.tensor(), {1, 1}, {2});
  v = run_value({"SequenceAt", 11, {s, Value(make<int32_t>({0}, {1}))}});
  expect_tensor<float>(v.tensor(), {0}, {1});
  EXPECT_FALSE(run_node({"SequenceAt", 11, {s, Value(Tensor::scalar<int64_t>(2))}}).ok());
  EXPECT_FALSE(run_node({"SequenceAt", 11, {s, Value(Tensor::scalar<int64_t>(-3))}}).ok());
  EXPECT_FALSE(run_node({"SequenceAt", 11, {s, Value(Tensor::scalar<float>(0))}}).ok());
  EXPECT_FALSE(run_node({"SequenceAt", 11, {Value(make<float>({1}, {1})), Value(Tensor::scalar<int64_t>(0))}}).ok());

  v = run_value({"SequenceErase", 11, {s}});
  ASSERT_EQ(v.items().size(), 1u);
  expect_tensor<float>(v.items()[0].tensor(), {0}, {1});
  v = run_value({"SequenceErase", 11, {s, Value(Tensor::scalar<int64_t>(-2))}});
  ASSERT_EQ(v.items().size(), 1u);
  expect_tensor<float>(v.items()[0].tensor(), {1, 1}, {2});
  EXPECT_FALSE(run_node({"SequenceErase", 11, {Value::sequence(DataType::kFloat, {})}}).ok());

  v = run_value({"SequenceLength", 11, {s}});
  expect_tensor<int64_t>(v.tensor(), {2}, {});
  v = run_value({"SequenceLength", 11, {Value::sequence(DataType::kFloat, {})}});
  expect_tensor<int64_t>(v.tensor(), {0}, {});
}

TEST(SequenceOps, SplitToSequence) {
  Tensor x = make<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  // No split: pieces of 1, kept dims / squeezed.
  Value v = run_value({"SplitToSequence", 11, {Value(x)}, {attr_int("axis", 1)}});
  ASSERT_EQ(v.items().size(), 3u);
  expect_tensor<float>(v.items()[1].tensor(), {1, 4}, {2, 1});
  v = run_value({"SplitToSequence", 24, {Value(x)}, {attr_int("axis", -1), attr_int("keepdims", 0)}});
  ASSERT_EQ(v.items().size(), 3u);
  expect_tensor<float>(v.items()[2].tensor(), {2, 5}, {2});
  // Scalar split with a shorter last chunk; keepdims ignored.
  v = run_value({"SplitToSequence", 11, {Value(x), Value(Tensor::scalar<int64_t>(2))},
                 {attr_int("axis", 1), attr_int("keepdims", 0)}});
  ASSERT_EQ(v.items().size(), 2u);
  expect_tensor<float>(v.items()[0].tensor(), {0, 1, 3, 4}, {2, 2});
  expect_tensor<float>(v.items()[1].tensor(), {2, 5}, {2, 1});
  // 1-D split (int32), including an empty part.
  v = run_value({"SplitToSequence", 11, {Value(x), Value(make<int32_t>({1, 0, 2}, {3}))}, {attr_int("axis", 1)}});
  ASSERT_EQ(v.items().size(), 3u);
  EXPECT_EQ(v.items()[1].tensor().shape(), Shape({2, 0}));
  expect_tensor<float>(v.items()[2].tensor(), {1, 2, 4, 5}, {2, 2});
  // Strings.
  v = run_value({"SplitToSequence", 11, {Value(make<std::string>({"a", "b", "c"}, {3}))}});
  ASSERT_EQ(v.items().size(), 3u);
  expect_tensor<std::string>(v.items()[2].tensor(), {"c"}, {1});
  // Errors: bad sum, non-positive scalar, bad axis, rank-0 input.
  EXPECT_FALSE(run_node({"SplitToSequence", 11, {Value(x), Value(make<int64_t>({1, 1}, {2}))}, {attr_int("axis", 1)}}).ok());
  EXPECT_FALSE(run_node({"SplitToSequence", 11, {Value(x), Value(Tensor::scalar<int64_t>(0))}}).ok());
  EXPECT_FALSE(run_node({"SplitToSequence", 11, {Value(x)}, {attr_int("axis", 2)}}).ok());
  EXPECT_FALSE(run_node({"SplitToSequence", 11, {Value(Tensor::scalar<float>(1))}}).ok());
}

TEST(SequenceOps, ConcatFromSequence) {
  Value s = seq_of({make<float>({0, 1}, {1, 2}), make<float>({2, 3, 4, 5}, {2, 2})});
  Value v = run_value({"ConcatFromSequence", 11, {s}, {attr_int("axis", 0)}});
  expect_tensor<float>(v.tensor(), {0, 1, 2, 3, 4, 5}, {3, 2});
  v = run_value({"ConcatFromSequence", 11, {s}, {attr_int("axis", -2)}});
  expect_tensor<float>(v.tensor(), {0, 1, 2, 3, 4, 5}, {3, 2});
  // Axis 1 needs equal dim 0.
  EXPECT_FALSE(run_node({"ConcatFromSequence", 11, {s}, {attr_int("axis", 1)}}).ok());
  Value t = seq_of({make<int64_t>({0, 1}, {2}), make<int64_t>({2, 3}, {2})});
  v = run_value({"ConcatFromSequence", 11, {t}, {attr_int("axis", 0), attr_int("new_axis", 1)}});
  expect_tensor<int64_t>(v.tensor(), {0, 1, 2, 3}, {2, 2});
  v = run_value({"ConcatFromSequence", 11, {t}, {attr_int("axis", -1), attr_int("new_axis", 1)}});
  expect_tensor<int64_t>(v.tensor(), {0, 2, 1, 3}, {2, 2});
  v = run_value({"ConcatFromSequence", 11, {t}, {attr_int("axis", 1), attr_int("new_axis", 1)}});
  expect_tensor<int64_t>(v.tensor(), {0, 2, 1, 3}, {2, 2});
  v = run_value({"ConcatFromSequence", 11, {t}, {attr_int("axis", -1)}});
  expect_tensor<int64_t>(v.tensor(), {0, 1, 2, 3}, {4});
  // Errors: missing axis, axis out of range, empty sequence, dtype mismatch.
  EXPECT_FALSE(run_node({"ConcatFromSequence", 11, {t}, {}}).ok());
  EXPECT_FALSE(run_node({"ConcatFromSequence", 11, {t}, {attr_int("axis", 1)}}).ok());
  EXPECT_FALSE(run_node({"ConcatFromSequence", 11, {t}, {attr_int("axis", 2), attr_int("new_axis", 1)}}).ok());
  auto r = run_node({"ConcatFromSequence", 11, {Value::sequence(DataType::kFloat, {})}, {attr_int("axis", 0)}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
  Value mixed = Value::sequence(DataType::kFloat, {Value(make<float>({1}, {1})), Value(make<int64_t>({1}, {1}))});
  EXPECT_FALSE(run_node({"ConcatFromSequence", 11, {mixed}, {attr_int("axis", 0)}}).ok());
}

TEST(SequenceOps, Optional) {
  ir::Attribute type;
  type.name = "type";
  type.type = ir::Attribute::Type::kTypeProto;
  type.type_protos = {ir::TypeInfo::tensor(DataType::kFloat)};
  Value v = run_value({"Optional", 15, {Value(make<float>({1}, {1}))}});
  ASSERT_TRUE(v.is_optional());
  ASSERT_TRUE(v.has_optional_value());
  expect_tensor<float>(v.optional_value()->tensor(), {1}, {1});
  v = run_value({"Optional", 15, {}, {type}});
  ASSERT_TRUE(v.is_optional());
  EXPECT_FALSE(v.has_optional_value());
  EXPECT_FALSE(run_node({"Optional", 15, {}, {}}).ok());
  // Optional of a sequence.
  v = run_value({"Optional", 15, {Value::sequence(DataType::kInt64, {})}});
  ASSERT_TRUE(v.has_optional_value());
  EXPECT_TRUE(v.optional_value()->is_sequence());

  Value empty = Value::optional(nullptr);
  Value full = Value::optional(std::make_shared<Value>(make<int32_t>({4, 5}, {2})));
  for (int opset : {15, 18}) {
    expect_tensor<bool>(run_value({"OptionalHasElement", opset, {empty}}).tensor(), {false}, {});
    expect_tensor<bool>(run_value({"OptionalHasElement", opset, {full}}).tensor(), {true}, {});
    expect_tensor<int32_t>(run_value({"OptionalGetElement", opset, {full}}).tensor(), {4, 5}, {2});
    auto r = run_node({"OptionalGetElement", opset, {empty}});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("empty"), std::string::npos);
  }
  // Opset 18: plain tensors / sequences, and an absent input.
  expect_tensor<bool>(run_value({"OptionalHasElement", 18, {Value(make<float>({1}, {1}))}}).tensor(), {true}, {});
  expect_tensor<bool>(run_value({"OptionalHasElement", 18, {}}).tensor(), {false}, {});
  expect_tensor<bool>(run_value({"OptionalHasElement", 18, {Value()}}).tensor(), {false}, {});
  expect_tensor<float>(run_value({"OptionalGetElement", 18, {Value(make<float>({3}, {1}))}}).tensor(), {3}, {1});
  // Opset 15: the input is required.
  EXPECT_FALSE(run_node({"OptionalHasElement", 15, {}}).ok());
}

}  // namespace
}  // namespace onyx::test

namespace onyx::test {
namespace {

TEST(SequenceOps, SequenceMap) {
  if (!global_registry().has_op("", "Identity") || !global_registry().has_op("", "Shape")) {
    GTEST_SKIP() << "Identity / Shape are not built into this binary";
  }
  ir::Graph body;
  body.name = "body";
  body.inputs = {ir::ValueInfo{"item", {}, {}}, ir::ValueInfo{"extra", {}, {}}};
  ir::Node shape;
  shape.name = "shape";
  shape.op_type = "Shape";
  shape.opset = 17;
  shape.inputs = {"item"};
  shape.outputs = {"s"};
  ir::Node id;
  id.name = "id";
  id.op_type = "Identity";
  id.opset = 17;
  id.inputs = {"extra"};
  id.outputs = {"e"};
  body.nodes = {shape, id};
  body.outputs = {ir::ValueInfo{"s", {}, {}}, ir::ValueInfo{"e", {}, {}}};
  ir::Attribute a;
  a.name = "body";
  a.type = ir::Attribute::Type::kGraph;
  a.g = std::make_shared<ir::Graph>(body);
  Value s = Value::sequence(DataType::kFloat, {Value(make<float>({1, 2}, {2})), Value(make<float>({}, {0, 3}))});
  // Tensor extra input: passed whole to each iteration.
  auto r = run_node({"SequenceMap", 17, {s, Value(make<int32_t>({7}, {}))}, {a}, 2});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ((*r)[0].items().size(), 2u);
  expect_tensor<int64_t>((*r)[0].items()[1].tensor(), {0, 3}, {2});
  expect_tensor<int32_t>((*r)[1].items()[0].tensor(), {7}, {});
  // Sequence extra input: item-wise; lengths must agree.
  Value s2 = Value::sequence(DataType::kInt32, {Value(make<int32_t>({1}, {})), Value(make<int32_t>({2}, {}))});
  r = run_node({"SequenceMap", 17, {s, s2}, {a}, 2});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[1].items()[1].tensor(), {2}, {});
  Value s3 = Value::sequence(DataType::kInt32, {Value(make<int32_t>({1}, {}))});
  EXPECT_FALSE(run_node({"SequenceMap", 17, {s, s3}, {a}, 2}).ok());
  // Body input count must match.
  EXPECT_FALSE(run_node({"SequenceMap", 17, {s}, {a}, 2}).ok());
}

}  // namespace
}  // namespace onyx::test
