// Unit tests of SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (misc family).
#include <cmath>

#include "test_util.h"

namespace onyx::test {
namespace {

// NLL of [N=2, C=3] log-probabilities: loss_i = -x[i, label_i].
TEST(MiscNllLoss, ReductionsAndWeights) {
  const Tensor x = make<float>({-1, -2, -3, -0.5f, -1.5f, -2.5f}, {2, 3});
  const Tensor y = make<int64_t>({2, 0}, {2});
  expect_tensor<float>(run_ok({"NegativeLogLikelihoodLoss", 13, {x, y}, {attr_string("reduction", "none")}}),
                       {3, 0.5f}, {2});
  expect_tensor<float>(run_ok({"NegativeLogLikelihoodLoss", 13, {x, y}, {attr_string("reduction", "sum")}}),
                       {3.5f}, {});
  expect_tensor<float>(run_ok({"NegativeLogLikelihoodLoss", 22, {x, y}}), {1.75f}, {});
  // weighted mean: (3*2 + 0.5*4) / (2 + 4)
  const Tensor w = make<float>({4, 1, 2}, {3});
  expect_tensor<float>(run_ok({"NegativeLogLikelihoodLoss", 13, {x, y, w}}), {8.f / 6.f}, {});
  // ignore_index drops the second element from sum and weight
  expect_tensor<float>(run_ok({"NegativeLogLikelihoodLoss", 13, {x, y, w}, {attr_int("ignore_index", 0)}}),
                       {3.f}, {});
}

TEST(MiscNllLoss, SpatialDims) {
  // [N=1, C=2, D=2]: element d picks x[0, label_d, d]
  const Tensor x = make<double>({-1, -2, -3, -4}, {1, 2, 2});
  const Tensor y = make<int32_t>({1, 0}, {1, 2});
  expect_tensor<double>(run_ok({"NegativeLogLikelihoodLoss", 13, {x, y}, {attr_string("reduction", "none")}}),
                        {3, 2}, {1, 2});
}

TEST(MiscNllLoss, Errors) {
  const Tensor x = make<float>({-1, -2, -3, -4}, {2, 2});
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0, 2}, {2})}}).ok());
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0, -1}, {2})}}).ok());
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0}, {1})}}).ok());
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<float>({0, 1}, {2})}}).ok());
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0, 1}, {2}), make<float>({1}, {1})}}).ok());
  EXPECT_FALSE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0, 1}, {2})},
                         {attr_string("reduction", "max")}}).ok());
  // an ignored label may lie outside [0, C)
  EXPECT_TRUE(run_node({"NegativeLogLikelihoodLoss", 13, {x, make<int64_t>({0, -1}, {2})},
                        {attr_int("ignore_index", -1)}}).ok());
}

TEST(MiscSoftmaxCrossEntropyLoss, MatchesLogSoftmax) {
  // Equal scores: log-softmax is -log(C) everywhere.
  const Tensor x = make<float>({1, 1, 1, 5, 5, 5}, {2, 3});
  const Tensor y = make<int64_t>({0, 2}, {2});
  auto r = run_node({"SoftmaxCrossEntropyLoss", 13, {x, y}, {}, 2});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {std::log(3.f)}, {});
  expect_tensor<float>((*r)[1].tensor(), std::vector<float>(6, -std::log(3.f)), {2, 3});
  // [1, 2] scores, label 1: -log(e^2 / (e^1 + e^2))
  const float expected = -(2.f - std::log(std::exp(1.f) + std::exp(2.f)));
  expect_tensor<float>(run_ok({"SoftmaxCrossEntropyLoss", 12,
                               {make<float>({1, 2}, {1, 2}), make<int64_t>({1}, {1})},
                               {attr_string("reduction", "sum")}}),
                       {expected}, {});
}

TEST(MiscSoftmaxCrossEntropyLoss, EmptyBatch) {
  expect_tensor<float>(run_ok({"SoftmaxCrossEntropyLoss", 13,
                               {Tensor(DataType::kFloat, {0, 3}), Tensor(DataType::kInt64, {0})},
                               {attr_string("reduction", "none")}}),
                       {}, {0});
}

}  // namespace
}  // namespace onyx::test
