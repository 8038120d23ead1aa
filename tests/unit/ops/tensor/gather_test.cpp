#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

TEST(TensorGather, Axis0And1) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  expect_tensor<float>(run_ok(node("Gather", 13, {x, make<int64_t>({2, -3, 1, 2}, {2, 2})})),
                       {5, 6, 1, 2, 3, 4, 5, 6}, {2, 2, 2});
  expect_tensor<float>(run_ok(node("Gather", 13, {x, make<int32_t>({1}, {1})}, {attr_int("axis", 1)})),
                       {2, 4, 6}, {3, 1});
  // Scalar index drops the axis.
  expect_tensor<float>(run_ok(node("Gather", 1, {x, Tensor::scalar<int64_t>(-1)})), {5, 6}, {2});
}

TEST(TensorGather, TypesEmptyAndErrors) {
  Tensor s = make<std::string>({"x", "y", "z"}, {3});
  expect_tensor<std::string>(run_ok(node("Gather", 13, {s, make<int64_t>({2, 0, 2}, {3})})),
                             {"z", "x", "z"}, {3});
  Tensor b = make<bool>({true, false}, {2});
  expect_tensor<bool>(run_ok(node("Gather", 11, {b, make<int64_t>({1, 0}, {2})})), {false, true}, {2});
  Tensor h = make<float16>({float16(1.5f), float16(2.5f)}, {2});
  expect_tensor<float16>(run_ok(node("Gather", 13, {h, make<int64_t>({1}, {1})})), {float16(2.5f)}, {1});
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(run_ok(node("Gather", 13, {x, Tensor(DataType::kInt64, {0})})).shape(), (Shape{0, 2}));
  // Gathering from an empty axis with no indices is fine; any index is out of range.
  Tensor e(DataType::kFloat, {0, 2});
  EXPECT_EQ(run_ok(node("Gather", 13, {e, Tensor(DataType::kInt64, {0})})).shape(), (Shape{0, 2}));
  EXPECT_FALSE(run_node(node("Gather", 13, {e, make<int64_t>({0}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Gather", 13, {x, make<int64_t>({3}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Gather", 13, {x, make<int64_t>({-4}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Gather", 13, {x, make<float>({0}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Gather", 13, {x, make<int64_t>({0}, {1})}, {attr_int("axis", 2)})).ok());
}

TEST(TensorGatherElements, Axes) {
  Tensor x = make<int32_t>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  Tensor i = make<int64_t>({1, 2, 0, 2, 0, -3}, {2, 3});
  expect_tensor<int32_t>(run_ok(node("GatherElements", 13, {x, i})), {4, 8, 3, 7, 2, 3}, {2, 3});
  Tensor j = make<int32_t>({0, 0, 1, 0}, {2, 2});
  expect_tensor<int32_t>(run_ok(node("GatherElements", 11, {x, j}, {attr_int("axis", -1)})),
                         {1, 1, 5, 4}, {2, 2});
}

TEST(TensorGatherElements, Errors) {
  Tensor x = make<int32_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_FALSE(run_node(node("GatherElements", 13, {x, make<int64_t>({2}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(node("GatherElements", 13, {x, make<int64_t>({0}, {1})})).ok());
  EXPECT_FALSE(run_node(node("GatherElements", 13, {x, make<int64_t>({0, 0, 0}, {1, 3})})).ok());
  EXPECT_EQ(run_ok(node("GatherElements", 13, {x, Tensor(DataType::kInt64, {0, 2})})).shape(),
            (Shape{0, 2}));
}

TEST(TensorGatherND, BasicAndBatchDims) {
  Tensor x = make<float>({0, 1, 2, 3}, {2, 2});
  expect_tensor<float>(run_ok(node("GatherND", 11, {x, make<int64_t>({0, 0, 1, 1}, {2, 2})})), {0, 3},
                       {2});
  expect_tensor<float>(run_ok(node("GatherND", 11, {x, make<int64_t>({1, 0}, {2, 1})})), {2, 3, 0, 1},
                       {2, 2});
  Tensor y = make<int32_t>({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  expect_tensor<int32_t>(run_ok(node("GatherND", 12, {y, make<int64_t>({1, 0}, {2, 1})},
                                 {attr_int("batch_dims", 1)})),
                         {2, 3, 4, 5}, {2, 2});
  expect_tensor<int32_t>(run_ok(node("GatherND", 13, {y, make<int64_t>({1, -1, 0, 0}, {2, 1, 2})},
                                 {attr_int("batch_dims", 1)})),
                         {3, 4}, {2, 1});
}

TEST(TensorGatherND, Errors) {
  Tensor x = make<float>({0, 1, 2, 3}, {2, 2});
  EXPECT_FALSE(run_node(node("GatherND", 13, {x, make<int64_t>({2, 0}, {1, 2})})).ok());
  EXPECT_FALSE(run_node(node("GatherND", 13, {x, make<int64_t>({0, 0, 0}, {1, 3})})).ok());
  EXPECT_FALSE(run_node(node("GatherND", 13, {x, make<int64_t>({0}, {1, 1})}, {attr_int("batch_dims", 1)})).ok());
  EXPECT_FALSE(run_node(node("GatherND", 13, {x, make<int64_t>({0, 0, 0}, {3, 1})}, {attr_int("batch_dims", 1)})).ok());
}

}  // namespace
}  // namespace onyx::test
