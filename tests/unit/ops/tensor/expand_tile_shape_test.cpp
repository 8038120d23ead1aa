#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

TEST(TensorExpand, BroadcastsBothWays) {
  Tensor x = make<float>({1, 2, 3}, {3, 1});
  expect_tensor<float>(run_ok(node("Expand", 13, {x, make<int64_t>({2, 1, 2}, {3})})),
                       {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}, {2, 3, 2});
  // A smaller shape keeps the input dims.
  expect_tensor<float>(run_ok(node("Expand", 8, {x, make<int64_t>({1}, {1})})), {1, 2, 3}, {3, 1});
  Tensor s = make<std::string>({"q"}, {});
  expect_tensor<std::string>(run_ok(node("Expand", 13, {s, make<int64_t>({2}, {1})})), {"q", "q"}, {2});
  EXPECT_EQ(run_ok(node("Expand", 13, {x, make<int64_t>({1, 0}, {2})})).shape(), (Shape{3, 0}));
  EXPECT_FALSE(run_node(node("Expand", 13, {x, make<int64_t>({2, 2}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Expand", 13, {x, make<int64_t>({-1}, {1})})).ok());
}

TEST(TensorTile, Repeats) {
  Tensor x = make<int32_t>({1, 2, 3, 4}, {2, 2});
  expect_tensor<int32_t>(run_ok(node("Tile", 13, {x, make<int64_t>({2, 1}, {2})})),
                         {1, 2, 3, 4, 1, 2, 3, 4}, {4, 2});
  expect_tensor<int32_t>(run_ok(node("Tile", 6, {x, make<int64_t>({1, 2}, {2})})),
                         {1, 2, 1, 2, 3, 4, 3, 4}, {2, 4});
  EXPECT_EQ(run_ok(node("Tile", 13, {x, make<int64_t>({0, 3}, {2})})).shape(), (Shape{0, 6}));
  Tensor s = make<std::string>({"a", "b"}, {2});
  expect_tensor<std::string>(run_ok(node("Tile", 13, {s, make<int64_t>({2}, {1})})),
                             {"a", "b", "a", "b"}, {4});
  expect_tensor<int32_t>(run_ok(node("Tile", 1, {x, Tensor::scalar<int64_t>(2), Tensor::scalar<int64_t>(1)})),
                         {1, 2, 1, 2, 3, 4, 3, 4}, {2, 4});
  EXPECT_FALSE(run_node(node("Tile", 13, {x, make<int64_t>({2}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Tile", 13, {x, make<int64_t>({-1, 1}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Tile", 13, {x, make<int64_t>({INT64_MAX, 1}, {2})})).ok());
}

TEST(TensorShape, StartEnd) {
  Tensor x(DataType::kFloat, {2, 3, 4, 5});
  expect_tensor<int64_t>(run_ok(node("Shape", 13, {x})), {2, 3, 4, 5}, {4});
  expect_tensor<int64_t>(run_ok(node("Shape", 15, {x}, {attr_int("start", 1)})), {3, 4, 5}, {3});
  expect_tensor<int64_t>(run_ok(node("Shape", 15, {x}, {attr_int("start", -3), attr_int("end", -1)})),
                         {3, 4}, {2});
  expect_tensor<int64_t>(run_ok(node("Shape", 15, {x}, {attr_int("start", -10), attr_int("end", 10)})),
                         {2, 3, 4, 5}, {4});
  expect_tensor<int64_t>(run_ok(node("Shape", 19, {x}, {attr_int("start", 3), attr_int("end", 1)})), {},
                         {0});
  expect_tensor<int64_t>(run_ok(node("Shape", 1, {Tensor::scalar<bool>(true)})), {}, {0});
  expect_tensor<int64_t>(run_ok(node("Shape", 13, {make<std::string>({"a"}, {1})})), {1}, {1});
}

TEST(TensorSize, CountsElements) {
  expect_tensor<int64_t>(run_ok(node("Size", 13, {Tensor(DataType::kUInt16, {2, 3, 4})})), {24}, {});
  expect_tensor<int64_t>(run_ok(node("Size", 1, {Tensor(DataType::kFloat, {0, 3})})), {0}, {});
  expect_tensor<int64_t>(run_ok(node("Size", 21, {Tensor::scalar<double>(1)})), {1}, {});
}

}  // namespace
}  // namespace onyx::test
