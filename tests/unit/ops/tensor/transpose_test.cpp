#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

TEST(TensorTranspose, DefaultReversesAxes) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<float>(run_ok(node("Transpose", 13, {x})), {1, 4, 2, 5, 3, 6}, {3, 2});
}

TEST(TensorTranspose, Rank3PermAllTypes) {
  // x[i][j][k] = 100i + 10j + k, shape {2,3,4}; perm {1,2,0} -> y[j][k][i].
  std::vector<int32_t> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) v.push_back(100 * i + 10 * j + k);
  std::vector<int32_t> e;
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 2; ++i) e.push_back(100 * i + 10 * j + k);
  Tensor y = run_ok(node("Transpose", 13, {make<int32_t>(v, {2, 3, 4})}, {attr_ints("perm", {1, 2, 0})}));
  expect_tensor<int32_t>(y, e, {3, 4, 2});

  std::vector<std::string> sv, se;
  for (int32_t a : v) sv.push_back(std::to_string(a));
  for (int32_t a : e) se.push_back(std::to_string(a));
  expect_tensor<std::string>(
      run_ok(node("Transpose", 13, {make<std::string>(sv, {2, 3, 4})}, {attr_ints("perm", {1, 2, 0})})),
      se, {3, 4, 2});
  std::vector<uint8_t> bv(v.begin(), v.end()), be(e.begin(), e.end());
  expect_tensor<uint8_t>(
      run_ok(node("Transpose", 1, {make<uint8_t>(bv, {2, 3, 4})}, {attr_ints("perm", {1, 2, 0})})),
      be, {3, 4, 2});
  std::vector<double> dv(v.begin(), v.end()), de(e.begin(), e.end());
  expect_tensor<double>(
      run_ok(node("Transpose", 21, {make<double>(dv, {2, 3, 4})}, {attr_ints("perm", {1, 2, 0})})),
      de, {3, 4, 2});
}

TEST(TensorTranspose, UnitDimsAndEmpty) {
  Tensor x = make<float>({1, 2, 3}, {1, 3, 1});
  Tensor y = run_ok(node("Transpose", 13, {x}, {attr_ints("perm", {2, 1, 0})}));
  expect_tensor<float>(y, {1, 2, 3}, {1, 3, 1});
  Tensor e(DataType::kInt64, {0, 2, 3});
  EXPECT_EQ(run_ok(node("Transpose", 13, {e})).shape(), (Shape{3, 2, 0}));
  Tensor s = Tensor::scalar<float>(3);
  expect_tensor<float>(run_ok(node("Transpose", 13, {s})), {3}, {});
}

TEST(TensorTranspose, BadPerm) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_FALSE(run_node(node("Transpose", 13, {x}, {attr_ints("perm", {0, 0})})).ok());
  EXPECT_FALSE(run_node(node("Transpose", 13, {x}, {attr_ints("perm", {0, 2})})).ok());
  EXPECT_FALSE(run_node(node("Transpose", 13, {x}, {attr_ints("perm", {0})})).ok());
}

TEST(TensorTranspose, LargeMatchesNaive) {
  const int64_t a = 37, b = 129, c = 5;
  std::vector<float> v(static_cast<size_t>(a * b * c));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  Tensor y = run_ok(node("Transpose", 13, {make<float>(v, {a, b, c})}, {attr_ints("perm", {2, 0, 1})}));
  ASSERT_EQ(y.shape(), (Shape{c, a, b}));
  for (int64_t k = 0; k < c; ++k)
    for (int64_t i = 0; i < a; ++i)
      for (int64_t j = 0; j < b; ++j)
        ASSERT_EQ(y.data<float>()[(k * a + i) * b + j], v[static_cast<size_t>((i * b + j) * c + k)]);
}

}  // namespace
}  // namespace onyx::test

namespace onyx::test {
namespace {

// Shapes large enough for the tiled (cache-blocked) path, with partial edge tiles.
TEST(TensorTranspose, TiledPathMatchesNaive) {
  const int64_t b = 3, m = 70, n = 131;
  std::vector<double> v(static_cast<size_t>(b * m * n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  Tensor y = run_ok(node("Transpose", 13, {make<double>(v, {b, m, n})}, {attr_ints("perm", {0, 2, 1})}));
  ASSERT_EQ(y.shape(), (Shape{b, n, m}));
  for (int64_t k = 0; k < b; ++k)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i)
        ASSERT_EQ(y.data<double>()[(k * n + j) * m + i], v[static_cast<size_t>((k * m + i) * n + j)]);
  std::vector<int16_t> w(static_cast<size_t>(m * n));
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int16_t>(i);
  Tensor z = run_ok(node("Transpose", 13, {make<int16_t>(w, {m, n})}));
  ASSERT_EQ(z.shape(), (Shape{n, m}));
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i)
      ASSERT_EQ(z.data<int16_t>()[j * m + i], w[static_cast<size_t>(i * n + j)]);
}

}  // namespace
}  // namespace onyx::test
