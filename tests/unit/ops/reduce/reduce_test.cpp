#include <cmath>
#include <limits>

#include "test_util.h"

namespace onyx {
namespace {

using test::attr_int;
using test::attr_ints;
using test::expect_tensor;
using test::make;
using test::run_node;
using test::run_ok;

// NodeSpec with a constructor: brace-initialising the aggregate trips -Wmissing-field-initializers.
struct S : test::NodeSpec {
  S(std::string op_type, int op_opset, std::vector<Value> in, std::vector<ir::Attribute> attrs = {},
    int outs = 1) {
    op = std::move(op_type);
    opset = op_opset;
    inputs = std::move(in);
    attributes = std::move(attrs);
    num_outputs = outs;
  }
};

const float kInf = std::numeric_limits<float>::infinity();

// x = [[[0,1,2],[3,4,5]],[[6,7,8],[9,10,11]]] (2x2x3)
Tensor iota_223() {
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = static_cast<float>(i);
  return make<float>(v, {2, 2, 3});
}

TEST(ReduceOps, SumAxesAttributeOpset11) {
  Tensor y = run_ok(S{"ReduceSum", 11, {iota_223()}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}});
  expect_tensor<float>(y, {3, 5, 7, 15, 17, 19}, {2, 3});
}

TEST(ReduceOps, SumAxesInputOpset13KeepDims) {
  Tensor y = run_ok(S{"ReduceSum", 13, {iota_223(), make<int64_t>({-1}, {1})}});
  expect_tensor<float>(y, {3, 12, 21, 30}, {2, 2, 1});
}

TEST(ReduceOps, NonAdjacentAxesUseGenericPath) {
  Tensor y = run_ok(S{"ReduceSum", 13, {iota_223(), make<int64_t>({0, 2}, {2})}, {attr_int("keepdims", 0)}});
  expect_tensor<float>(y, {0 + 1 + 2 + 6 + 7 + 8, 3 + 4 + 5 + 9 + 10 + 11}, {2});
}

TEST(ReduceOps, OuterAxisIsStrided) {
  Tensor y = run_ok(S{"ReduceMax", 18, {iota_223(), make<int64_t>({0}, {1})}, {attr_int("keepdims", 0)}});
  expect_tensor<float>(y, {6, 7, 8, 9, 10, 11}, {2, 3});
}

TEST(ReduceOps, EmptyAxesReducesAllOrNoop) {
  Tensor all = run_ok(S{"ReduceSum", 13, {iota_223()}, {attr_int("keepdims", 0)}});
  expect_tensor<float>(all, {66}, {});
  Tensor noop = run_ok(S{"ReduceSum", 13, {iota_223(), make<int64_t>({}, {0})},
                        {attr_int("noop_with_empty_axes", 1)}});
  expect_tensor<float>(noop, test::values_of<float>(iota_223()), {2, 2, 3});
  Tensor old = run_ok(S{"ReduceMean", 11, {iota_223()}});
  expect_tensor<float>(old, {5.5f}, {1, 1, 1});
}

TEST(ReduceOps, EachKind) {
  Tensor x = make<float>({1, -2, 3, 4}, {2, 2});
  auto one = [&](const char* op) {
    return run_ok(S{op, 18, {x, make<int64_t>({1}, {1})}, {attr_int("keepdims", 0)}});
  };
  expect_tensor<float>(one("ReduceMean"), {-0.5f, 3.5f}, {2});
  expect_tensor<float>(one("ReduceProd"), {-2, 12}, {2});
  expect_tensor<float>(one("ReduceMin"), {-2, 3}, {2});
  expect_tensor<float>(one("ReduceL1"), {3, 7}, {2});
  expect_tensor<float>(one("ReduceL2"), {std::sqrt(5.f), 5}, {2});
  expect_tensor<float>(one("ReduceSumSquare"), {5, 25}, {2});
  expect_tensor<float>(one("ReduceLogSum"), {std::log(-1.f), std::log(7.f)}, {2});
  expect_tensor<float>(one("ReduceLogSumExp"),
                       {std::log(std::exp(1.f) + std::exp(-2.f)), std::log(std::exp(3.f) + std::exp(4.f))},
                       {2});
}

TEST(ReduceOps, LogSumExpIsStableForLargeValues) {
  Tensor y = run_ok(S{"ReduceLogSumExp", 13, {make<float>({1000, 1000}, {2})}, {attr_int("keepdims", 0)}});
  expect_tensor<float>(y, {1000 + std::log(2.f)}, {});
}

TEST(ReduceOps, EmptySetIdentities) {
  Tensor x(DataType::kFloat, {2, 0, 3});
  auto one = [&](const char* op) {
    return run_ok(S{op, 18, {x, make<int64_t>({1}, {1})}, {attr_int("keepdims", 1)}});
  };
  expect_tensor<float>(one("ReduceSum"), std::vector<float>(6, 0), {2, 1, 3});
  expect_tensor<float>(one("ReduceProd"), std::vector<float>(6, 1), {2, 1, 3});
  // expect_tensor's tolerance check cannot compare infinities: compare exactly.
  for (const auto& [op, want] : {std::pair{"ReduceMax", -kInf}, {"ReduceMin", kInf}, {"ReduceLogSumExp", -kInf}}) {
    Tensor y = one(op);
    ASSERT_EQ(y.shape(), (Shape{2, 1, 3})) << op;
    for (float v : test::values_of<float>(y)) EXPECT_EQ(v, want) << op;
  }
  expect_tensor<float>(one("ReduceL2"), std::vector<float>(6, 0), {2, 1, 3});
  // Reducing a kept empty dim gives an empty output.
  Tensor e = run_ok(S{"ReduceSum", 18, {x, make<int64_t>({2}, {1})}, {attr_int("keepdims", 0)}});
  expect_tensor<float>(e, {}, {2, 0});
}

TEST(ReduceOps, ScalarInput) {
  Tensor y = run_ok(S{"ReduceSum", 13, {Tensor::scalar<float>(4)}});
  expect_tensor<float>(y, {4}, {});
}

TEST(ReduceOps, IntegerAndHalfTypes) {
  Tensor xi = make<int32_t>({1, 2, 3, -4}, {2, 2});
  expect_tensor<int32_t>(run_ok(S{"ReduceSum", 11, {xi}, {attr_ints("axes", {0})}}), {4, -2}, {1, 2});
  expect_tensor<int32_t>(run_ok(S{"ReduceMean", 11, {xi}, {attr_ints("axes", {1})}}), {1, 0}, {2, 1});
  expect_tensor<int32_t>(run_ok(S{"ReduceL1", 11, {xi}, {attr_ints("axes", {1})}}), {3, 7}, {2, 1});
  Tensor xu = make<uint8_t>({5, 250, 7, 1}, {4});
  expect_tensor<uint8_t>(run_ok(S{"ReduceMax", 13, {xu}}), {250}, {1});
  Tensor xh = make<float16>({float16(1.5f), float16(2.5f)}, {2});
  expect_tensor<float16>(run_ok(S{"ReduceSum", 13, {xh}}), {float16(4.f)}, {1});
  Tensor xb = make<bfloat16>({bfloat16(1.f), bfloat16(3.f)}, {2});
  expect_tensor<bfloat16>(run_ok(S{"ReduceMean", 18, {xb}}), {bfloat16(2.f)}, {1});
  Tensor xd = make<double>({1, 2, 3}, {3});
  expect_tensor<double>(run_ok(S{"ReduceProd", 18, {xd}}), {6}, {1});
  Tensor x64 = make<int64_t>({int64_t{1} << 40, 3}, {2});
  expect_tensor<int64_t>(run_ok(S{"ReduceProd", 18, {x64}}), {int64_t{3} << 40}, {1});
}

TEST(ReduceOps, BoolMaxMinFromOpset20) {
  Tensor x = make<bool>({true, false, false, false}, {2, 2});
  expect_tensor<bool>(run_ok(S{"ReduceMax", 20, {x, make<int64_t>({1}, {1})}, {attr_int("keepdims", 0)}}),
                      {true, false}, {2});
  expect_tensor<bool>(run_ok(S{"ReduceMin", 20, {x, make<int64_t>({1}, {1})}, {attr_int("keepdims", 0)}}),
                      {false, false}, {2});
  EXPECT_FALSE(run_node(S{"ReduceMax", 18, {x}}).ok());
}

TEST(ReduceOps, NanPropagatesInMax) {
  Tensor y = run_ok(S{"ReduceMax", 13, {make<float>({1, NAN, 3}, {3})}});
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
}

TEST(ReduceOps, Errors) {
  EXPECT_FALSE(run_node(S{"ReduceSum", 13, {iota_223(), make<int64_t>({3}, {1})}}).ok());
  EXPECT_FALSE(run_node(S{"ReduceSum", 13, {iota_223(), make<int64_t>({1, -2}, {2})}}).ok());
  EXPECT_FALSE(run_node(S{"ReduceSum", 13, {iota_223(), make<int32_t>({1}, {1})}}).ok());
  EXPECT_FALSE(run_node(S{"ReduceMean", 11, {iota_223()}, {attr_ints("axes", {-4})}}).ok());
  EXPECT_FALSE(run_node(S{"ReduceMean", 18, {make<int32_t>({}, {0})}}).ok());
  EXPECT_FALSE(run_node(S{"ReduceSum", 13, {make<int8_t>({1}, {1})}}).ok());  // int8 not in schema
}

TEST(ArgReduceOps, KeepDimsAndSelectLast) {
  Tensor x = make<float>({2, 1, 2, 3, 1, 3}, {2, 3});
  expect_tensor<int64_t>(run_ok(S{"ArgMax", 13, {x}, {attr_int("axis", 1)}}), {0, 0}, {2, 1});
  expect_tensor<int64_t>(run_ok(S{"ArgMax", 13, {x}, {attr_int("axis", 1), attr_int("select_last_index", 1)}}),
                         {2, 2}, {2, 1});
  expect_tensor<int64_t>(run_ok(S{"ArgMin", 13, {x}, {attr_int("axis", -1), attr_int("keepdims", 0)}}), {1, 1},
                         {2});
  expect_tensor<int64_t>(run_ok(S{"ArgMin", 11, {x}}), {0, 0, 0}, {1, 3});
}

TEST(ArgReduceOps, TypesScalarAndErrors) {
  expect_tensor<int64_t>(run_ok(S{"ArgMax", 13, {make<uint16_t>({3, 9, 9}, {3})}}), {1}, {1});
  expect_tensor<int64_t>(run_ok(S{"ArgMin", 13, {make<float16>({float16(3.f), float16(-1.f)}, {2})}}), {1}, {1});
  expect_tensor<int64_t>(run_ok(S{"ArgMax", 13, {Tensor::scalar<double>(2.0)}, {attr_int("keepdims", 0)}}), {0},
                         {});
  expect_tensor<int64_t>(run_ok(S{"ArgMax", 13, {Tensor(DataType::kFloat, {0, 3})}, {attr_int("axis", 1)}}), {},
                         {0, 1});
  EXPECT_FALSE(run_node(S{"ArgMax", 13, {Tensor(DataType::kFloat, {2, 0})}, {attr_int("axis", 1)}}).ok());
  EXPECT_FALSE(run_node(S{"ArgMax", 13, {make<float>({1, 2}, {2})}, {attr_int("axis", 1)}}).ok());
}

}  // namespace
}  // namespace onyx
