#include <cmath>
#include <random>

#include "ops/common/simd_dispatch.h"

#include "test_util.h"

namespace onyx {
namespace {

using test::attr_float;
using test::attr_int;
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

TEST(NormalizationOps, SoftmaxAxisSemanticsByOpset) {
  Tensor x = make<float>({0, 1, 2, 3}, {2, 2});
  const float e1 = 1 / (1 + std::exp(1.f)), e2 = 1 - e1;
  // Opset 13: along axis -1 (rows).
  expect_tensor<float>(run_ok(S{"Softmax", 13, {x}}), {e1, e2, e1, e2}, {2, 2});
  // Along axis 0 (columns): differences of 2.
  const float c1 = 1 / (1 + std::exp(2.f)), c2 = 1 - c1;
  expect_tensor<float>(run_ok(S{"Softmax", 13, {x}, {attr_int("axis", 0)}}), {c1, c1, c2, c2}, {2, 2});
  // Opset 11, axis 0: the whole tensor is one row.
  float z = 0;
  for (int i = 0; i < 4; ++i) z += std::exp(static_cast<float>(i));
  expect_tensor<float>(run_ok(S{"Softmax", 11, {x}, {attr_int("axis", 0)}}),
                       {1 / z, std::exp(1.f) / z, std::exp(2.f) / z, std::exp(3.f) / z}, {2, 2});
}

TEST(NormalizationOps, LogSoftmaxHardmaxAndTypes) {
  Tensor x = make<double>({1000, 1000, 0}, {1, 3});
  expect_tensor<double>(run_ok(S{"LogSoftmax", 13, {x}}), {-std::log(2.0), -std::log(2.0), -1000 - std::log(2.0)},
                        {1, 3});
  expect_tensor<float>(run_ok(S{"Hardmax", 13, {make<float>({3, 7, 7, -1, -2, -3}, {2, 3})}}), {0, 1, 0, 1, 0, 0},
                       {2, 3});
  Tensor h = make<float16>({float16(0.f), float16(0.f)}, {2});
  expect_tensor<float16>(run_ok(S{"Softmax", 13, {h}}), {float16(0.5f), float16(0.5f)}, {2});
  expect_tensor<float>(run_ok(S{"Softmax", 13, {Tensor(DataType::kFloat, {0, 3})}}), {}, {0, 3});
  EXPECT_FALSE(run_node(S{"Softmax", 13, {make<float>({1}, {1})}, {attr_int("axis", 1)}}).ok());
  EXPECT_FALSE(run_node(S{"Softmax", 13, {make<int32_t>({1}, {1})}}).ok());
}

TEST(NormalizationOps, BatchNormInference) {
  // N=1, C=2, spatial 2.
  Tensor x = make<float>({1, 2, 3, 4}, {1, 2, 2});
  Tensor scale = make<float>({1, 2}, {2}), bias = make<float>({0, 1}, {2});
  Tensor mean = make<float>({1, 3}, {2}), var = make<float>({4, 1}, {2});
  Tensor y = run_ok(S{"BatchNormalization", 15, {x, scale, bias, mean, var}, {attr_float("epsilon", 0)}});
  expect_tensor<float>(y, {0, 0.5f, 1, 3}, {1, 2, 2});
  // Mean/var of another float type than X (T2 of opset 15).
  Tensor y2 = run_ok(S{"BatchNormalization", 15,
                       {x, scale, bias, make<double>({1, 3}, {2}), make<double>({4, 1}, {2})},
                       {attr_float("epsilon", 0)}});
  expect_tensor<float>(y2, {0, 0.5f, 1, 3}, {1, 2, 2});
  EXPECT_FALSE(run_node(S{"BatchNormalization", 15, {x, make<float>({1, 2, 3}, {3}), bias, mean, var}}).ok());
}

TEST(NormalizationOps, BatchNormTrainingMode) {
  Tensor x = make<float>({1, 3, 2, 6}, {2, 2});  // channel 0: {1, 2}, channel 1: {3, 6}
  Tensor one = make<float>({1, 1}, {2}), zero = make<float>({0, 0}, {2});
  auto r = run_node(S{"BatchNormalization", 15, {x, one, zero, zero, one},
                      {attr_int("training_mode", 1), attr_float("epsilon", 0), attr_float("momentum", 0.5f)}, 3});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {-1, -1, 1, 1}, {2, 2});
  expect_tensor<float>((*r)[1].tensor(), {0.75f, 2.25f}, {2});    // 0.5*0 + 0.5*{1.5, 4.5}
  expect_tensor<float>((*r)[2].tensor(), {0.625f, 1.625f}, {2});  // 0.5*1 + 0.5*{0.25, 2.25}
}

TEST(NormalizationOps, InstanceNorm) {
  Tensor x = make<float>({1, 3, 5, 5}, {1, 2, 2});
  Tensor y = run_ok(S{"InstanceNormalization", 6, {x, make<float>({1, 2}, {2}), make<float>({0, 1}, {2})}});
  expect_tensor<float>(y, {-1, 1, 1, 1}, {1, 2, 2});  // channel 1 has zero variance -> bias
  EXPECT_FALSE(run_node(S{"InstanceNormalization", 6, {x, make<float>({1}, {1}), make<float>({0}, {1})}}).ok());
}

TEST(NormalizationOps, GroupNormPerChannelAndPerGroup) {
  Tensor x = make<float>({1, 3, 10, 30}, {1, 4, 1});  // 2 groups of 2 channels
  Tensor y = run_ok(S{"GroupNormalization", 21,
                      {x, make<float>({1, 2, 1, 1}, {4}), make<float>({0, 0, 0, 5}, {4})},
                      {attr_int("num_groups", 2), attr_float("epsilon", 0)}});
  expect_tensor<float>(y, {-1, 2, -1, 6}, {1, 4, 1});
  Tensor y18 = run_ok(S{"GroupNormalization", 18, {x, make<float>({1, 2}, {2}), make<float>({0, 1}, {2})},
                        {attr_int("num_groups", 2), attr_float("epsilon", 0)}});
  expect_tensor<float>(y18, {-1, 1, -1, 3}, {1, 4, 1});
  EXPECT_FALSE(run_node(S{"GroupNormalization", 21, {x, make<float>({1, 1, 1}, {3}), make<float>({0, 0, 0}, {3})},
                          {attr_int("num_groups", 3)}})
                   .ok());
}

TEST(NormalizationOps, LayerNormWithStats) {
  Tensor x = make<float>({1, 3, 2, 4}, {2, 2});
  auto r = run_node(S{"LayerNormalization", 17, {x, make<float>({1, 2}, {2}), make<float>({0, 1}, {2})},
                      {attr_float("epsilon", 0)}, 3});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {-1, 3, -1, 3}, {2, 2});
  expect_tensor<float>((*r)[1].tensor(), {2, 3}, {2, 1});
  expect_tensor<float>((*r)[2].tensor(), {1, 1}, {2, 1});
  // axis 0 normalizes everything; scalar scale broadcasts.
  Tensor y = run_ok(S{"LayerNormalization", 17, {make<float>({0, 2}, {2, 1}), Tensor::scalar<float>(2)},
                      {attr_int("axis", 0), attr_float("epsilon", 0)}});
  expect_tensor<float>(y, {-2, 2}, {2, 1});
  EXPECT_FALSE(run_node(S{"LayerNormalization", 17, {x, make<float>({1, 2, 3}, {3})}}).ok());
}

// The float path (Scale and B of D values) in every SIMD copy against a double reference, for
// row lengths below, at and past the 64-lane main loop, with and without B, and RMSNormalization.
TEST(NormalizationOps, LayerNormFloatRowsMatchReferenceInEveryIsa) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-2.f, 3.f);
  for (simd::Isa isa : {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    SCOPED_TRACE(simd::isa_name(isa));
    simd::set_simd_limit_for_testing(isa);
    for (int64_t D : {5, 16, 70, 128, 200}) {
      for (int variant = 0; variant < 3; ++variant) {  // LN with B, LN without, RMS
        const int64_t rows = 3;
        std::vector<float> x(static_cast<size_t>(rows * D)), s(static_cast<size_t>(D)),
            b(static_cast<size_t>(D));
        for (auto& v : x) v = u(rng);
        for (auto& v : s) v = u(rng);
        for (auto& v : b) v = u(rng);
        std::vector<Value> in = {make<float>(x, {rows, D}), make<float>(s, {D})};
        if (variant == 0) in.push_back(make<float>(b, {D}));
        const bool rms = variant == 2;
        Tensor y = run_ok(S{rms ? "RMSNormalization" : "LayerNormalization", rms ? 23 : 17,
                            std::move(in), {attr_float("epsilon", 1e-3f)}});
        for (int64_t r = 0; r < rows; ++r) {
          double m = 0, ss = 0;
          for (int64_t i = 0; i < D; ++i) m += x[static_cast<size_t>(r * D + i)];
          m = rms ? 0 : m / static_cast<double>(D);
          for (int64_t i = 0; i < D; ++i) {
            const double d = x[static_cast<size_t>(r * D + i)] - m;
            ss += d * d;
          }
          const double inv = 1 / std::sqrt(ss / static_cast<double>(D) + 1e-3);
          for (int64_t i = 0; i < D; ++i) {
            const size_t k = static_cast<size_t>(r * D + i);
            const double want = (x[k] - m) * inv * s[static_cast<size_t>(i)] +
                                (variant == 0 ? b[static_cast<size_t>(i)] : 0.0);
            ASSERT_NEAR(y.data<float>()[k], want, 1e-5 * (1 + std::abs(want)))
                << "D " << D << " variant " << variant << " row " << r << " i " << i;
          }
        }
      }
    }
  }
  simd::set_simd_limit_for_testing(simd::Isa::kAvx512);
}

// onyx AddLayerNormalization: Y = LayerNormalization(A + B) over the last axis and S = A + B,
// against a double reference, for operands of one shape (the row-by-row path, row lengths
// around the 16- and 64-lane loops) and a broadcast B (the whole-sum path), in every ISA.
TEST(NormalizationOps, AddLayerNormMatchesAddThenLayerNorm) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  auto fill = [&](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& e : v) e = u(rng);
    return v;
  };
  for (simd::Isa isa : {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    SCOPED_TRACE(simd::isa_name(isa));
    simd::set_simd_limit_for_testing(isa);
    for (int64_t D : {7, 48, 130}) {
      for (bool broadcast_b : {false, true}) {
        for (bool with_bias : {false, true}) {
          const int64_t rows = 4;
          const std::vector<float> a = fill(rows * D), b = fill(broadcast_b ? D : rows * D),
                                   s = fill(D), bias = fill(D);
          std::vector<Value> in = {make<float>(a, {2, 2, D}),
                                   broadcast_b ? make<float>(b, {D}) : make<float>(b, {2, 2, D}),
                                   make<float>(s, {D})};
          if (with_bias) in.push_back(make<float>(bias, {D}));
          S spec{"AddLayerNormalization", 1, std::move(in), {attr_float("epsilon", 1e-4f)}, 2};
          spec.domain = "onyx";
          auto r = run_node(spec);
          ASSERT_TRUE(r.ok()) << r.status().to_string();
          const Tensor& y = (*r)[0].tensor();
          const Tensor& sum = (*r)[1].tensor();
          ASSERT_EQ(y.shape(), (Shape{2, 2, D}));
          ASSERT_EQ(sum.shape(), (Shape{2, 2, D}));
          for (int64_t row = 0; row < rows; ++row) {
            std::vector<double> x(static_cast<size_t>(D));
            double m = 0, ss = 0;
            for (int64_t i = 0; i < D; ++i) {
              const size_t k = static_cast<size_t>(row * D + i);
              x[static_cast<size_t>(i)] = a[k] + b[broadcast_b ? static_cast<size_t>(i) : k];
              ASSERT_FLOAT_EQ(sum.data<float>()[k], static_cast<float>(x[static_cast<size_t>(i)]));
              m += x[static_cast<size_t>(i)];
            }
            m /= static_cast<double>(D);
            for (double v : x) ss += (v - m) * (v - m);
            const double inv = 1 / std::sqrt(ss / static_cast<double>(D) + 1e-4);
            for (int64_t i = 0; i < D; ++i) {
              const double want = (x[static_cast<size_t>(i)] - m) * inv * s[static_cast<size_t>(i)] +
                                  (with_bias ? bias[static_cast<size_t>(i)] : 0.0);
              ASSERT_NEAR(y.data<float>()[row * D + i], want, 1e-5 * (1 + std::abs(want)))
                  << "D " << D << " broadcast " << broadcast_b << " row " << row << " i " << i;
            }
          }
        }
      }
    }
  }
  simd::set_simd_limit_for_testing(simd::Isa::kAvx512);
  // Scale must hold the normalized values: a clear error, not a read past its end.
  S bad{"AddLayerNormalization", 1,
        {make<float>({1, 2, 3, 4}, {2, 2}), make<float>({1, 2, 3, 4}, {2, 2}),
         make<float>({1, 1, 1}, {3})}};
  bad.domain = "onyx";
  auto r = run_node(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().to_string().find("Scale and B must hold the 2 normalized values"),
            std::string::npos)
      << r.status().to_string();
}

TEST(NormalizationOps, RmsNorm) {
  Tensor y = run_ok(S{"RMSNormalization", 23, {make<float>({3, 4}, {1, 2}), make<float>({1, 2}, {2})},
                      {attr_float("epsilon", 0)}});
  const float rms = std::sqrt(12.5f);
  expect_tensor<float>(y, {3 / rms, 8 / rms}, {1, 2});
}

TEST(NormalizationOps, Lrn) {
  // C=3, size 3: window of each channel is its neighbours.
  Tensor x = make<float>({1, 2, 3}, {1, 3, 1});
  Tensor y = run_ok(S{"LRN", 13, {x}, {attr_int("size", 3), attr_float("alpha", 3), attr_float("beta", 1),
                                       attr_float("bias", 1)}});
  expect_tensor<float>(y, {1 / (1 + 5.f), 2 / (1 + 14.f), 3 / (1 + 13.f)}, {1, 3, 1});
  EXPECT_FALSE(run_node(S{"LRN", 13, {x}}).ok());  // size is required
}

TEST(NormalizationOps, DropoutInferenceAndTraining) {
  Tensor x = make<float>({1, 2, 3, 4}, {4});
  auto r = run_node(S{"Dropout", 13, {x}, {}, 2});
  ASSERT_TRUE(r.ok());
  expect_tensor<float>((*r)[0].tensor(), {1, 2, 3, 4}, {4});
  expect_tensor<bool>((*r)[1].tensor(), {true, true, true, true}, {4});
  auto old = run_node(S{"Dropout", 7, {x}, {attr_float("ratio", 0.3f)}, 2});
  ASSERT_TRUE(old.ok());
  expect_tensor<float>((*old)[1].tensor(), {1, 1, 1, 1}, {4});
  // Training: kept values are scaled by 1 / (1 - ratio).
  auto t = run_node(S{"Dropout", 13, {x, Tensor::scalar<float>(0.5f), Tensor::scalar<bool>(true)},
                      {attr_int("seed", 0)}, 2});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  for (int i = 0; i < 4; ++i) {
    const bool kept = (*t)[1].tensor().data<bool>()[i];
    EXPECT_EQ((*t)[0].tensor().data<float>()[i], kept ? 2.0f * (i + 1) : 0.0f);
  }
  EXPECT_FALSE(run_node(S{"Dropout", 13, {x, Tensor::scalar<float>(1.5f), Tensor::scalar<bool>(true)}}).ok());
}

}  // namespace
}  // namespace onyx
