// QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear: hand-computed values for per-tensor,
// per-axis and blocked parameters, round-half-even and saturation, float16 scales, float8
// conversions (exhaustive round trip), and error cases.
#include <cmath>
#include <cstring>
#include <limits>

#include "core/float8.h"
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec spec(const std::string& op, int opset, std::vector<Value> inputs,
              std::vector<ir::Attribute> attributes = {}, int num_outputs = 1) {
  NodeSpec s;
  s.op = op;
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  s.num_outputs = num_outputs;
  return s;
}

Tensor bytes(DataType dt, std::vector<uint8_t> v, Shape shape) {
  Tensor t(dt, std::move(shape));
  std::memcpy(t.raw_data(), v.data(), v.size());
  return t;
}

std::vector<uint8_t> bytes_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return std::vector<uint8_t>(p, p + t.numel());
}

TEST(QuantizeLinear, PerTensorRoundsHalfToEvenAndSaturates) {
  const Tensor y = run_ok(spec("QuantizeLinear", 13,
                               {make<float>({0.f, 1.5f, 2.5f, -1.f, 1000.f, 3.5f, -0.5f, -200.f},
                                            {2, 4}),
                                Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(128)}));
  expect_tensor<uint8_t>(y, {128, 130, 130, 127, 255, 132, 128, 0}, {2, 4});
}

TEST(QuantizeLinear, NoZeroPointDefaultsToUint8) {
  const Tensor y = run_ok(spec("QuantizeLinear", 10,
                               {make<float>({-1.f, 0.4f, 0.6f, 300.f}, {4}),
                                Tensor::scalar<float>(1.f)}));
  expect_tensor<uint8_t>(y, {0, 0, 1, 255}, {4});
}

TEST(QuantizeLinear, Int8AndScale) {
  const Tensor y = run_ok(spec("QuantizeLinear", 13,
                               {make<float>({1.f, -1.f, 0.25f, 0.75f, 1000.f, -1000.f}, {6}),
                                Tensor::scalar<float>(0.5f), Tensor::scalar<int8_t>(-1)}));
  // x / 0.5 = 2, -2, 0.5 -> 0, 1.5 -> 2, saturate
  expect_tensor<int8_t>(y, {1, -3, -1, 1, 127, -128}, {6});
}

TEST(QuantizeLinear, Int32Input) {
  const Tensor y = run_ok(spec("QuantizeLinear", 13,
                               {make<int32_t>({10, 15, 25, -35}, {4}),
                                Tensor::scalar<float>(10.f), Tensor::scalar<int8_t>(0)}));
  expect_tensor<int8_t>(y, {1, 2, 2, -4}, {4});
}

TEST(QuantizeLinear, PerAxis) {
  const Tensor y = run_ok(spec("QuantizeLinear", 13,
                               {make<float>({1, 2, 4, -3, 5, 7}, {2, 3}),
                                make<float>({1, 2, 4}, {3}), make<int8_t>({0, 1, -1}, {3})}));
  expect_tensor<int8_t>(y, {1, 2, 0, -3, 3, 1}, {2, 3});
  // Negative axis, axis 0.
  const Tensor y0 = run_ok(spec("QuantizeLinear", 13,
                                {make<float>({1, 2, 4, -3, 5, 7}, {2, 3}),
                                 make<float>({1, 2}, {2}), make<uint8_t>({10, 20}, {2})},
                                {attr_int("axis", -2)}));
  expect_tensor<uint8_t>(y0, {11, 12, 14, 18, 22, 24}, {2, 3});
}

TEST(QuantizeLinear, Blocked) {
  // x [2, 5], axis 1, block 2 -> scale [2, 3] (last block has one element).
  const Tensor y = run_ok(spec(
      "QuantizeLinear", 21,
      {make<float>({1, 2, 3, 4, 5, 4, 8, 16, 32, 7}, {2, 5}), make<float>({1, 2, 5, 4, 8, 2}, {2, 3}),
       make<int8_t>({0, 0, 1, 0, 0, -1}, {2, 3})},
      {attr_int("axis", 1), attr_int("block_size", 2)}));
  // row 0: 1/1, 2/1, 3/2=1.5->2, 4/2, 5/5+1 ; row 1: 4/4, 8/4, 16/8, 32/8, 7/2=3.5->4 -1
  expect_tensor<int8_t>(y, {1, 2, 2, 2, 2, 1, 2, 2, 4, 3}, {2, 5});
}

TEST(QuantizeLinear, OutputDtypeAttribute) {
  const Tensor y = run_ok(spec("QuantizeLinear", 21,
                               {make<float>({-70000.f, 3.f, 70000.f}, {3}),
                                Tensor::scalar<float>(1.f)},
                               {attr_int("output_dtype", 5 /* int16 */)}));
  expect_tensor<int16_t>(y, {-32768, 3, 32767}, {3});
}

TEST(QuantizeLinear, Float16InputAndScale) {
  const Tensor y = run_ok(spec(
      "QuantizeLinear", 19,
      {make<float16>({float16(1.f), float16(3.f), float16(-5.f)}, {3}),
       Tensor::scalar<float16>(float16(2.f)), Tensor::scalar<uint8_t>(100)}));
  expect_tensor<uint8_t>(y, {100, 102, 98}, {3});
}

TEST(QuantizeLinear, Float8SaturateAndNot) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = make<float>({0.5f, 448.f, 1000.f, -1000.f, 0.001f, nan, 464.f, -0.f}, {8});
  const Tensor zp = bytes(DataType::kFloat8E4M3FN, {0}, {});
  const Tensor y = run_ok(spec("QuantizeLinear", 19, {x, Tensor::scalar<float>(1.f), zp}));
  ASSERT_EQ(y.dtype(), DataType::kFloat8E4M3FN);
  EXPECT_EQ(bytes_of(y), (std::vector<uint8_t>{0x30, 0x7E, 0x7E, 0xFE, 0x01, 0x7F, 0x7E, 0x80}));
  const Tensor n = run_ok(
      spec("QuantizeLinear", 19, {x, Tensor::scalar<float>(1.f), zp}, {attr_int("saturate", 0)}));
  EXPECT_EQ(bytes_of(n), (std::vector<uint8_t>{0x30, 0x7E, 0x7F, 0xFF, 0x01, 0x7F, 0x7E, 0x80}));
  // e5m2: inf saturates to max, or stays inf.
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x2 = make<float>({1.f, 57344.f, inf, -inf, 1e6f}, {5});
  const Tensor zp2 = bytes(DataType::kFloat8E5M2, {0}, {});
  const Tensor y2 = run_ok(spec("QuantizeLinear", 19, {x2, Tensor::scalar<float>(1.f), zp2}));
  EXPECT_EQ(bytes_of(y2), (std::vector<uint8_t>{0x3C, 0x7B, 0x7B, 0xFB, 0x7B}));
  const Tensor n2 = run_ok(spec("QuantizeLinear", 19, {x2, Tensor::scalar<float>(1.f), zp2},
                                {attr_int("saturate", 0)}));
  EXPECT_EQ(bytes_of(n2), (std::vector<uint8_t>{0x3C, 0x7B, 0x7C, 0xFC, 0x7C}));
  // fnuz: no negative zero, NaN is 0x80.
  const Tensor zp3 = bytes(DataType::kFloat8E4M3FNUZ, {0}, {});
  const Tensor y3 = run_ok(spec("QuantizeLinear", 19,
                                {make<float>({-0.f, nan, 240.f, 1000.f}, {4}),
                                 Tensor::scalar<float>(1.f), zp3}));
  EXPECT_EQ(bytes_of(y3), (std::vector<uint8_t>{0x00, 0x80, 0x7F, 0x7F}));
}

TEST(Float8, RoundTripsEveryCode) {
  for (DataType dt : {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2,
                      DataType::kFloat8E5M2FNUZ}) {
    const auto f = *float8_format(dt);
    for (int c = 0; c < 256; ++c) {
      const float v = float8_to_float(static_cast<uint8_t>(c), f);
      if (std::isnan(v) || std::isinf(v)) continue;
      EXPECT_EQ(float_to_float8(v, f, true), c) << data_type_name(dt) << " code " << c;
      // Halfway to the next code rounds to the even one.
    }
  }
  const auto e4 = *float8_format(DataType::kFloat8E4M3FN);
  EXPECT_EQ(float8_to_float(0x01, e4), std::ldexp(1.f, -9));
  EXPECT_EQ(float8_to_float(0x7E, e4), 448.f);
  EXPECT_EQ(float_to_float8(1.0625f, e4, true), 0x38);  // tie between 1 and 1.125 -> 1
  EXPECT_EQ(float_to_float8(1.1875f, e4, true), 0x3A);  // tie 1.125 / 1.25 -> 1.25
  EXPECT_EQ(float_to_float8(std::ldexp(1.5f, -10), e4, true), 0x01);  // 0.75 ulp -> 1
  EXPECT_EQ(float_to_float8(std::ldexp(1.f, -10), e4, true), 0x00);   // tie -> 0
}

TEST(QuantizeLinear, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  // per-axis length mismatch
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 13,
                             {x, make<float>({1, 2}, {2}), make<uint8_t>({0, 0}, {2})}))
                   .ok());
  // axis out of range
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 13, {x, make<float>({1, 2, 3}, {3})},
                             {attr_int("axis", 2)}))
                   .ok());
  // zero point shape differs from scale shape
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 13,
                             {x, make<float>({1, 2, 3}, {3}), make<uint8_t>({0, 0}, {2})}))
                   .ok());
  // blocked: wrong number of blocks
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 21, {x, make<float>({1, 2, 3, 4}, {2, 2})},
                             {attr_int("axis", 1), attr_int("block_size", 1)}))
                   .ok());
  // 2-D scale without block_size
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 21, {x, make<float>({1, 2, 3, 4}, {2, 2})})).ok());
  // output_dtype disagrees with the zero point
  EXPECT_FALSE(run_node(spec("QuantizeLinear", 21,
                             {x, Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(0)},
                             {attr_int("output_dtype", 3)}))
                   .ok());
  // A float output type is not a quantized type (clear error, no crash).
  const auto r = run_node(spec("QuantizeLinear", 21, {x, Tensor::scalar<float>(1.f)},
                               {attr_int("output_dtype", 1)}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("float"), std::string::npos) << r.status().message();
}

TEST(QuantizeLinear, EmptyAndScalarInput) {
  const Tensor y = run_ok(spec("QuantizeLinear", 13,
                               {make<float>({}, {0, 3}), make<float>({1, 2, 3}, {3}),
                                make<uint8_t>({0, 0, 0}, {3})}));
  expect_tensor<uint8_t>(y, {}, {0, 3});
  const Tensor s = run_ok(spec("QuantizeLinear", 13,
                               {Tensor::scalar<float>(2.5f), Tensor::scalar<float>(1.f)}));
  expect_tensor<uint8_t>(s, {2}, {});
}

TEST(DequantizeLinear, PerTensor) {
  const Tensor y = run_ok(spec("DequantizeLinear", 13,
                               {make<uint8_t>({0, 128, 255}, {3}), Tensor::scalar<float>(0.5f),
                                Tensor::scalar<uint8_t>(128)}));
  expect_tensor<float>(y, {-64.f, 0.f, 63.5f}, {3});
  const Tensor i32 = run_ok(spec("DequantizeLinear", 10,
                                 {make<int32_t>({-7, 1 << 20}, {2}), Tensor::scalar<float>(2.f)}));
  expect_tensor<float>(i32, {-14.f, 2097152.f}, {2});
}

TEST(DequantizeLinear, PerAxisAndBlocked) {
  const Tensor y = run_ok(spec("DequantizeLinear", 13,
                               {make<int8_t>({1, 2, 3, 4, 5, 6}, {1, 2, 3}),
                                make<float>({1.f, 10.f}, {2}), make<int8_t>({1, -1}, {2})}));
  expect_tensor<float>(y, {0, 1, 2, 50, 60, 70}, {1, 2, 3});
  const Tensor b = run_ok(spec("DequantizeLinear", 21,
                               {make<int8_t>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                make<float>({1.f, 10.f, 2.f, 3.f}, {2, 2}),
                                make<int8_t>({0, 1, 0, 0}, {2, 2})},
                               {attr_int("axis", 1), attr_int("block_size", 2)}));
  expect_tensor<float>(b, {1, 2, 20, 8, 10, 18}, {2, 3});
  const Tensor c = run_ok(spec("DequantizeLinear", 21,
                               {make<uint16_t>({1, 2, 3, 4, 5}, {5}), make<float>({1.f, 2.f}, {2}),
                                make<uint16_t>({0, 1}, {2})},
                               {attr_int("axis", 0), attr_int("block_size", 3)}));
  expect_tensor<float>(c, {1, 2, 3, 6, 8}, {5});
}

TEST(DequantizeLinear, Float16ScaleAndOutputDtype) {
  const Tensor y = run_ok(spec("DequantizeLinear", 19,
                               {make<int8_t>({-2, 3}, {2}), Tensor::scalar<float16>(float16(0.25f))}));
  expect_tensor<float16>(y, {float16(-0.5f), float16(0.75f)}, {2});
  const Tensor z = run_ok(spec("DequantizeLinear", 23,
                               {make<int8_t>({-2, 3}, {2}), Tensor::scalar<float>(0.25f)},
                               {attr_int("output_dtype", 10 /* float16 */)}));
  expect_tensor<float16>(z, {float16(-0.5f), float16(0.75f)}, {2});
}

TEST(DequantizeLinear, Float8) {
  const Tensor x = bytes(DataType::kFloat8E4M3FN, {0x30, 0x7E, 0xB8, 0x7F}, {4});
  const Tensor y = run_ok(spec("DequantizeLinear", 19, {x, Tensor::scalar<float>(2.f)}));
  expect_tensor<float>(y, {1.f, 896.f, -2.f, std::nanf("")}, {4});
  const Tensor x2 = bytes(DataType::kFloat8E5M2, {0x3C, 0x7C, 0x01}, {3});
  const Tensor y2 = run_ok(spec("DequantizeLinear", 19, {x2, Tensor::scalar<float>(1.f)}));
  expect_tensor<float>(y2, {1.f, INFINITY, std::ldexp(1.f, -16)}, {3});
}

TEST(DequantizeLinear, Errors) {
  const Tensor x = make<int8_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_FALSE(run_node(spec("DequantizeLinear", 13,
                             {x, Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(0)}))
                   .ok());  // zero point type differs
  EXPECT_FALSE(run_node(spec("DequantizeLinear", 13, {x, make<float>({1, 2, 3}, {3})})).ok());
  EXPECT_FALSE(run_node(spec("DequantizeLinear", 13, {x, Tensor::scalar<int32_t>(1)})).ok());
}

TEST(DynamicQuantizeLinear, HandValues) {
  const auto r = run_node(spec("DynamicQuantizeLinear", 11,
                               {make<float>({0.f, 2.f, -3.f, 1.3f}, {2, 2})}, {}, 3));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<uint8_t>((*r)[0].tensor(), {153, 255, 0, 219}, {2, 2});
  expect_tensor<float>((*r)[1].tensor(), {5.f / 255.f}, {});
  expect_tensor<uint8_t>((*r)[2].tensor(), {153}, {});
  // All positive: min clamps to 0, zero point 0.
  const auto p = run_node(spec("DynamicQuantizeLinear", 11, {make<float>({0.f, 51.f}, {2})}, {}, 3));
  ASSERT_TRUE(p.ok());
  expect_tensor<uint8_t>((*p)[0].tensor(), {0, 255}, {2});
  expect_tensor<float>((*p)[1].tensor(), {0.2f}, {});
  // All zero / empty: scale 0, everything 0.
  const auto z = run_node(spec("DynamicQuantizeLinear", 11, {make<float>({}, {0})}, {}, 3));
  ASSERT_TRUE(z.ok());
  expect_tensor<float>((*z)[1].tensor(), {0.f}, {});
  expect_tensor<uint8_t>((*z)[2].tensor(), {0}, {});
}

}  // namespace
}  // namespace onyx::test
