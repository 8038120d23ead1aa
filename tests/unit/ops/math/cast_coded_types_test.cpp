// Cast / CastLike to and from float8 (e4m3fn, e5m2, e8m0), float4e2m1 and the packed int4 / uint4 /
// int2 / uint2 types: rounding, saturate, round_mode, wrapping and packing.
#include <cmath>
#include <cstring>
#include <limits>

#include "test_util.h"

namespace onyx::test {
namespace {

ir::Attribute to(DataType dt) { return attr_int("to", static_cast<int64_t>(dt)); }

TEST(CastCodedTypes, FloatToInt4TruncatesAndWraps) {
  Tensor x = make<float>({-9.f, -8.f, 7.f, 8.f, 2.7f, -2.7f, 15.f}, {7});
  Tensor y = run_ok({"Cast", 21, {V(x)}, {to(DataType::kInt4)}});
  ASSERT_EQ(y.dtype(), DataType::kInt4);
  EXPECT_EQ(y.shape(), Shape({7}));
  // 7, -8, 7, -8, 2, -2, -1 as nibbles, low first; the last high nibble is padding (0).
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x87, 0x87, 0xE2, 0x0F}));
  y = run_ok({"Cast", 21, {V(x)}, {to(DataType::kUInt4)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x87, 0x87, 0xE2, 0x0F}));
}

TEST(CastCodedTypes, PackedIntegersToStandardTypes) {
  Tensor i4 = coded(DataType::kInt4, {0x87, 0x0F}, {3});
  expect_tensor<float>(run_ok({"Cast", 21, {V(i4)}, {to(DataType::kFloat)}}), {7, -8, -1}, {3});
  expect_tensor<int64_t>(run_ok({"Cast", 21, {V(i4)}, {to(DataType::kInt64)}}), {7, -8, -1}, {3});
  Tensor u2 = coded(DataType::kUInt2, {0x39, 0x01}, {5, 1});
  expect_tensor<uint8_t>(run_ok({"Cast", 25, {V(u2)}, {to(DataType::kUInt8)}}), {1, 2, 3, 0, 1},
                         {5, 1});
  Tensor i2 = coded(DataType::kInt2, {0x39}, {4});
  expect_tensor<std::string>(run_ok({"Cast", 25, {V(i2)}, {to(DataType::kString)}}),
                             {"1", "-2", "-1", "0"}, {4});
  expect_tensor<bool>(run_ok({"Cast", 25, {V(i2)}, {to(DataType::kBool)}}),
                      {true, true, true, false}, {4});
}

TEST(CastCodedTypes, Float8SaturateAttribute) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = make<float>({1000.f, -inf, 1.0625f, 0.f}, {4});
  Tensor y = run_ok({"Cast", 19, {V(x)}, {to(DataType::kFloat8E4M3FN)}});
  ASSERT_EQ(y.dtype(), DataType::kFloat8E4M3FN);
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7E, 0xFE, 0x38, 0x00}));  // 1.0625: tie -> 1
  y = run_ok({"Cast", 19, {V(x)}, {to(DataType::kFloat8E4M3FN), attr_int("saturate", 0)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7F, 0xFF, 0x38, 0x00}));
  y = run_ok({"Cast", 19, {V(x)}, {to(DataType::kFloat8E5M2), attr_int("saturate", 0)}});
  EXPECT_EQ(raw_of(y)[1], 0xFC);  // -inf stays -inf in e5m2
  // CastLike reads saturate too; the target's values are ignored.
  Tensor like = coded(DataType::kFloat8E4M3FN, {0x00}, {1});
  y = run_ok({"CastLike", 19, {V(x), V(like)}, {attr_int("saturate", 0)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7F, 0xFF, 0x38, 0x00}));
}

TEST(CastCodedTypes, Float8ToStandardAndOtherCodedTypes) {
  Tensor x = coded(DataType::kFloat8E5M2, {0x7C, 0x3C, 0xC0, 0x7F}, {2, 2});
  Tensor y = run_ok({"Cast", 19, {V(x)}, {to(DataType::kFloat16)}});
  ASSERT_EQ(y.dtype(), DataType::kFloat16);
  EXPECT_TRUE(std::isinf(static_cast<float>(y.data<float16>()[0])));
  EXPECT_EQ(static_cast<float>(y.data<float16>()[1]), 1.0f);
  EXPECT_EQ(static_cast<float>(y.data<float16>()[2]), -2.0f);
  EXPECT_TRUE(std::isnan(static_cast<float>(y.data<float16>()[3])));
  // e4m3fn 0x48 = 4.0, 0xBC = -1.5 -> int4 4, -1 (truncated)
  Tensor f8 = coded(DataType::kFloat8E4M3FN, {0x48, 0xBC}, {2});
  y = run_ok({"Cast", 21, {V(f8)}, {to(DataType::kInt4)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0xF4}));
  // float8 -> float8 goes through float: 448 does not fit e4m3fnuz (max 240): saturates.
  Tensor big = coded(DataType::kFloat8E4M3FN, {0x7E}, {1});
  y = run_ok({"Cast", 19, {V(big)}, {to(DataType::kFloat8E4M3FNUZ)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7F}));
}

TEST(CastCodedTypes, Float4E2M1BothWays) {
  Tensor x = make<float>({0.48f, 0.25f, -3.5f, 9.f, std::nanf("")}, {5});
  Tensor y = run_ok({"Cast", 23, {V(x)}, {to(DataType::kFloat4E2M1)}});
  ASSERT_EQ(y.dtype(), DataType::kFloat4E2M1);
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x01, 0x7E, 0x08}));
  Tensor back = run_ok({"Cast", 23, {V(y)}, {to(DataType::kFloat)}});
  expect_tensor<float>(back, {0.5f, 0.f, -4.f, 6.f, 0.f}, {5});
  EXPECT_TRUE(std::signbit(back.data<float>()[4]));
}

TEST(CastCodedTypes, Float8E8M0RoundModes) {
  Tensor x = make<float>({0.124f, 1.1f, 1.5f, 8.f}, {4});
  Tensor y = run_ok({"Cast", 24, {V(x)}, {to(DataType::kFloat8E8M0)}});  // default "up"
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7C, 0x80, 0x80, 0x82}));
  y = run_ok({"Cast", 25, {V(x)}, {to(DataType::kFloat8E8M0), attr_string("round_mode", "down")}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7B, 0x7F, 0x7F, 0x82}));
  y = run_ok(
      {"Cast", 25, {V(x)}, {to(DataType::kFloat8E8M0), attr_string("round_mode", "nearest")}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x7C, 0x7F, 0x80, 0x82}));
  expect_tensor<float>(run_ok({"Cast", 25, {V(y)}, {to(DataType::kFloat)}}), {0.125f, 1, 2, 8},
                       {4});
  auto bad = run_node(
      {"Cast", 25, {V(x)}, {to(DataType::kFloat8E8M0), attr_string("round_mode", "zero")}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("round_mode"), std::string::npos);
}

TEST(CastCodedTypes, StringsAndEdgeCases) {
  Tensor s = make<std::string>({"3", " -1", "9"}, {3});
  Tensor y = run_ok({"Cast", 21, {V(s)}, {to(DataType::kInt4)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0xF3, 0x09}));
  Tensor text = make<std::string>({"1.5", "abc"}, {2});
  auto bad = run_node({"Cast", 21, {V(text)}, {to(DataType::kFloat8E4M3FN)}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot parse 'abc'"), std::string::npos);
  // Empty tensors and same-type casts.
  y = run_ok({"Cast", 21, {V(make<float>({}, {0, 3}))}, {to(DataType::kUInt4)}});
  EXPECT_EQ(y.shape(), Shape({0, 3}));
  EXPECT_EQ(y.nbytes(), 0u);
  Tensor i4 = coded(DataType::kInt4, {0x21}, {2});
  y = run_ok({"Cast", 21, {V(i4)}, {to(DataType::kInt4)}});
  EXPECT_TRUE(y.shares_buffer_with(i4));
  // A 2-bit output spread over several bytes, odd count.
  y = run_ok({"Cast", 25, {V(make<int32_t>({1, -2, -1, 0, 1, 5}, {6}))}, {to(DataType::kInt2)}});
  EXPECT_EQ(raw_of(y), (std::vector<uint8_t>{0x39, 0x05}));
}

}  // namespace
}  // namespace onyx::test
