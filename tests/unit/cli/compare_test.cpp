// Tests of the value comparison used by `onyx test` (tools/onyx/compare.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "compare.h"

namespace onyx::cli {
namespace {

Value f32(std::vector<float> v, Shape s) { return Value(Tensor::from_vector(v, std::move(s))); }

TEST(CliCompare, FloatTolerance) {
  EXPECT_EQ(compare_values(f32({1.0f, 2.0f}, {2}), f32({1.0005f, 2.0f}, {2}), "y"), "");
  const std::string m = compare_values(f32({1.0f, 2.0f}, {2}), f32({1.01f, 2.0f}, {2}), "y");
  EXPECT_NE(m.find("value mismatch at [0]"), std::string::npos) << m;
}

TEST(CliCompare, NanAndInf) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(compare_values(f32({nan, inf}, {2}), f32({nan, inf}, {2}), "y"), "");
  EXPECT_NE(compare_values(f32({nan}, {1}), f32({1}, {1}), "y"), "");
  EXPECT_NE(compare_values(f32({inf}, {1}), f32({-inf}, {1}), "y"), "");
}

TEST(CliCompare, TypeAndShapeExact) {
  EXPECT_NE(compare_values(f32({1, 2}, {2}), f32({1, 2}, {1, 2}), "y").find("shape"),
            std::string::npos);
  Value d(Tensor::from_vector(std::vector<double>{1, 2}, {2}));
  EXPECT_NE(compare_values(f32({1, 2}, {2}), d, "y").find("element type"), std::string::npos);
}

TEST(CliCompare, IntegersStringsExact) {
  Value a(Tensor::from_vector(std::vector<int64_t>{1000000, 2}, {2}));
  Value b(Tensor::from_vector(std::vector<int64_t>{1000001, 2}, {2}));
  EXPECT_NE(compare_values(a, b, "y"), "");
  Value s1(Tensor::from_vector(std::vector<std::string>{"a", "b"}, {2}));
  Value s2(Tensor::from_vector(std::vector<std::string>{"a", "c"}, {2}));
  EXPECT_EQ(compare_values(s1, s1, "y"), "");
  EXPECT_NE(compare_values(s1, s2, "y").find("\"c\""), std::string::npos);
}

TEST(CliCompare, Float16ViaFloat) {
  Value a(Tensor::from_vector(std::vector<float16>{float16(1.0f)}, {1}));
  Value b(Tensor::from_vector(std::vector<float16>{float16(1.5f)}, {1}));
  EXPECT_EQ(compare_values(a, a, "y"), "");
  EXPECT_NE(compare_values(a, b, "y"), "");
}

TEST(CliCompare, SequencesMapsOptionals) {
  Value s1 = Value::sequence(DataType::kFloat, {f32({1}, {1}), f32({2}, {1})});
  Value s2 = Value::sequence(DataType::kFloat, {f32({1}, {1}), f32({3}, {1})});
  Value s3 = Value::sequence(DataType::kFloat, {f32({1}, {1})});
  EXPECT_EQ(compare_values(s1, s1, "y"), "");
  EXPECT_NE(compare_values(s1, s2, "y").find("y[1]"), std::string::npos);
  EXPECT_NE(compare_values(s1, s3, "y").find("sequence of 2"), std::string::npos);
  EXPECT_NE(compare_values(s1, f32({1}, {1}), "y"), "");

  Value m1 = Value::map(Tensor::from_vector(std::vector<int64_t>{1, 2}, {2}),
                        Tensor::from_vector(std::vector<float>{0.5f, 0.25f}, {2}));
  Value m2 = Value::map(Tensor::from_vector(std::vector<int64_t>{1, 2}, {2}),
                        Tensor::from_vector(std::vector<float>{0.5f, 0.75f}, {2}));
  EXPECT_EQ(compare_values(m1, m1, "y"), "");
  EXPECT_NE(compare_values(m1, m2, "y").find("values"), std::string::npos);

  Value none = Value::optional(nullptr);
  Value some = Value::optional(std::make_shared<Value>(f32({1}, {1})));
  Value other = Value::optional(std::make_shared<Value>(f32({2}, {1})));
  EXPECT_EQ(compare_values(none, none, "y"), "");
  EXPECT_EQ(compare_values(some, some, "y"), "");
  EXPECT_NE(compare_values(none, some, "y"), "");
  EXPECT_NE(compare_values(some, other, "y"), "");
}

// Float8 / float4 compare decoded (any NaN code equals any other); packed integers compare
// values, ignoring padding bits.
TEST(CliCompare, CodedTypesCompareValues) {
  auto coded = [](DataType dt, std::vector<uint8_t> raw, Shape shape) {
    Tensor t(dt, std::move(shape));
    std::memcpy(t.raw_data(), raw.data(), raw.size());
    return Value(t);
  };
  EXPECT_EQ(compare_values(coded(DataType::kFloat8E4M3FN, {0x7F, 0x38}, {2}),
                           coded(DataType::kFloat8E4M3FN, {0xFF, 0x38}, {2}), "y"),
            "");
  const std::string m = compare_values(coded(DataType::kFloat8E4M3FN, {0x7F, 0x38}, {2}),
                                       coded(DataType::kFloat8E4M3FN, {0x7F, 0x40}, {2}), "y");
  EXPECT_NE(m.find("value mismatch at [1]: got 1, expected 2"), std::string::npos) << m;
  EXPECT_EQ(compare_values(coded(DataType::kInt4, {0x87, 0xF3}, {3}),
                           coded(DataType::kInt4, {0x87, 0x03}, {3}), "y"),
            "");
  EXPECT_NE(compare_values(coded(DataType::kInt4, {0x87, 0x03}, {3}),
                           coded(DataType::kInt4, {0x88, 0x03}, {3}), "y"),
            "");
  EXPECT_NE(compare_values(coded(DataType::kFloat4E2M1, {0x01}, {1}),
                           coded(DataType::kFloat4E2M1, {0x02}, {1}), "y"),
            "");
  EXPECT_EQ(compare_values(coded(DataType::kUInt2, {0xE4}, {3}),
                           coded(DataType::kUInt2, {0x24}, {3}), "y"),
            "");
}

}  // namespace
}  // namespace onyx::cli
