#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

TEST(TensorScatterElements, NoneAndAxis1) {
  Tensor x = make<float>({0, 0, 0, 0, 0, 0, 0, 0, 0}, {3, 3});
  Tensor i = make<int64_t>({1, 0, 2, 0, 2, 1}, {2, 3});
  Tensor u = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<float>(run_ok(node("ScatterElements", 13, {x, i, u})), {4, 2, 0, 1, 0, 6, 0, 5, 3},
                       {3, 3});
  Tensor y = make<float>({1, 2, 3, 4, 5}, {1, 5});
  expect_tensor<float>(run_ok(node("ScatterElements", 11,
                               {y, make<int64_t>({1, -2}, {1, 2}), make<float>({1.1f, 2.1f}, {1, 2})},
                               {attr_int("axis", 1)})),
                       {1, 1.1f, 3, 2.1f, 5}, {1, 5});
  // The deprecated Scatter op is the same thing.
  expect_tensor<float>(run_ok(node("Scatter", 9, {x, i, u})), {4, 2, 0, 1, 0, 6, 0, 5, 3}, {3, 3});
}

TEST(TensorScatterElements, Reductions) {
  Tensor y = make<int32_t>({1, 2, 3, 4, 5}, {1, 5});
  Tensor i = make<int64_t>({1, 1}, {1, 2});
  Tensor u = make<int32_t>({10, 3}, {1, 2});
  auto run = [&](const char* red, int opset) {
    return run_ok(node("ScatterElements", opset, {y, i, u},
                   {attr_int("axis", 1), attr_string("reduction", red)}));
  };
  expect_tensor<int32_t>(run("add", 16), {1, 15, 3, 4, 5}, {1, 5});
  expect_tensor<int32_t>(run("mul", 16), {1, 60, 3, 4, 5}, {1, 5});
  expect_tensor<int32_t>(run("max", 18), {1, 10, 3, 4, 5}, {1, 5});
  expect_tensor<int32_t>(run("min", 18), {1, 2, 3, 4, 5}, {1, 5});
  EXPECT_FALSE(run_node(node("ScatterElements", 16, {y, i, u}, {attr_string("reduction", "max")})).ok());
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, i, u}, {attr_string("reduction", "add")})).ok());
  Tensor h = make<bfloat16>({bfloat16(1.f), bfloat16(2.f)}, {2});
  expect_tensor<bfloat16>(run_ok(node("ScatterElements", 18,
                                  {h, make<int64_t>({0}, {1}), make<bfloat16>({bfloat16(3.f)}, {1})},
                                  {attr_string("reduction", "add")})),
                          {bfloat16(4.f), bfloat16(2.f)}, {2});
  Tensor s = make<std::string>({"a", "b"}, {2});
  expect_tensor<std::string>(run_ok(node("ScatterElements", 18,
                                     {s, make<int64_t>({1}, {1}), make<std::string>({"z"}, {1})})),
                             {"a", "z"}, {2});
  EXPECT_FALSE(run_node(node("ScatterElements", 18,
                         {s, make<int64_t>({1}, {1}), make<std::string>({"z"}, {1})},
                         {attr_string("reduction", "add")})).ok());
}

TEST(TensorScatterElements, Errors) {
  Tensor y = make<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, make<int64_t>({2}, {1, 1}), make<float>({0}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, make<int64_t>({0}, {1, 1}), make<float>({0, 0}, {1, 2})})).ok());
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, make<int64_t>({0}, {1}), make<float>({0}, {1})})).ok());
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, make<int64_t>({0}, {1, 1}), make<double>({0}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(node("ScatterElements", 13, {y, make<int64_t>({0, 0, 0}, {1, 3}), make<float>({0, 0, 0}, {1, 3})}, {attr_int("axis", 0)})).ok());
  // Empty indices leave data unchanged.
  expect_tensor<float>(run_ok(node("ScatterElements", 13, {y, Tensor(DataType::kInt64, {0, 2}), Tensor(DataType::kFloat, {0, 2})})),
                       {1, 2, 3, 4}, {2, 2});
}

TEST(TensorScatterND, SlicesAndReductions) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {8});
  Tensor i = make<int64_t>({4, 3, 1, -1}, {4, 1});
  Tensor u = make<float>({9, 10, 11, 12}, {4});
  expect_tensor<float>(run_ok(node("ScatterND", 13, {x, i, u})), {1, 11, 3, 10, 9, 6, 7, 12}, {8});
  Tensor m = make<int64_t>({1, 2, 3, 4}, {2, 2});
  Tensor ri = make<int64_t>({1, 1}, {2, 1});
  Tensor ru = make<int64_t>({10, 20, 1, 2}, {2, 2});
  expect_tensor<int64_t>(run_ok(node("ScatterND", 16, {m, ri, ru}, {attr_string("reduction", "add")})),
                         {1, 2, 14, 26}, {2, 2});
  expect_tensor<int64_t>(run_ok(node("ScatterND", 16, {m, ri, ru}, {attr_string("reduction", "mul")})),
                         {1, 2, 30, 160}, {2, 2});
  expect_tensor<int64_t>(run_ok(node("ScatterND", 18, {m, ri, ru}, {attr_string("reduction", "max")})),
                         {1, 2, 10, 20}, {2, 2});
  expect_tensor<int64_t>(run_ok(node("ScatterND", 18, {m, ri, ru}, {attr_string("reduction", "min")})),
                         {1, 2, 1, 2}, {2, 2});
  // Full-index tuples address single elements.
  expect_tensor<int64_t>(run_ok(node("ScatterND", 11, {m, make<int64_t>({0, 1}, {1, 2}), make<int64_t>({7}, {1})})),
                         {1, 7, 3, 4}, {2, 2});
}

TEST(TensorScatterND, Errors) {
  Tensor m = make<int64_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_FALSE(run_node(node("ScatterND", 13, {m, make<int64_t>({2}, {1, 1}), make<int64_t>({0, 0}, {1, 2})})).ok());
  EXPECT_FALSE(run_node(node("ScatterND", 13, {m, make<int64_t>({0}, {1, 1}), make<int64_t>({0}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(node("ScatterND", 13, {m, make<int64_t>({0, 0, 0}, {1, 3}), make<int64_t>({0}, {1})})).ok());
}

}  // namespace
}  // namespace onyx::test
