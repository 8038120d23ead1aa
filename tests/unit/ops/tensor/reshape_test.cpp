#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

Tensor iota_f(Shape s) {
  std::vector<float> v(static_cast<size_t>(shape_numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return make<float>(v, std::move(s));
}

TEST(TensorReshape, ZeroAndMinusOneDims) {
  Tensor x = iota_f({2, 3, 4});
  Tensor y = run_ok(node("Reshape", 13, {x, make<int64_t>({0, -1}, {2})}));
  expect_tensor<float>(y, values_of<float>(x), {2, 12});
  EXPECT_TRUE(y.shares_buffer_with(x));
  y = run_ok(node("Reshape", 14, {x, make<int64_t>({-1, 2, 0}, {3})}));
  EXPECT_EQ(y.shape(), (Shape{3, 2, 4}));
}

TEST(TensorReshape, AllowZeroAndScalar) {
  Tensor x(DataType::kFloat, {0, 3});
  Tensor y = run_ok(node("Reshape", 14, {x, make<int64_t>({3, 0}, {2})}, {attr_int("allowzero", 1)}));
  EXPECT_EQ(y.shape(), (Shape{3, 0}));
  // allowzero with both 0 and -1 is invalid.
  EXPECT_FALSE(run_node(node("Reshape", 14, {x, make<int64_t>({0, -1}, {2})},
                         {attr_int("allowzero", 1)})).ok());
  Tensor s = make<int32_t>({7}, {1, 1});
  Tensor z = run_ok(node("Reshape", 13, {s, Tensor(DataType::kInt64, {0})}));
  expect_tensor<int32_t>(z, {7}, {});
}

TEST(TensorReshape, Opset1AttributeAndErrors) {
  Tensor x = iota_f({6});
  Tensor y = run_ok(node("Reshape", 1, {x}, {attr_ints("shape", {3, 2})}));
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_FALSE(run_node(node("Reshape", 13, {x, make<int64_t>({4, -1}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Reshape", 13, {x, make<int64_t>({-1, -1}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Reshape", 13, {x, make<int64_t>({-2, 3}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Reshape", 13, {x, make<int64_t>({1, 0, 6}, {3})})).ok());  // copies dim 1
  EXPECT_FALSE(run_node(node("Reshape", 13, {x, make<float>({6}, {1})})).ok());
}

TEST(TensorReshape, StringsShareBuffer) {
  Tensor x = make<std::string>({"a", "b", "c", "d"}, {4});
  Tensor y = run_ok(node("Reshape", 19, {x, make<int64_t>({2, 2}, {2})}));
  expect_tensor<std::string>(y, {"a", "b", "c", "d"}, {2, 2});
}

TEST(TensorFlatten, Axes) {
  Tensor x = iota_f({2, 3, 4, 5});
  EXPECT_EQ(run_ok(node("Flatten", 13, {x})).shape(), (Shape{2, 60}));
  EXPECT_EQ(run_ok(node("Flatten", 13, {x}, {attr_int("axis", 0)})).shape(), (Shape{1, 120}));
  EXPECT_EQ(run_ok(node("Flatten", 13, {x}, {attr_int("axis", 4)})).shape(), (Shape{120, 1}));
  EXPECT_EQ(run_ok(node("Flatten", 13, {x}, {attr_int("axis", -1)})).shape(), (Shape{24, 5}));
  EXPECT_FALSE(run_node(node("Flatten", 9, {x}, {attr_int("axis", -1)})).ok());
  EXPECT_FALSE(run_node(node("Flatten", 13, {x}, {attr_int("axis", 5)})).ok());
  Tensor e(DataType::kInt8, {3, 0, 2});
  EXPECT_EQ(run_ok(node("Flatten", 11, {e}, {attr_int("axis", 2)})).shape(), (Shape{0, 2}));
}

TEST(TensorSqueeze, AttributeAndInput) {
  Tensor x = iota_f({1, 3, 1, 2});
  EXPECT_EQ(run_ok(node("Squeeze", 11, {x})).shape(), (Shape{3, 2}));
  EXPECT_EQ(run_ok(node("Squeeze", 11, {x}, {attr_ints("axes", {-2})})).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(run_ok(node("Squeeze", 13, {x, make<int64_t>({0}, {1})})).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(run_ok(node("Squeeze", 13, {x})).shape(), (Shape{3, 2}));
  EXPECT_EQ(run_ok(node("Squeeze", 13, {x, Tensor(DataType::kInt64, {0})})).shape(), (Shape{3, 2}));
  EXPECT_FALSE(run_node(node("Squeeze", 13, {x, make<int64_t>({1}, {1})})).ok());  // dim 3
  EXPECT_FALSE(run_node(node("Squeeze", 13, {x, make<int64_t>({4}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Squeeze", 13, {x, make<int64_t>({0, -4}, {2})})).ok());  // repeated
  Tensor s = make<double>({2.5}, {1});
  expect_tensor<double>(run_ok(node("Squeeze", 21, {s})), {2.5}, {});
}

TEST(TensorUnsqueeze, AttributeAndInput) {
  Tensor x = iota_f({3, 2});
  EXPECT_EQ(run_ok(node("Unsqueeze", 11, {x}, {attr_ints("axes", {0, 3})})).shape(),
            (Shape{1, 3, 2, 1}));
  EXPECT_EQ(run_ok(node("Unsqueeze", 13, {x, make<int64_t>({-1, 1}, {2})})).shape(),
            (Shape{3, 1, 2, 1}));
  Tensor s = Tensor::scalar<int64_t>(4);
  expect_tensor<int64_t>(run_ok(node("Unsqueeze", 13, {s, make<int64_t>({0}, {1})})), {4}, {1});
  EXPECT_FALSE(run_node(node("Unsqueeze", 13, {x, make<int64_t>({3}, {1})})).ok());
  EXPECT_FALSE(run_node(node("Unsqueeze", 13, {x, make<int64_t>({1, 1}, {2})})).ok());
  EXPECT_FALSE(run_node(node("Unsqueeze", 13, {x})).ok());
  EXPECT_FALSE(run_node(node("Unsqueeze", 11, {x})).ok());
}

}  // namespace
}  // namespace onyx::test
