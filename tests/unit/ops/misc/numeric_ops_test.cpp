// Unit tests of LpNormalization, MeanVarianceNormalization, the random generators and the
// preview-training optimizers (misc family).
#include <cmath>

#include "test_util.h"

namespace onyx::test {
namespace {

const std::string kTraining = "ai.onnx.preview.training";

TEST(MiscLpNormalization, L1AndL2) {
  const Tensor x = make<float>({3, 4, 0, 0}, {2, 2});
  expect_tensor<float>(run_ok({"LpNormalization", 1, {x}}), {0.6f, 0.8f, 0, 0}, {2, 2});
  expect_tensor<float>(run_ok({"LpNormalization", 22, {x}, {attr_int("p", 1)}}),
                       {3.f / 7, 4.f / 7, 0, 0}, {2, 2});
  expect_tensor<float>(run_ok({"LpNormalization", 22, {x}, {attr_int("axis", 0)}}), {1, 1, 0, 0}, {2, 2});
  EXPECT_FALSE(run_node({"LpNormalization", 22, {x}, {attr_int("p", 3)}}).ok());
  EXPECT_FALSE(run_node({"LpNormalization", 22, {x}, {attr_int("axis", 2)}}).ok());
}

TEST(MiscMeanVarianceNormalization, AxesGroups) {
  // axes {1}: each row normalized: [1, 3] -> [-1, 1]; [5, 5] -> [0, 0]
  const Tensor x = make<double>({1, 3, 5, 5}, {2, 2});
  expect_tensor<double>(run_ok({"MeanVarianceNormalization", 13, {x}, {attr_ints("axes", {1})}}),
                        {-1, 1, 0, 0}, {2, 2}, 1e-6);
  // default axes {0, 2, 3}: per channel of [N=1, C=2, 1, 2]
  const Tensor y = make<float>({0, 2, 10, 30}, {1, 2, 1, 2});
  expect_tensor<float>(run_ok({"MeanVarianceNormalization", 9, {y}}), {-1, 1, -1, 1}, {1, 2, 1, 2}, 1e-5);
  EXPECT_FALSE(run_node({"MeanVarianceNormalization", 13, {x}}).ok());  // axes 2, 3 out of range
}

TEST(MiscRandom, SeededShapesAndRanges) {
  const std::vector<ir::Attribute> attrs = {attr_ints("shape", {3, 4}), attr_float("low", 2.f),
                                            attr_float("high", 3.f), attr_float("seed", 5.f)};
  Tensor a = run_ok({"RandomUniform", 22, {}, attrs});
  Tensor b = run_ok({"RandomUniform", 22, {}, attrs});
  ASSERT_EQ(a.dtype(), DataType::kFloat);
  ASSERT_EQ(a.shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < a.numel(); ++i) {
    EXPECT_GE(a.data<float>()[i], 2.f);
    EXPECT_LE(a.data<float>()[i], 3.f);
    EXPECT_EQ(a.data<float>()[i], b.data<float>()[i]);  // same seed, same values
  }
  Tensor n = run_ok({"RandomNormalLike", 22, {Tensor(DataType::kFloat, {1000})},
                     {attr_float("mean", 10.f), attr_float("scale", 0.5f), attr_int("dtype", 11),
                      attr_float("seed", 1.f)}});
  ASSERT_EQ(n.dtype(), DataType::kDouble);
  double sum = 0;
  for (int64_t i = 0; i < n.numel(); ++i) sum += n.data<double>()[i];
  EXPECT_NEAR(sum / 1000, 10.0, 0.1);
  Tensor like = run_ok({"RandomUniformLike", 1, {Tensor(DataType::kFloat16, {2, 0})}});
  EXPECT_EQ(like.dtype(), DataType::kFloat16);
  EXPECT_EQ(like.shape(), (Shape{2, 0}));
  EXPECT_FALSE(run_node({"RandomUniformLike", 22, {Tensor(DataType::kInt32, {2})}}).ok());
  EXPECT_FALSE(run_node({"RandomNormal", 22, {}, {}}).ok());  // shape is required
  EXPECT_FALSE(run_node({"RandomNormal", 22, {}, {attr_ints("shape", {2}), attr_int("dtype", 7)}}).ok());
}

TEST(MiscRandom, BernoulliAndMultinomial) {
  Tensor y = run_ok({"Bernoulli", 22, {make<double>({0, 1, 0, 1}, {2, 2})}, {attr_float("seed", 0.f)}});
  expect_tensor<double>(y, {0, 1, 0, 1}, {2, 2});
  expect_tensor<bool>(run_ok({"Bernoulli", 15, {make<float>({1, 0}, {2})}, {attr_int("dtype", 9)}}),
                      {true, false}, {2});
  // a class with all the mass is always drawn
  Tensor m = run_ok({"Multinomial", 7, {make<float>({-100, 0, -100, 0, -100, -100}, {2, 3})},
                     {attr_int("sample_size", 4), attr_float("seed", 3.f)}});
  expect_tensor<int32_t>(m, {1, 1, 1, 1, 0, 0, 0, 0}, {2, 4});
  EXPECT_FALSE(run_node({"Multinomial", 22, {make<float>({0, 0}, {2})}}).ok());
  EXPECT_FALSE(run_node({"Multinomial", 22, {make<float>({0, 0}, {1, 2})}, {attr_int("dtype", 1)}}).ok());
}

TEST(MiscTraining, AdagradStep) {
  // r = 0.1 / (1 + 1 * 0.5); g = 0.5 * 1 + 1 = 1.5; h = 1 + 2.25; x = 1 - r * g / sqrt(h)
  auto r = run_node({"Adagrad", 1,
                     {Tensor::scalar<float>(0.1f), Tensor::scalar<int64_t>(1), make<float>({1}, {1}),
                      make<float>({1}, {1}), make<float>({1}, {1})},
                     {attr_float("decay_factor", 0.5f), attr_float("epsilon", 0.f),
                      attr_float("norm_coefficient", 0.5f)},
                     2, kTraining});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const double rate = 0.1 / 1.5;
  expect_tensor<float>((*r)[0].tensor(), {static_cast<float>(1 - rate * 1.5 / std::sqrt(3.25))}, {1});
  expect_tensor<float>((*r)[1].tensor(), {3.25f}, {1});
}

TEST(MiscTraining, MomentumModes) {
  const std::vector<Value> in = {Tensor::scalar<float>(0.5f), Tensor::scalar<int64_t>(1),
                                 make<float>({2}, {1}), make<float>({1}, {1}), make<float>({4}, {1})};
  // v = 0.5 * 4 + 0.25 * 1 = 2.25; standard x = 2 - 0.5 * 2.25; nesterov x = 2 - 0.5 * (1 + 0.5 * 2.25)
  auto std_r = run_node({"Momentum", 1, in,
                         {attr_float("alpha", 0.5f), attr_float("beta", 0.25f),
                          attr_float("norm_coefficient", 0.f), attr_string("mode", "standard")},
                         2, kTraining});
  ASSERT_TRUE(std_r.ok()) << std_r.status().to_string();
  expect_tensor<float>((*std_r)[0].tensor(), {0.875f}, {1});
  expect_tensor<float>((*std_r)[1].tensor(), {2.25f}, {1});
  Tensor nes = run_ok({"Momentum", 1, in,
                       {attr_float("alpha", 0.5f), attr_float("beta", 0.25f),
                        attr_float("norm_coefficient", 0.f), attr_string("mode", "nesterov")},
                       2, kTraining});
  expect_tensor<float>(nes, {2 - 0.5f * (1 + 0.5f * 2.25f)}, {1});
  EXPECT_FALSE(run_node({"Momentum", 1, in,
                         {attr_float("alpha", 0.5f), attr_float("beta", 0.25f),
                          attr_float("norm_coefficient", 0.f), attr_string("mode", "fast")},
                         2, kTraining}).ok());
}

TEST(MiscTraining, AdamFirstStepAndErrors) {
  // T = 0: no bias correction. v = 0.1 * g, h = 0.001 * g^2 (alpha 0.9, beta 0.999), g = 2
  auto r = run_node({"Adam", 1,
                     {Tensor::scalar<float>(1.f), Tensor::scalar<int64_t>(0), make<float>({1}, {1}),
                      make<float>({2}, {1}), make<float>({0}, {1}), make<float>({0}, {1})},
                     {attr_float("epsilon", 0.f)}, 3, kTraining});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[1].tensor(), {0.2f}, {1});
  expect_tensor<float>((*r)[2].tensor(), {0.004f}, {1});
  expect_tensor<float>((*r)[0].tensor(), {static_cast<float>(1 - 0.2 / std::sqrt(0.004))}, {1});
  // mismatched shapes between X and G
  EXPECT_FALSE(run_node({"Adam", 1,
                         {Tensor::scalar<float>(1.f), Tensor::scalar<int64_t>(0), make<float>({1}, {1}),
                          make<float>({2, 3}, {2}), make<float>({0}, {1}), make<float>({0}, {1})},
                         {}, 3, kTraining}).ok());
  // inputs not a multiple of the group count
  EXPECT_FALSE(run_node({"Adam", 1,
                         {Tensor::scalar<float>(1.f), Tensor::scalar<int64_t>(0), make<float>({1}, {1})},
                         {}, 1, kTraining}).ok());
}

}  // namespace
}  // namespace onyx::test
