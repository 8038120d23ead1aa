// Unit tests of the generator family: Constant, ConstantOfShape, Range, OneHot, NonZero, TopK,
// CumSum, Trilu, EyeLike.
#include "test_util.h"

namespace onyx::test {
namespace {

Value none() { return Value(); }

TEST(GeneratorConstant, TensorAndScalarAttributes) {
  expect_tensor<float>(run_ok({"Constant", 13, {}, {attr_tensor("value", make<float>({1, 2, 3}, {3}))}}),
                       {1, 2, 3}, {3});
  expect_tensor<float>(run_ok({"Constant", 13, {}, {attr_float("value_float", 2.5f)}}), {2.5f}, {});
  expect_tensor<float>(run_ok({"Constant", 13, {}, {attr_floats("value_floats", {1, 2})}}), {1, 2}, {2});
  expect_tensor<int64_t>(run_ok({"Constant", 13, {}, {attr_int("value_int", -7)}}), {-7}, {});
  expect_tensor<int64_t>(run_ok({"Constant", 13, {}, {attr_ints("value_ints", {})}}), {}, {0});
  Tensor s = run_ok({"Constant", 13, {}, {attr_string("value_string", "hi")}});
  ASSERT_EQ(s.dtype(), DataType::kString);
  EXPECT_EQ(s.data<std::string>()[0], "hi");
  // sparse_value arrives densified as a tensor attribute
  expect_tensor<int32_t>(
      run_ok({"Constant", 11, {}, {attr_tensor("sparse_value", make<int32_t>({0, 5, 0}, {3}))}}),
      {0, 5, 0}, {3});
}

TEST(GeneratorConstant, RejectsNoneOrSeveralValues) {
  EXPECT_FALSE(run_node({"Constant", 13, {}, {}}).ok());
  EXPECT_FALSE(run_node({"Constant", 13, {}, {attr_int("value_int", 1), attr_float("value_float", 1)}}).ok());
  EXPECT_FALSE(run_node({"Constant", 13, {}, {attr_int("value", 1)}}).ok());  // wrong attr type
}

TEST(GeneratorConstantOfShape, FillsAndDefaults) {
  expect_tensor<float>(run_ok({"ConstantOfShape", 9, {make<int64_t>({2, 3}, {2})}}),
                       std::vector<float>(6, 0.f), {2, 3});
  expect_tensor<int32_t>(run_ok({"ConstantOfShape", 20, {make<int64_t>({3}, {1})},
                                 {attr_tensor("value", make<int32_t>({7}, {1}))}}),
                         {7, 7, 7}, {3});
  // empty shape -> scalar; zero dim -> empty
  expect_tensor<double>(run_ok({"ConstantOfShape", 9, {Tensor(DataType::kInt64, {0})},
                                {attr_tensor("value", make<double>({1.5}, {1}))}}),
                        {1.5}, {});
  expect_tensor<float>(run_ok({"ConstantOfShape", 9, {make<int64_t>({0, 4}, {2})}}), {}, {0, 4});
  Tensor b = run_ok({"ConstantOfShape", 9, {make<int64_t>({2}, {1})},
                     {attr_tensor("value", make<bool>({true}, {1}))}});
  expect_tensor<bool>(b, {true, true}, {2});
}

TEST(GeneratorConstantOfShape, Errors) {
  EXPECT_FALSE(run_node({"ConstantOfShape", 9, {make<int64_t>({-1}, {1})}}).ok());
  EXPECT_FALSE(run_node({"ConstantOfShape", 9, {make<int32_t>({2}, {1})}}).ok());
  EXPECT_FALSE(run_node({"ConstantOfShape", 9, {make<int64_t>({int64_t{1} << 40, 1 << 20}, {2})}}).ok());
  EXPECT_FALSE(run_node({"ConstantOfShape", 9, {make<int64_t>({2}, {1})},
                         {attr_tensor("value", make<float>({1, 2}, {2}))}}).ok());
}

TEST(GeneratorRange, Types) {
  expect_tensor<float>(run_ok({"Range", 11, {Tensor::scalar(1.f), Tensor::scalar(2.f), Tensor::scalar(0.25f)}}),
                       {1, 1.25f, 1.5f, 1.75f}, {4});
  expect_tensor<int32_t>(run_ok({"Range", 11, {Tensor::scalar(10), Tensor::scalar(4), Tensor::scalar(-3)}}),
                         {10, 7}, {2});
  expect_tensor<int64_t>(run_ok({"Range", 11, {Tensor::scalar<int64_t>(0), Tensor::scalar<int64_t>(5),
                                               Tensor::scalar<int64_t>(2)}}),
                         {0, 2, 4}, {3});
  expect_tensor<int16_t>(run_ok({"Range", 11, {Tensor::scalar<int16_t>(3), Tensor::scalar<int16_t>(1),
                                               Tensor::scalar<int16_t>(1)}}),
                         {}, {0});
  Tensor h = run_ok({"Range", 11, {Tensor::scalar(float16(0.f)), Tensor::scalar(float16(1.f)),
                                   Tensor::scalar(float16(0.5f))}});
  expect_tensor<float16>(h, {float16(0.f), float16(0.5f)}, {2});
  expect_tensor<double>(run_ok({"Range", 11, {Tensor::scalar(0.0), Tensor::scalar(-1.0), Tensor::scalar(-0.4)}}),
                        {0, -0.4, -0.8}, {3});
}

TEST(GeneratorRange, Errors) {
  EXPECT_FALSE(run_node({"Range", 11, {Tensor::scalar(0), Tensor::scalar(5), Tensor::scalar(0)}}).ok());
  EXPECT_FALSE(run_node({"Range", 11, {Tensor::scalar(0), Tensor::scalar(5.f), Tensor::scalar(1)}}).ok());
  EXPECT_FALSE(run_node({"Range", 11, {make<int32_t>({0, 1}, {2}), Tensor::scalar(5), Tensor::scalar(1)}}).ok());
  EXPECT_FALSE(run_node({"Range", 11, {Tensor::scalar<int64_t>(0), Tensor::scalar<int64_t>(INT64_MAX),
                                       Tensor::scalar<int64_t>(1)}}).ok());
}

TEST(GeneratorOneHot, AxesAndNegativeIndices) {
  // indices [1, -1, 5(out of range)], depth 3, axis -1
  expect_tensor<float>(run_ok({"OneHot", 11, {make<int64_t>({1, -1, 5}, {3}), Tensor::scalar(3.f),
                                              make<float>({0, 1}, {2})}}),
                       {0, 1, 0, 0, 0, 1, 0, 0, 0}, {3, 3});
  // axis 0: output [depth, n]
  expect_tensor<int32_t>(run_ok({"OneHot", 11, {make<int32_t>({0, 2}, {2}), Tensor::scalar<int64_t>(3),
                                                make<int32_t>({-1, 9}, {2})},
                                 {attr_int("axis", 0)}}),
                         {9, -1, -1, -1, -1, 9}, {3, 2});
  // float indices truncate; scalar indices -> 1-D output
  expect_tensor<int64_t>(run_ok({"OneHot", 9, {Tensor::scalar(1.7f), make<float>({2}, {1}),
                                               make<int64_t>({0, 1}, {2})}}),
                         {0, 1}, {2});
  EXPECT_FALSE(run_node({"OneHot", 11, {make<int64_t>({0}, {1}), Tensor::scalar(0.f), make<float>({0, 1}, {2})}}).ok());
  EXPECT_FALSE(run_node({"OneHot", 11, {make<int64_t>({0}, {1}), Tensor::scalar(2.f), make<float>({0, 1, 2}, {3})}}).ok());
  EXPECT_FALSE(run_node({"OneHot", 11, {make<int64_t>({0}, {1}), Tensor::scalar(2.f), make<float>({0, 1}, {2})},
                         {attr_int("axis", 2)}}).ok());
}

TEST(GeneratorNonZero, Shapes) {
  expect_tensor<int64_t>(run_ok({"NonZero", 13, {make<float>({1, 0, 0, 3, -0.f, 2}, {2, 3})}}),
                         {0, 1, 1, 0, 0, 2}, {2, 3});
  expect_tensor<int64_t>(run_ok({"NonZero", 13, {make<bool>({false, true}, {2})}}), {1}, {1, 1});
  expect_tensor<int64_t>(run_ok({"NonZero", 9, {make<int32_t>({}, {0, 2})}}), {}, {2, 0});
  expect_tensor<int64_t>(run_ok({"NonZero", 13, {Tensor::scalar<int32_t>(5)}}), {0}, {1, 1});
  expect_tensor<int64_t>(run_ok({"NonZero", 13, {make<float16>({float16(0.f), float16(2.f)}, {2})}}), {1}, {1, 1});
}

TEST(GeneratorTopK, LargestSmallestAndTies) {
  Tensor x = make<float>({1, 3, 3, 2, 5, 4, 4, 4}, {2, 4});
  auto r = run_node({"TopK", 11, {x, make<int64_t>({2}, {1})}, {}, 2});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {3, 3, 5, 4}, {2, 2});
  expect_tensor<int64_t>((*r)[1].tensor(), {1, 2, 0, 1}, {2, 2});
  r = run_node({"TopK", 11, {x, make<int64_t>({3}, {1})}, {attr_int("largest", 0)}, 2});
  ASSERT_TRUE(r.ok());
  expect_tensor<float>((*r)[0].tensor(), {1, 2, 3, 4, 4, 4}, {2, 3});
  expect_tensor<int64_t>((*r)[1].tensor(), {0, 3, 1, 1, 2, 3}, {2, 3});
  // opset 1: k attribute; axis 0
  r = run_node({"TopK", 1, {make<int32_t>({1, 9, 7, 2}, {2, 2})}, {attr_int("k", 1), attr_int("axis", 0)}, 2});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[0].tensor(), {7, 9}, {1, 2});
  expect_tensor<int64_t>((*r)[1].tensor(), {1, 0}, {1, 2});
  // k = 0 and NaN ordering (NaN largest)
  r = run_node({"TopK", 11, {make<float>({1, NAN, 2}, {3}), make<int64_t>({0}, {1})}, {}, 2});
  ASSERT_TRUE(r.ok());
  expect_tensor<float>((*r)[0].tensor(), {}, {0});
  r = run_node({"TopK", 11, {make<float>({1, NAN, 2}, {3}), make<int64_t>({2}, {1})}, {}, 2});
  ASSERT_TRUE(r.ok());
  expect_tensor<int64_t>((*r)[1].tensor(), {1, 2}, {2});
  r = run_node({"TopK", 24, {make<uint64_t>({5, 1, 8}, {3}), make<int64_t>({1}, {1})}, {}, 2});
  ASSERT_TRUE(r.ok());
  expect_tensor<uint64_t>((*r)[0].tensor(), {8}, {1});
}

TEST(GeneratorTopK, Errors) {
  Tensor x = make<float>({1, 2, 3}, {3});
  EXPECT_FALSE(run_node({"TopK", 11, {x, make<int64_t>({4}, {1})}, {}, 2}).ok());
  EXPECT_FALSE(run_node({"TopK", 11, {x, make<int64_t>({-1}, {1})}, {}, 2}).ok());
  EXPECT_FALSE(run_node({"TopK", 11, {x, make<int64_t>({1}, {1})}, {attr_int("axis", 1)}, 2}).ok());
  EXPECT_FALSE(run_node({"TopK", 11, {Tensor::scalar(1.f), make<int64_t>({1}, {1})}, {}, 2}).ok());
  EXPECT_FALSE(run_node({"TopK", 1, {x}, {}, 2}).ok());  // missing k attribute
}

TEST(GeneratorCumSum, ModesAndAxes) {
  Tensor x = make<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<double>(run_ok({"CumSum", 14, {x, Tensor::scalar<int32_t>(1)}}), {1, 3, 6, 4, 9, 15}, {2, 3});
  expect_tensor<double>(run_ok({"CumSum", 14, {x, Tensor::scalar<int64_t>(0)}}), {1, 2, 3, 5, 7, 9}, {2, 3});
  expect_tensor<double>(run_ok({"CumSum", 14, {x, Tensor::scalar<int64_t>(-1)}, {attr_int("exclusive", 1)}}),
                        {0, 1, 3, 0, 4, 9}, {2, 3});
  expect_tensor<double>(run_ok({"CumSum", 14, {x, Tensor::scalar<int64_t>(1)}, {attr_int("reverse", 1)}}),
                        {6, 5, 3, 15, 11, 6}, {2, 3});
  expect_tensor<int32_t>(run_ok({"CumSum", 11, {make<int32_t>({1, 2, 3}, {3}), make<int64_t>({0}, {1})},
                                 {attr_int("reverse", 1), attr_int("exclusive", 1)}}),
                         {5, 3, 0}, {3});
  expect_tensor<float>(run_ok({"CumSum", 14, {make<float>({}, {0, 3}), Tensor::scalar<int64_t>(0)}}), {}, {0, 3});
  expect_tensor<bfloat16>(run_ok({"CumSum", 14, {make<bfloat16>({bfloat16(1.f), bfloat16(2.f)}, {2}),
                                                 Tensor::scalar<int64_t>(0)}}),
                          {bfloat16(1.f), bfloat16(3.f)}, {2});
  EXPECT_FALSE(run_node({"CumSum", 14, {x, Tensor::scalar<int64_t>(2)}}).ok());
  EXPECT_FALSE(run_node({"CumSum", 14, {x, Tensor::scalar(1.f)}}).ok());
}

TEST(GeneratorTrilu, UpperLowerAndOffsets) {
  Tensor x = make<int64_t>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 4});
  expect_tensor<int64_t>(run_ok({"Trilu", 14, {x}}), {1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}, {3, 4});
  expect_tensor<int64_t>(run_ok({"Trilu", 14, {x, Tensor::scalar<int64_t>(-1)}, {attr_int("upper", 0)}}),
                         {0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0}, {3, 4});
  expect_tensor<int64_t>(run_ok({"Trilu", 14, {x, Tensor::scalar<int64_t>(INT64_MIN)}}),
                         values_of<int64_t>(x), {3, 4});
  expect_tensor<int64_t>(run_ok({"Trilu", 14, {x, Tensor::scalar<int64_t>(INT64_MAX)}}),
                         std::vector<int64_t>(12, 0), {3, 4});
  // batched, empty and bool
  expect_tensor<bool>(run_ok({"Trilu", 14, {make<bool>({true, true, true, true, true, true, true, true}, {2, 2, 2}), none()},
                              {attr_int("upper", 0)}}),
                      {true, false, true, true, true, false, true, true}, {2, 2, 2});
  expect_tensor<float>(run_ok({"Trilu", 14, {make<float>({}, {0, 3})}}), {}, {0, 3});
  EXPECT_FALSE(run_node({"Trilu", 14, {make<float>({1, 2}, {2})}}).ok());
}

TEST(GeneratorEyeLike, DiagonalsAndDtype) {
  expect_tensor<float>(run_ok({"EyeLike", 9, {make<float>(std::vector<float>(6, 5.f), {2, 3})}}),
                       {1, 0, 0, 0, 1, 0}, {2, 3});
  expect_tensor<int32_t>(run_ok({"EyeLike", 22, {make<float>(std::vector<float>(6, 5.f), {3, 2})},
                                 {attr_int("k", -1), attr_int("dtype", 6)}}),
                         {0, 0, 1, 0, 0, 1}, {3, 2});
  expect_tensor<int64_t>(run_ok({"EyeLike", 9, {make<int64_t>({0, 0}, {1, 2})}, {attr_int("k", 5)}}), {0, 0},
                         {1, 2});
  EXPECT_FALSE(run_node({"EyeLike", 9, {make<float>({1, 2}, {2})}}).ok());
  EXPECT_FALSE(run_node({"EyeLike", 9, {make<float>({1}, {1, 1})}, {attr_int("dtype", 999)}}).ok());
}

}  // namespace
}  // namespace onyx::test
