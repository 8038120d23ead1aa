// QuantizeLinear / DequantizeLinear with the packed types int4, uint4, int2, uint2, float4e2m1:
// saturation to the narrow ranges, packed zero points, per-axis runs that share a byte.
#include <cstring>

#include "test_util.h"

namespace onyx::test {
namespace {

TEST(QuantizeSubByte, Int4SaturatesWithPackedZeroPoint) {
  Tensor x = make<float>({-20.f, 3.f, 5.f}, {3});
  Tensor zp = coded(DataType::kInt4, {0x01}, {});
  Tensor y = run_ok({"QuantizeLinear", 21, {V(x), V(Tensor::scalar(2.0f)), V(zp)}});
  ASSERT_EQ(y.dtype(), DataType::kInt4);
  // round(-10) + 1 = -9 -> -8; round(1.5) + 1 = 3; round(2.5) + 1 = 3
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x38, 0x03}));
  Tensor back = run_ok({"DequantizeLinear", 21, {V(y), V(Tensor::scalar(2.0f)), V(zp)}});
  expect_tensor<float>(back, {-18.f, 4.f, 4.f}, {3});
}

TEST(QuantizeSubByte, Uint2FromOutputDtype) {
  Tensor x = make<float>({0.f, 1.f, 2.f, 3.f, 10.f, -1.f, 2.9f}, {7});
  Tensor y = run_ok({"QuantizeLinear", 25, {V(x), V(Tensor::scalar(1.0f))},
                     {attr_int("output_dtype", static_cast<int64_t>(DataType::kUInt2))}});
  ASSERT_EQ(y.dtype(), DataType::kUInt2);
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0xE4, 0x33}));
}

TEST(QuantizeSubByte, PerAxisRunsSharingAByte) {
  Tensor x = make<float>({3.f, 6.f, -40.f}, {3, 1});
  Tensor scale = make<float>({1.f, 2.f, 4.f}, {3});
  Tensor zp = coded(DataType::kInt4, {0x00, 0x00}, {3});
  Tensor y = run_ok({"QuantizeLinear", 21, {V(x), V(scale), V(zp)}, {attr_int("axis", 0)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x33, 0x08}));
}

TEST(QuantizeSubByte, Float4E2M1) {
  Tensor x = make<float>({1.25f, -7.f, 0.3f}, {3});
  Tensor zp = coded(DataType::kFloat4E2M1, {0x00}, {});
  Tensor y = run_ok({"QuantizeLinear", 23, {V(x), V(Tensor::scalar(1.0f)), V(zp)}});
  ASSERT_EQ(y.dtype(), DataType::kFloat4E2M1);
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0xF2, 0x01}));
  Tensor back = run_ok({"DequantizeLinear", 23, {V(y), V(Tensor::scalar(2.0f)), V(zp)}});
  expect_tensor<float>(back, {2.f, -12.f, 1.f}, {3});
}

TEST(QuantizeSubByte, DequantizeUint2PerAxis) {
  Tensor x = coded(DataType::kUInt2, {0xE4}, {2, 2});
  Tensor scale = make<float>({1.f, 10.f}, {2});
  Tensor zp = coded(DataType::kUInt2, {0x09}, {2});
  Tensor y = run_ok({"DequantizeLinear", 25, {V(x), V(scale), V(zp)}, {attr_int("axis", 0)}});
  expect_tensor<float>(y, {-1.f, 0.f, 0.f, 10.f}, {2, 2});
  // int2 is not a DequantizeLinear input before opset 25.
  EXPECT_FALSE(run_node({"DequantizeLinear", 23, {V(coded(DataType::kInt2, {0x00}, {2})),
                                                   V(Tensor::scalar(1.0f))}})
                   .ok());
  // The zero point must have x's type.
  auto bad = run_node({"DequantizeLinear", 25, {V(x), V(scale), V(coded(DataType::kUInt4, {0}, {2}))},
                       {attr_int("axis", 0)}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("differs"), std::string::npos);
}

}  // namespace
}  // namespace onyx::test
