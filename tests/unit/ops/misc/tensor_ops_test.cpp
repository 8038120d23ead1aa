// Unit tests of Unique, Compress, ReverseSequence, CumProd, Det and BitCast (misc family).
#include <cstring>

#include "test_util.h"

namespace onyx::test {
namespace {


TEST(MiscUnique, FlattenedSortedAndUnsorted) {
  const Tensor x = make<int32_t>({3, 1, 3, 2, 1, 3}, {2, 3});
  auto r = run_node({"Unique", 11, {x}, {}, 4});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[0].tensor(), {1, 2, 3}, {3});
  expect_tensor<int64_t>((*r)[1].tensor(), {1, 3, 0}, {3});
  expect_tensor<int64_t>((*r)[2].tensor(), {2, 0, 2, 1, 0, 2}, {6});
  expect_tensor<int64_t>((*r)[3].tensor(), {2, 1, 3}, {3});
  auto u = run_node({"Unique", 11, {x}, {attr_int("sorted", 0)}, 4});
  ASSERT_TRUE(u.ok());
  expect_tensor<int32_t>((*u)[0].tensor(), {3, 1, 2}, {3});
  expect_tensor<int64_t>((*u)[1].tensor(), {0, 1, 3}, {3});
  expect_tensor<int64_t>((*u)[2].tensor(), {0, 1, 0, 2, 1, 0}, {6});
  expect_tensor<int64_t>((*u)[3].tensor(), {3, 2, 1}, {3});
}

TEST(MiscUnique, AlongAxisAndStrings) {
  // rows [1,0], [0,5], [1,0] along axis 0 -> [0,5], [1,0]
  const Tensor x = make<float>({1, 0, 0, 5, 1, 0}, {3, 2});
  auto r = run_node({"Unique", 11, {x}, {attr_int("axis", 0)}, 4});
  ASSERT_TRUE(r.ok());
  expect_tensor<float>((*r)[0].tensor(), {0, 5, 1, 0}, {2, 2});
  expect_tensor<int64_t>((*r)[2].tensor(), {1, 0, 1}, {3});
  // columns along axis -1: [1,0,1], [0,5,0] are distinct, sorted -> [0,5,0] first
  expect_tensor<float>(run_ok({"Unique", 11, {x}, {attr_int("axis", -1)}}), {0, 1, 5, 0, 0, 1}, {3, 2});
  Tensor s = run_ok({"Unique", 11, {make<std::string>({"b", "a", "b"}, {3})}});
  ASSERT_EQ(s.numel(), 2);
  EXPECT_EQ(s.data<std::string>()[0], "a");
  EXPECT_EQ(s.data<std::string>()[1], "b");
  expect_tensor<float>(run_ok({"Unique", 11, {Tensor(DataType::kFloat, {0})}}), {}, {0});
  EXPECT_FALSE(run_node({"Unique", 11, {x}, {attr_int("axis", 2)}}).ok());
}

TEST(MiscCompress, AxisAndFlattened) {
  const Tensor x = make<int64_t>({1, 2, 3, 4, 5, 6}, {3, 2});
  expect_tensor<int64_t>(run_ok({"Compress", 11, {x, make<bool>({false, true, true}, {3})}, {attr_int("axis", 0)}}),
                         {3, 4, 5, 6}, {2, 2});
  expect_tensor<int64_t>(run_ok({"Compress", 11, {x, make<bool>({false, true}, {2})}, {attr_int("axis", -1)}}),
                         {2, 4, 6}, {3, 1});
  // shorter condition than the flattened input: the rest is dropped
  expect_tensor<int64_t>(run_ok({"Compress", 9, {x, make<bool>({true, false, true}, {3})}}), {1, 3}, {2});
  expect_tensor<int64_t>(run_ok({"Compress", 11, {x, make<bool>({false, false, false}, {3})}, {attr_int("axis", 0)}}),
                         {}, {0, 2});
}

TEST(MiscCompress, Errors) {
  const Tensor x = make<float>({1, 2}, {2});
  EXPECT_FALSE(run_node({"Compress", 11, {x, make<bool>({false, false, true}, {3})}}).ok());
  EXPECT_FALSE(run_node({"Compress", 11, {x, make<int32_t>({1, 0}, {2})}}).ok());
  EXPECT_FALSE(run_node({"Compress", 11, {x, make<bool>({true, true}, {2})}, {attr_int("axis", 1)}}).ok());
}

TEST(MiscReverseSequence, TimeAndBatchMajor) {
  // [time=3, batch=2], lens [3, 1]
  const Tensor x = make<int32_t>({0, 10, 1, 11, 2, 12}, {3, 2});
  expect_tensor<int32_t>(run_ok({"ReverseSequence", 10, {x, make<int64_t>({3, 1}, {2})}}),
                         {2, 10, 1, 11, 0, 12}, {3, 2});
  // [batch=2, time=3, 1], lens [2, 0]
  const Tensor b = make<float>({0, 1, 2, 3, 4, 5}, {2, 3, 1});
  expect_tensor<float>(run_ok({"ReverseSequence", 10, {b, make<int64_t>({2, 0}, {2})},
                               {attr_int("batch_axis", 0), attr_int("time_axis", 1)}}),
                       {1, 0, 2, 3, 4, 5}, {2, 3, 1});
  EXPECT_FALSE(run_node({"ReverseSequence", 10, {x, make<int64_t>({4, 1}, {2})}}).ok());
  EXPECT_FALSE(run_node({"ReverseSequence", 10, {x, make<int64_t>({1}, {1})}}).ok());
  EXPECT_FALSE(run_node({"ReverseSequence", 10, {x, make<int64_t>({1, 1}, {2})},
                         {attr_int("batch_axis", 1), attr_int("time_axis", 1)}}).ok());
}

TEST(MiscCumProd, Variants) {
  const Tensor x = make<double>({1, 2, 3, 4}, {4});
  expect_tensor<double>(run_ok({"CumProd", 26, {x, Tensor::scalar<int64_t>(0)}}), {1, 2, 6, 24}, {4});
  expect_tensor<double>(run_ok({"CumProd", 26, {x, Tensor::scalar<int32_t>(-1)}, {attr_int("exclusive", 1)}}),
                        {1, 1, 2, 6}, {4});
  expect_tensor<double>(run_ok({"CumProd", 26, {x, Tensor::scalar<int64_t>(0)}, {attr_int("reverse", 1)}}),
                        {24, 24, 12, 4}, {4});
  const Tensor m = make<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<int32_t>(run_ok({"CumProd", 26, {m, Tensor::scalar<int64_t>(0)}}), {1, 2, 3, 4, 10, 18}, {2, 3});
  expect_tensor<int32_t>(run_ok({"CumProd", 26, {m, Tensor::scalar<int64_t>(1)}}), {1, 2, 6, 4, 20, 120}, {2, 3});
  EXPECT_FALSE(run_node({"CumProd", 26, {m, Tensor::scalar<int64_t>(2)}}).ok());
  EXPECT_FALSE(run_node({"CumProd", 26, {m, Tensor::scalar<float>(0)}}).ok());
}

TEST(MiscDet, SquareBatches) {
  expect_tensor<float>(run_ok({"Det", 11, {make<float>({1, 2, 3, 4}, {2, 2})}}), {-2}, {});
  // needs a row swap: [[0,1],[1,0]] -> -1; and a singular matrix
  expect_tensor<double>(run_ok({"Det", 22, {make<double>({0, 1, 1, 0, 1, 2, 2, 4}, {2, 2, 2})}}), {-1, 0}, {2});
  expect_tensor<float>(run_ok({"Det", 22, {make<float>({2, 0, 0, 0, 3, 0, 1, 1, 4}, {3, 3})}}), {24}, {});
  EXPECT_FALSE(run_node({"Det", 22, {make<float>({1, 2}, {1, 2})}}).ok());
  EXPECT_FALSE(run_node({"Det", 22, {make<float>({1}, {1})}}).ok());
}

TEST(MiscBitCast, SameWidth) {
  Tensor y = run_ok({"BitCast", 26, {make<float>({1.f, -2.f}, {2})}, {attr_int("to", 6)}});
  int32_t one_bits = 0;
  const float one = 1.f;
  std::memcpy(&one_bits, &one, 4);
  ASSERT_EQ(y.dtype(), DataType::kInt32);
  EXPECT_EQ(y.data<int32_t>()[0], one_bits);
  expect_tensor<int8_t>(run_ok({"BitCast", 26, {make<uint8_t>({255, 1}, {2})}, {attr_int("to", 3)}}),
                        {-1, 1}, {2});
  expect_tensor<uint8_t>(run_ok({"BitCast", 26, {make<bool>({true, false}, {2})}, {attr_int("to", 2)}}),
                         {1, 0}, {2});
  expect_tensor<int16_t>(run_ok({"BitCast", 26, {Tensor(DataType::kUInt16, {0, 2})}, {attr_int("to", 5)}}),
                         {}, {0, 2});
  EXPECT_FALSE(run_node({"BitCast", 26, {make<float>({1}, {1})}, {attr_int("to", 7)}}).ok());
  EXPECT_FALSE(run_node({"BitCast", 26, {make<float>({1}, {1})}, {attr_int("to", 8)}}).ok());
  EXPECT_FALSE(run_node({"BitCast", 26, {make<float>({1}, {1})}}).ok());
}

}  // namespace
}  // namespace onyx::test
