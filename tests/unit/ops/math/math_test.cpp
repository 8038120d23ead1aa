// Unit tests of the math family: hand-computed values, broadcasting, empty and scalar tensors,
// several dtypes, legacy attributes and error cases.
#include <cmath>
#include <limits>

#include "test_util.h"

// NodeSpec{op, opset, inputs[, attributes]} leaves the trailing members defaulted on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace onyx::test {
namespace {


TEST(MathBinary, AddSameShapeAndBroadcast) {
  Tensor y = run_ok({"Add", 14, {V(make<float>({1, 2, 3, 4, 5, 6}, {2, 3})),
                                 V(make<float>({10, 20, 30}, {3}))}});
  expect_tensor<float>(y, {11, 22, 33, 14, 25, 36}, {2, 3});
  // Column broadcast [2,1] with [1,3] -> [2,3]
  y = run_ok({"Sub", 14, {V(make<int32_t>({10, 20}, {2, 1})), V(make<int32_t>({1, 2, 3}, {1, 3}))}});
  expect_tensor<int32_t>(y, {9, 8, 7, 19, 18, 17}, {2, 3});
  // [N,C,H,W] + [C,1,1]
  std::vector<float> x(2 * 3 * 2 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  y = run_ok({"Mul", 14, {V(make<float>(x, {2, 3, 2, 2})), V(make<float>({1, 10, 100}, {3, 1, 1}))}});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2, 2}));
  for (int64_t i = 0; i < 24; ++i) {
    const float c = std::pow(10.0f, static_cast<float>((i / 4) % 3));
    EXPECT_FLOAT_EQ(y.data<float>()[i], static_cast<float>(i) * c) << i;
  }
}

TEST(MathBinary, ScalarsEmptyAndHalf) {
  Tensor y = run_ok({"Add", 14, {V(Tensor::scalar<double>(1.5)), V(Tensor::scalar<double>(2))}});
  expect_tensor<double>(y, {3.5}, {});
  y = run_ok({"Add", 14, {V(make<float>({}, {0, 3})), V(make<float>({1, 2, 3}, {3}))}});
  expect_tensor<float>(y, {}, {0, 3});
  y = run_ok({"Div", 14, {V(make<float16>({float16(1.f), float16(3.f)}, {2})),
                          V(make<float16>({float16(2.f)}, {1}))}});
  expect_tensor<float16>(y, {float16(0.5f), float16(1.5f)}, {2});
  y = run_ok({"Mul", 14, {V(make<bfloat16>({bfloat16(3.f)}, {1})),
                          V(make<bfloat16>({bfloat16(-2.f), bfloat16(4.f)}, {2}))}});
  expect_tensor<bfloat16>(y, {bfloat16(-6.f), bfloat16(12.f)}, {2});
}

TEST(MathBinary, IntegerSemantics) {
  Tensor y = run_ok({"Div", 14, {V(make<int32_t>({7, -7, 6}, {3})), V(make<int32_t>({2, 2, -1}, {3}))}});
  expect_tensor<int32_t>(y, {3, -3, -6}, {3});
  y = run_ok({"Add", 14, {V(make<uint8_t>({250}, {1})), V(make<uint8_t>({10}, {1}))}});
  expect_tensor<uint8_t>(y, {4}, {1});  // wraps
  auto r = run_node({"Div", 14, {V(make<int64_t>({1, 2}, {2})), V(make<int64_t>({1, 0}, {2}))}});
  EXPECT_FALSE(r.ok());
  // Mod: fmod=0 follows the divisor's sign, fmod=1 the dividend's.
  y = run_ok({"Mod", 13, {V(make<int32_t>({-4, 7, 5}, {3})), V(make<int32_t>({3, -3, 3}, {3}))}});
  expect_tensor<int32_t>(y, {2, -2, 2}, {3});
  y = run_ok({"Mod", 13, {V(make<float>({-4.5f, 7.f}, {2})), V(make<float>({3.f, -3.f}, {2}))},
              {attr_int("fmod", 1)}});
  expect_tensor<float>(y, {-1.5f, 1.f}, {2});
}

TEST(MathBinary, Errors) {
  auto r = run_node({"Add", 14, {V(make<float>({1, 2}, {2})), V(make<float>({1, 2, 3}, {3}))}});
  EXPECT_FALSE(r.ok());
  r = run_node({"Add", 14, {V(make<float>({1}, {1})), V(make<int32_t>({1}, {1}))}});
  EXPECT_FALSE(r.ok());
  r = run_node({"Add", 14, {V(make<bool>({true}, {1})), V(make<bool>({true}, {1}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathBinary, LegacyBroadcastAxis) {
  // Opset 6: B [3] aligned with axis 1 of A [2,3,2].
  std::vector<float> a(12, 1.0f);
  Tensor y = run_ok({"Add", 6, {V(make<float>(a, {2, 3, 2})), V(make<float>({0, 10, 20}, {3}))},
                     {attr_int("broadcast", 1), attr_int("axis", 1)}});
  expect_tensor<float>(y, {1, 1, 11, 11, 21, 21, 1, 1, 11, 11, 21, 21}, {2, 3, 2});
  auto r = run_node({"Add", 6, {V(make<float>(a, {2, 3, 2})), V(make<float>({0, 10, 20}, {3}))},
                     {attr_int("broadcast", 1), attr_int("axis", 2)}});
  EXPECT_FALSE(r.ok());
}

TEST(MathPow, MixedTypes) {
  Tensor y = run_ok({"Pow", 15, {V(make<float>({2, 3, 4}, {3})), V(make<int64_t>({2}, {1}))}});
  expect_tensor<float>(y, {4, 9, 16}, {3});
  y = run_ok({"Pow", 15, {V(make<int32_t>({2, 3, -2}, {3})), V(make<int32_t>({10, 0, 3}, {3}))}});
  expect_tensor<int32_t>(y, {1024, 1, -8}, {3});
  y = run_ok({"Pow", 15, {V(make<int64_t>({4, 9}, {2})), V(make<float>({0.5f}, {}))}});
  expect_tensor<int64_t>(y, {2, 3}, {2});
  y = run_ok({"Pow", 15, {V(make<float>({2, -1}, {2})), V(Tensor::scalar<float>(2.0f))}});
  expect_tensor<float>(y, {4, 1}, {2});
}

TEST(MathCompare, ComparisonsAndLogic) {
  Tensor y = run_ok({"Less", 13, {V(make<int64_t>({1, 5, 3}, {3})), V(Tensor::scalar<int64_t>(3))}});
  expect_tensor<bool>(y, {true, false, false}, {3});
  y = run_ok({"GreaterOrEqual", 16, {V(make<float>({1, 5, 3}, {3})), V(Tensor::scalar<float>(3))}});
  expect_tensor<bool>(y, {false, true, true}, {3});
  y = run_ok({"Equal", 19, {V(make<std::string>({"a", "b"}, {2})), V(make<std::string>({"b"}, {1}))}});
  expect_tensor<bool>(y, {false, true}, {2});
  y = run_ok({"Xor", 7, {V(make<bool>({true, false}, {2, 1})), V(make<bool>({true, false}, {1, 2}))}});
  expect_tensor<bool>(y, {false, true, true, false}, {2, 2});
  y = run_ok({"Not", 1, {V(make<bool>({true, false}, {2}))}});
  expect_tensor<bool>(y, {false, true}, {2});
  auto r = run_node({"And", 7, {V(make<float>({1}, {1})), V(make<float>({1}, {1}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathBitwise, ShiftAndBits) {
  Tensor y = run_ok({"BitShift", 11, {V(make<uint8_t>({1, 255, 3}, {3})), V(make<uint8_t>({3, 1, 9}, {3}))},
                     {attr_string("direction", "LEFT")}});
  expect_tensor<uint8_t>(y, {8, 254, 0}, {3});
  y = run_ok({"BitShift", 11, {V(make<uint32_t>({16}, {1})), V(make<uint32_t>({2}, {1}))},
              {attr_string("direction", "RIGHT")}});
  expect_tensor<uint32_t>(y, {4}, {1});
  y = run_ok({"BitwiseAnd", 18, {V(make<int32_t>({12, -1}, {2})), V(make<int32_t>({10, 5}, {2}))}});
  expect_tensor<int32_t>(y, {8, 5}, {2});
  y = run_ok({"BitwiseNot", 18, {V(make<uint8_t>({0, 15}, {2}))}});
  expect_tensor<uint8_t>(y, {255, 240}, {2});
  auto r = run_node({"BitShift", 11, {V(make<uint8_t>({1}, {1})), V(make<uint8_t>({1}, {1}))},
                     {attr_string("direction", "UP")}});
  EXPECT_FALSE(r.ok());
}

TEST(MathUnary, Basics) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor y = run_ok({"Abs", 13, {V(make<int8_t>({-128, -3, 4}, {3}))}});
  expect_tensor<int8_t>(y, {-128, 3, 4}, {3});
  y = run_ok({"Neg", 13, {V(make<float>({1, -2}, {1, 2}))}});
  expect_tensor<float>(y, {-1, 2}, {1, 2});
  y = run_ok({"Round", 11, {V(make<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.6f}, {5}))}});
  expect_tensor<float>(y, {0, 2, 2, -0.0f, -2}, {5});
  y = run_ok({"Sign", 13, {V(make<float>({-3, 0, 2, nan}, {4}))}});
  expect_tensor<float>(y, {-1, 0, 1, nan}, {4});
  y = run_ok({"Sqrt", 13, {V(make<double>({4, 9}, {2}))}});
  expect_tensor<double>(y, {2, 3}, {2});
  y = run_ok({"Exp", 13, {V(make<float16>({float16(0.f), float16(1.f)}, {2}))}});
  expect_tensor<float16>(y, {float16(1.f), float16(2.71828f)}, {2});
  y = run_ok({"Erf", 13, {V(make<float>({0, 1}, {2}))}});
  expect_tensor<float>(y, {0, 0.8427008f}, {2});
  y = run_ok({"Floor", 13, {V(make<float>({}, {0}))}});
  expect_tensor<float>(y, {}, {0});
  y = run_ok({"Reciprocal", 13, {V(Tensor::scalar<float>(4))}});
  expect_tensor<float>(y, {0.25f}, {});
  auto r = run_node({"Sqrt", 13, {V(make<int32_t>({4}, {1}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathUnary, IsNaNIsInf) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor y = run_ok({"IsNaN", 13, {V(make<float>({1, nan, inf}, {3}))}});
  expect_tensor<bool>(y, {false, true, false}, {3});
  y = run_ok({"IsInf", 10, {V(make<double>({1, -inf, inf}, {3}))}, {attr_int("detect_positive", 0)}});
  expect_tensor<bool>(y, {false, true, false}, {3});
}

TEST(MathActivation, Values) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor y = run_ok({"Relu", 14, {V(make<float>({-1, 0, 2, nan}, {4}))}});
  expect_tensor<float>(y, {0, 0, 2, nan}, {4});
  y = run_ok({"Relu", 14, {V(make<int8_t>({-5, 5}, {2}))}});
  expect_tensor<int8_t>(y, {0, 5}, {2});
  y = run_ok({"LeakyRelu", 16, {V(make<float>({-2, 3}, {2}))}, {attr_float("alpha", 0.5f)}});
  expect_tensor<float>(y, {-1, 3}, {2});
  y = run_ok({"Sigmoid", 13, {V(make<float>({0, -1000, 1000}, {3}))}});
  expect_tensor<float>(y, {0.5f, 0, 1}, {3});
  y = run_ok({"HardSigmoid", 6, {V(make<float>({-10, 0, 10}, {3}))}});
  expect_tensor<float>(y, {0, 0.5f, 1}, {3});
  y = run_ok({"HardSwish", 14, {V(make<float>({-4, 1, 4}, {3}))}});
  expect_tensor<float>(y, {0, 1.0f * (1.0f / 6 + 0.5f), 4}, {3});
  y = run_ok({"Elu", 6, {V(make<float>({-1, 2}, {2}))}});
  expect_tensor<float>(y, {std::expm1(-1.0f), 2}, {2});
  y = run_ok({"Softplus", 1, {V(make<float>({0, 100, -100}, {3}))}});
  expect_tensor<float>(y, {std::log(2.0f), 100, 0}, {3});
  y = run_ok({"Softsign", 1, {V(make<float>({1, -3}, {2}))}});
  expect_tensor<float>(y, {0.5f, -0.75f}, {2});
  y = run_ok({"Gelu", 20, {V(make<float>({0, 1}, {2}))}});
  expect_tensor<float>(y, {0, 0.8413447f}, {2});
  y = run_ok({"Gelu", 20, {V(make<float>({1}, {1}))}, {attr_string("approximate", "tanh")}});
  expect_tensor<float>(y, {0.8411920f}, {1});
  y = run_ok({"Mish", 18, {V(make<float>({1}, {1}))}});
  expect_tensor<float>(y, {0.8650984f}, {1});
  y = run_ok({"Celu", 12, {V(make<float>({-1, 1}, {2}))}, {attr_float("alpha", 2.0f)}});
  expect_tensor<float>(y, {2.0f * std::expm1(-0.5f), 1}, {2});
  y = run_ok({"Shrink", 9, {V(make<int32_t>({-3, 0, 3}, {3}))}, {attr_float("lambd", 1.5f), attr_float("bias", 1.0f)}});
  expect_tensor<int32_t>(y, {-2, 0, 2}, {3});
  y = run_ok({"ThresholdedRelu", 10, {V(make<float>({0.5f, 2}, {2}))}});
  expect_tensor<float>(y, {0, 2}, {2});
  y = run_ok({"Swish", 24, {V(make<float>({0, 2}, {2}))}});
  expect_tensor<float>(y, {0, 2.0f / (1.0f + std::exp(-2.0f))}, {2});
  y = run_ok({"PRelu", 16, {V(make<float>({-1, -2, 3, -4}, {2, 2})), V(make<float>({0.5f, 2}, {2}))}});
  expect_tensor<float>(y, {-0.5f, -4, 3, -8}, {2, 2});
  // Before opset 7 a 1-D slope is per channel (axis 1), not numpy-aligned to the last axis.
  y = run_ok({"PRelu", 6, {V(make<float>({-1, -2, -3, -4, -5, -6}, {1, 2, 3})),
                           V(make<float>({0.5f, 2}, {2}))}});
  expect_tensor<float>(y, {-0.5f, -1, -1.5f, -8, -10, -12}, {1, 2, 3});
  auto r = run_node({"Gelu", 20, {V(make<float>({1}, {1}))}, {attr_string("approximate", "x")}});
  EXPECT_FALSE(r.ok());
}

TEST(MathVariadic, MinMaxSumMean) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor y = run_ok({"Max", 13, {V(make<float>({1, 5}, {2})), V(make<float>({3}, {1})),
                                 V(make<float>({0, nan}, {2}))}});
  expect_tensor<float>(y, {3, nan}, {2});
  y = run_ok({"Min", 13, {V(make<int32_t>({4}, {1})), V(make<int32_t>({1, 7, 3, 9}, {2, 2}))}});
  expect_tensor<int32_t>(y, {1, 4, 3, 4}, {2, 2});
  y = run_ok({"Sum", 13, {V(make<float>({1, 2}, {2}))}});
  expect_tensor<float>(y, {1, 2}, {2});
  y = run_ok({"Mean", 13, {V(make<float>({1}, {1})), V(make<float>({2}, {1})), V(make<float>({2, 6}, {1, 2}))}});
  expect_tensor<float>(y, {5.0f / 3, 3}, {1, 2});
  auto r = run_node({"Sum", 13, {V(make<float>({1, 2}, {2})), V(make<float>({1, 2, 3}, {3}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathWhere, Broadcasting) {
  Tensor y = run_ok({"Where", 16, {V(make<bool>({true, false}, {2, 1})), V(make<int64_t>({1, 2, 3}, {3})),
                                   V(Tensor::scalar<int64_t>(-1))}});
  expect_tensor<int64_t>(y, {1, 2, 3, -1, -1, -1}, {2, 3});
  y = run_ok({"Where", 16, {V(make<bool>({false, true}, {2})), V(make<std::string>({"a", "b"}, {2})),
                            V(make<std::string>({"c"}, {1}))}});
  expect_tensor<std::string>(y, {"c", "b"}, {2});
  auto r = run_node({"Where", 16, {V(make<int32_t>({1}, {1})), V(make<float>({1}, {1})), V(make<float>({1}, {1}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathClip, AttributesAndInputs) {
  Tensor y = run_ok({"Clip", 6, {V(make<float>({-5, 0, 5}, {3}))}, {attr_float("min", -1), attr_float("max", 1)}});
  expect_tensor<float>(y, {-1, 0, 1}, {3});
  y = run_ok({"Clip", 13, {V(make<int32_t>({-5, 0, 5}, {3})), Value(), V(Tensor::scalar<int32_t>(2))}});
  expect_tensor<int32_t>(y, {-5, 0, 2}, {3});
  y = run_ok({"Clip", 13, {V(make<float>({-5, 0, 5}, {3})), V(Tensor::scalar<float>(2)), V(Tensor::scalar<float>(1))}});
  expect_tensor<float>(y, {1, 1, 1}, {3});  // min > max: everything becomes max
  y = run_ok({"Clip", 13, {V(make<float>({-5, 5}, {2}))}});
  expect_tensor<float>(y, {-5, 5}, {2});
  auto r = run_node({"Clip", 13, {V(make<float>({1}, {1})), V(make<float>({1, 2}, {2}))}});
  EXPECT_FALSE(r.ok());
}

TEST(MathCast, NumbersStringsAndHalf) {
  Tensor y = run_ok({"Cast", 13, {V(make<float>({1.9f, -1.9f, 300.0f}, {3}))}, {attr_int("to", 6)}});
  expect_tensor<int32_t>(y, {1, -1, 300}, {3});
  y = run_ok({"Cast", 13, {V(make<float>({0.0f, 0.5f}, {2}))}, {attr_int("to", 9)}});
  expect_tensor<bool>(y, {false, true}, {2});
  y = run_ok({"Cast", 13, {V(make<double>({0.1, 1e-5, -2.5}, {3}))}, {attr_int("to", 8)}});
  expect_tensor<std::string>(y, {"0.1", "1e-05", "-2.5"}, {3});
  const float inf = std::numeric_limits<float>::infinity();
  y = run_ok({"Cast", 13, {V(make<float>({inf, -inf}, {2}))}, {attr_int("to", 8)}});
  expect_tensor<std::string>(y, {"INF", "-INF"}, {2});
  y = run_ok({"Cast", 13, {V(make<std::string>({"1e3", " +2.5", "-inf", "NaN", "INF"}, {5}))}, {attr_int("to", 1)}});
  ASSERT_EQ(y.dtype(), DataType::kFloat);
  ASSERT_EQ(y.numel(), 5);
  EXPECT_EQ(y.data<float>()[0], 1000.0f);
  EXPECT_EQ(y.data<float>()[1], 2.5f);
  EXPECT_EQ(y.data<float>()[2], -inf);  // (expect_tensor cannot compare infinities)
  EXPECT_TRUE(std::isnan(y.data<float>()[3]));
  EXPECT_EQ(y.data<float>()[4], inf);
  y = run_ok({"Cast", 13, {V(make<std::string>({"9007199254740993", "-7"}, {2}))}, {attr_int("to", 7)}});
  expect_tensor<int64_t>(y, {9007199254740993LL, -7}, {2});
  y = run_ok({"Cast", 13, {V(make<int64_t>({-3}, {1}))}, {attr_int("to", 8)}});
  expect_tensor<std::string>(y, {"-3"}, {1});
  y = run_ok({"Cast", 13, {V(make<float>({1.0f, 0.1f}, {2}))}, {attr_int("to", 10)}});
  expect_tensor<float16>(y, {float16(1.0f), float16(0.1f)}, {2});
  y = run_ok({"Cast", 13, {V(make<bfloat16>({bfloat16(2.0f)}, {1}))}, {attr_int("to", 11)}});
  expect_tensor<double>(y, {2.0}, {1});
  y = run_ok({"CastLike", 15, {V(make<int32_t>({-1}, {1})), V(make<uint8_t>({}, {0}))}});
  expect_tensor<uint8_t>(y, {255}, {1});
  auto r = run_node({"Cast", 13, {V(make<std::string>({"hello"}, {1}))}, {attr_int("to", 1)}});
  EXPECT_FALSE(r.ok());
  r = run_node({"Cast", 13, {V(make<float>({1}, {1}))}, {attr_int("to", 999)}});
  EXPECT_FALSE(r.ok());
}

TEST(MathIdentity, TensorsAndSequences) {
  Tensor x = make<float>({1, 2}, {2});
  Tensor y = run_ok({"Identity", 16, {V(x)}});
  expect_tensor<float>(y, {1, 2}, {2});
  auto r = run_node({"Identity", 16, {Value::sequence(DataType::kFloat, {V(x), V(x)})}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].is_sequence());
  EXPECT_EQ((*r)[0].items().size(), 2u);
}

}  // namespace
}  // namespace onyx::test
