// Packed sub-byte element types (int4, uint4, float4e2m1, int2, uint2) and float8e8m0: sizes,
// allocation, packing and the value codecs of core/sub_byte.h and core/float8.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/float8.h"
#include "core/sub_byte.h"
#include "core/tensor.h"

namespace onyx {
namespace {

TEST(SubByteTypes, CodesNamesAndSizes) {
  EXPECT_EQ(data_type_from_onnx(24), DataType::kFloat8E8M0);
  EXPECT_EQ(data_type_from_onnx(25), DataType::kUInt2);
  EXPECT_EQ(data_type_from_onnx(26), DataType::kInt2);
  EXPECT_FALSE(data_type_from_onnx(27).has_value());
  EXPECT_EQ(data_type_name(DataType::kInt2), "int2");
  EXPECT_EQ(data_type_from_name("float8e8m0"), DataType::kFloat8E8M0);
  EXPECT_EQ(data_type_size(DataType::kFloat8E8M0), 1u);
  for (DataType dt : {DataType::kInt4, DataType::kUInt4, DataType::kFloat4E2M1}) {
    EXPECT_TRUE(is_sub_byte(dt));
    EXPECT_EQ(data_type_size(dt), 0u);
    EXPECT_EQ(data_type_bits(dt), 4u);
  }
  EXPECT_EQ(data_type_bits(DataType::kUInt2), 2u);
  EXPECT_EQ(data_type_bits(DataType::kFloat16), 16u);
  EXPECT_FALSE(is_sub_byte(DataType::kUInt8));
  EXPECT_EQ(data_type_storage_bytes(DataType::kInt4, 5), 3u);
  EXPECT_EQ(data_type_storage_bytes(DataType::kInt2, 5), 2u);
  EXPECT_EQ(data_type_storage_bytes(DataType::kInt2, 8), 2u);
  EXPECT_EQ(data_type_storage_bytes(DataType::kInt2, 0), 0u);
  EXPECT_EQ(data_type_storage_bytes(DataType::kFloat, 3), 12u);
}

TEST(SubByteTypes, TensorStorageIsPackedAndPaddingZero) {
  Tensor t(DataType::kInt4, {3});
  EXPECT_EQ(t.numel(), 3);
  EXPECT_EQ(t.nbytes(), 2u);
  EXPECT_EQ(t.data<uint8_t>()[1] & 0xF0, 0);  // padding nibble
  Tensor u(DataType::kUInt2, {2, 3});
  EXPECT_EQ(u.nbytes(), 2u);
  packed_set(u.raw_data(), 5, 2, 3);
  packed_set(u.raw_data(), 4, 2, 1);
  EXPECT_EQ(u.data<uint8_t>()[1], 0x0D);  // elements 4, 5 in bits 0-1, 2-3; padding stays 0
  Tensor c = u.clone();
  EXPECT_EQ(packed_get(c.raw_data(), 5, 2), 3);
  Tensor e(DataType::kFloat4E2M1, {0});
  EXPECT_EQ(e.nbytes(), 0u);
  const size_t limit = max_allocation_bytes();
  set_max_allocation_bytes(16);
  EXPECT_THROW(Tensor(DataType::kInt4, {33}), std::length_error);
  EXPECT_NO_THROW(Tensor(DataType::kInt4, {32}));
  set_max_allocation_bytes(limit);
}

TEST(SubByteTypes, PackedGetSetLowBitsFirst) {
  uint8_t bytes[2] = {0x87, 0x0F};
  EXPECT_EQ(packed_get(bytes, 0, 4), 0x7);
  EXPECT_EQ(packed_get(bytes, 1, 4), 0x8);
  EXPECT_EQ(sub_byte_int_value(0x8, DataType::kInt4), -8);
  EXPECT_EQ(sub_byte_int_value(0x8, DataType::kUInt4), 8);
  EXPECT_EQ(sub_byte_int_value(0x3, DataType::kInt2), -1);
  EXPECT_EQ(sub_byte_int_value(0x1, DataType::kInt2), 1);
  packed_set(bytes, 1, 4, 0x1F);  // only the low 4 bits are stored
  EXPECT_EQ(bytes[0], 0xF7);
  const uint8_t codes[5] = {1, 2, 3, 0, 1};
  uint8_t packed[2] = {0xFF, 0xFF};
  pack_codes(codes, 5, 2, packed);
  EXPECT_EQ(packed[0], 0x39);  // 1 | 2 << 2 | 3 << 4 | 0 << 6
  EXPECT_EQ(packed[1], 0x01);
}

TEST(SubByteTypes, Float4E2M1RoundsToEvenAndSaturates) {
  EXPECT_EQ(float4e2m1_to_float(0x7), 6.0f);
  EXPECT_EQ(float4e2m1_to_float(0xE), -4.0f);
  EXPECT_TRUE(std::signbit(float4e2m1_to_float(0x8)));
  for (uint8_t c = 0; c < 16; ++c) EXPECT_EQ(float_to_float4e2m1(float4e2m1_to_float(c)), c);
  EXPECT_EQ(float_to_float4e2m1(0.25), 0x0);   // tie 0 / 0.5 -> 0
  EXPECT_EQ(float_to_float4e2m1(0.75), 0x2);   // tie 0.5 / 1 -> 1
  EXPECT_EQ(float_to_float4e2m1(2.5), 0x4);    // tie 2 / 3 -> 2
  EXPECT_EQ(float_to_float4e2m1(3.5), 0x6);    // tie 3 / 4 -> 4
  EXPECT_EQ(float_to_float4e2m1(5.0), 0x6);    // tie 4 / 6 -> 4
  EXPECT_EQ(float_to_float4e2m1(5.01), 0x7);
  EXPECT_EQ(float_to_float4e2m1(-1e9), 0xF);
  EXPECT_EQ(float_to_float4e2m1(std::numeric_limits<double>::infinity()), 0x7);
  EXPECT_EQ(float_to_float4e2m1(std::nan("")), 0x8);
  EXPECT_EQ(float_to_float4e2m1(-0.0), 0x8);
}

TEST(SubByteTypes, Float8E8M0RoundingModes) {
  EXPECT_EQ(float8e8m0_to_float(127), 1.0f);
  EXPECT_EQ(float8e8m0_to_float(0), std::ldexp(1.0f, -127));
  EXPECT_TRUE(std::isnan(float8e8m0_to_float(0xFF)));
  using R = E8M0Rounding;
  EXPECT_EQ(float_to_float8e8m0(1.1f, R::kUp, true), 128);
  EXPECT_EQ(float_to_float8e8m0(1.9f, R::kDown, true), 127);
  EXPECT_EQ(float_to_float8e8m0(1.4f, R::kNearest, true), 127);
  EXPECT_EQ(float_to_float8e8m0(1.5f, R::kNearest, true), 128);  // ties up
  EXPECT_EQ(float_to_float8e8m0(-4.0f, R::kUp, true), 129);      // sign ignored
  EXPECT_EQ(float_to_float8e8m0(0.0f, R::kUp, true), 0);
  EXPECT_EQ(float_to_float8e8m0(std::numeric_limits<float>::infinity(), R::kUp, true), 0xFF);
  const float big = std::ldexp(1.5f, 127);  // exponent field 0xFE with a fraction
  EXPECT_EQ(float_to_float8e8m0(big, R::kUp, true), 0xFE);
  EXPECT_EQ(float_to_float8e8m0(big, R::kUp, false), 0xFF);
}

}  // namespace
}  // namespace onyx
