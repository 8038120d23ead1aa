#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

Tensor iota_i(Shape s) {
  std::vector<int64_t> v(static_cast<size_t>(shape_numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  return make<int64_t>(v, std::move(s));
}
Tensor ints(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return make<int64_t>(std::move(v), {n});
}

TEST(TensorSlice, BasicAndDefaultAxes) {
  Tensor x = iota_i({3, 4});  // rows 0..3, 4..7, 8..11
  expect_tensor<int64_t>(run_ok(node("Slice", 13, {x, ints({1, 1}), ints({3, 3})})), {5, 6, 9, 10},
                         {2, 2});
  expect_tensor<int64_t>(run_ok(node("Slice", 13, {x, ints({1}), ints({1000}), ints({-1})})),
                         {1, 2, 3, 5, 6, 7, 9, 10, 11}, {3, 3});
}

TEST(TensorSlice, NegativeStepsAndClamping) {
  Tensor x = iota_i({5});
  expect_tensor<int64_t>(run_ok(node("Slice", 13, {x, ints({-1}), ints({-1000}), ints({0}), ints({-2})})),
                         {4, 2, 0}, {3});
  expect_tensor<int64_t>(
      run_ok(node("Slice", 13, {x, ints({INT64_MAX}), ints({INT64_MIN}), ints({0}), ints({-1})})),
      {4, 3, 2, 1, 0}, {5});
  expect_tensor<int64_t>(run_ok(node("Slice", 13, {x, ints({1}), ints({5}), ints({0}), ints({3})})),
                         {1, 4}, {2});
  expect_tensor<int64_t>(
      run_ok(node("Slice", 13, {x, ints({0}), ints({5}), ints({0}), ints({INT64_MAX})})), {0}, {1});
  EXPECT_EQ(run_ok(node("Slice", 13, {x, ints({10}), ints({20})})).shape(), (Shape{0}));
  EXPECT_EQ(run_ok(node("Slice", 13, {x, ints({3}), ints({1})})).shape(), (Shape{0}));
}

TEST(TensorSlice, Rank3Int32InputsAndStrings) {
  Tensor x = iota_i({2, 3, 4});
  Tensor starts = make<int32_t>({2, 0}, {2});
  Tensor ends = make<int32_t>({-5, 4}, {2});
  Tensor axes = make<int32_t>({-1, 1}, {2});
  Tensor steps = make<int32_t>({-2, 2}, {2});
  // axis 2: indices 2,0 ; axis 1: indices 0,2.
  expect_tensor<int64_t>(run_ok(node("Slice", 11, {x, starts, ends, axes, steps})),
                         {2, 0, 10, 8, 14, 12, 22, 20}, {2, 2, 2});
  Tensor s = make<std::string>({"a", "b", "c", "d"}, {4});
  expect_tensor<std::string>(run_ok(node("Slice", 13, {s, ints({-1}), ints({0}), ints({0}), ints({-1})})),
                             {"d", "c", "b"}, {3});
}

TEST(TensorSlice, Opset1Attributes) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  expect_tensor<float>(run_ok(node("Slice", 1, {x}, {attr_ints("starts", {1}), attr_ints("ends", {3}),
                                                 attr_ints("axes", {1})})),
                       {2, 3, 6, 7}, {2, 2});
  expect_tensor<float>(run_ok(node("Slice", 1, {x}, {attr_ints("starts", {1, 0}), attr_ints("ends", {2, -1})})),
                       {5, 6, 7}, {1, 3});
}

TEST(TensorSlice, EmptyInput) {
  Tensor e(DataType::kFloat, {0, 3});
  EXPECT_EQ(run_ok(node("Slice", 13, {e, ints({-1}), ints({-10}), ints({0}), ints({-1})})).shape(),
            (Shape{0, 3}));
  EXPECT_EQ(run_ok(node("Slice", 13, {e, ints({0, 1}), ints({5, 3})})).shape(), (Shape{0, 2}));
}

TEST(TensorSlice, Errors) {
  Tensor x = iota_i({5});
  EXPECT_FALSE(run_node(node("Slice", 13, {x, ints({0}), ints({5}), ints({0}), ints({0})})).ok());
  EXPECT_FALSE(run_node(node("Slice", 13, {x, ints({0}), ints({5}), ints({1})})).ok());
  EXPECT_FALSE(run_node(node("Slice", 13, {x, ints({0, 0}), ints({5})})).ok());
  EXPECT_FALSE(run_node(node("Slice", 13, {x, make<float>({0}, {1}), ints({5})})).ok());
  EXPECT_FALSE(run_node(node("Slice", 13, {iota_i({2, 2}), ints({0, 0}), ints({1, 1}), ints({0, -2})})).ok());
}

}  // namespace
}  // namespace onyx::test
