// MatMulInteger / QLinearMatMul / ConvInteger / QLinearConv: hand values, zero points per tensor,
// row, column and channel, padding equal to the zero point, exactness of the float and double
// GEMM paths against a naive int64 reference, broadcasting, and error cases.
#include <random>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec spec(const std::string& op, int opset, std::vector<Value> inputs,
              std::vector<ir::Attribute> attributes = {}) {
  NodeSpec s;
  s.op = op;
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  return s;
}

template <typename T>
std::vector<T> random_ints(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(std::numeric_limits<T>::min(),
                                          std::numeric_limits<T>::max());
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

TEST(MatMulInteger, HandValuesWithRowAndColumnZeroPoints) {
  const Tensor y = run_ok(spec("MatMulInteger", 10,
                               {make<uint8_t>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                make<uint8_t>({1, 2, 3, 4, 5, 6}, {3, 2}),
                                Tensor::scalar<uint8_t>(1), make<uint8_t>({1, 2}, {2})}));
  // (A-1) = [0 1 2; 3 4 5], (B-[1 2]) = [0 0; 2 2; 4 4]
  expect_tensor<int32_t>(y, {10, 10, 28, 28}, {2, 2});
  const Tensor r = run_ok(spec("MatMulInteger", 10,
                               {make<int8_t>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                make<int8_t>({1, 0, 0, 1, 1, 1}, {3, 2}),
                                make<int8_t>({1, -1}, {2})}));  // per-row A zero point
  // A - [1; -1] = [0 1 2; 5 6 7]
  expect_tensor<int32_t>(r, {2, 3, 12, 13}, {2, 2});
}

TEST(MatMulInteger, MixedSignsVectorsAndBroadcast) {
  // uint8 A x int8 B, 1-D A.
  const Tensor v = run_ok(spec("MatMulInteger", 10,
                               {make<uint8_t>({255, 1}, {2}), make<int8_t>({-128, 127}, {2, 1})}));
  expect_tensor<int32_t>(v, {255 * -128 + 127}, {1});
  // A [2,1,1,2] @ B [3,2,1] -> [2,3,1,1]
  const Tensor b = run_ok(spec("MatMulInteger", 10,
                               {make<uint8_t>({1, 2, 3, 4}, {2, 1, 1, 2}),
                                make<uint8_t>({1, 1, 2, 0, 0, 3}, {3, 2, 1})}));
  expect_tensor<int32_t>(b, {3, 2, 6, 7, 6, 12}, {2, 3, 1, 1});
  const Tensor e = run_ok(spec("MatMulInteger", 10,
                               {make<uint8_t>({}, {0, 3}), make<uint8_t>({1, 2, 3}, {3, 1})}));
  expect_tensor<int32_t>(e, {}, {0, 1});
}

// Exact against a naive int64 reference, on both GEMM paths (float: small K, double: large K).
void check_exact(int64_t M, int64_t K, int64_t N, unsigned seed) {
  const auto a = random_ints<uint8_t>(M * K, seed);
  const auto b = random_ints<int8_t>(K * N, seed + 1);
  const uint8_t azp = 131;
  const int8_t bzp = -3;
  const Tensor y = run_ok(spec("MatMulInteger", 10,
                               {make<uint8_t>(a, {M, K}), make<int8_t>(b, {K, N}),
                                Tensor::scalar<uint8_t>(azp), Tensor::scalar<int8_t>(bzp)}));
  std::vector<int32_t> want(static_cast<size_t>(M * N));
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      int64_t s = 0;
      for (int64_t k = 0; k < K; ++k) {
        s += (int64_t{a[i * K + k]} - azp) * (int64_t{b[k * N + j]} - bzp);
      }
      want[i * N + j] = static_cast<int32_t>(s);
    }
  }
  expect_tensor<int32_t>(y, want, {M, N});
}

TEST(MatMulInteger, ExactOnFloatAndDoublePaths) {
  check_exact(5, 7, 3, 1);      // float
  check_exact(17, 300, 9, 2);   // bound 300*255*128 > 2^24: double
  check_exact(3, 4000, 2, 3);   // double
}

TEST(MatMulInteger, Errors) {
  EXPECT_FALSE(run_node(spec("MatMulInteger", 10,
                             {make<uint8_t>({1, 2}, {1, 2}), make<uint8_t>({1, 2, 3}, {3, 1})}))
                   .ok());  // K mismatch
  EXPECT_FALSE(run_node(spec("MatMulInteger", 10,
                             {make<uint8_t>({1, 2}, {1, 2}), make<uint8_t>({1, 2}, {2, 1}),
                              Tensor::scalar<int8_t>(0)}))
                   .ok());  // zero point type
  EXPECT_FALSE(run_node(spec("MatMulInteger", 10,
                             {make<uint8_t>({1, 2}, {1, 2}), make<uint8_t>({1, 2}, {2, 1}),
                              make<uint8_t>({0, 0, 0}, {3})}))
                   .ok());  // zero point length
  EXPECT_FALSE(run_node(spec("MatMulInteger", 10,
                             {make<int32_t>({1, 2}, {1, 2}), make<int32_t>({1, 2}, {2, 1})}))
                   .ok());  // type
}

TEST(QLinearMatMul, HandValues) {
  // acc = 10*2 + 20*4 = 100; 100 * (0.5 * 0.25 / 0.5) = 25; + 10
  const Tensor y = run_ok(spec("QLinearMatMul", 10,
                               {make<uint8_t>({10, 20, 1, 1}, {2, 2}), Tensor::scalar<float>(0.5f),
                                Tensor::scalar<uint8_t>(0), make<uint8_t>({2, 4}, {2, 1}),
                                Tensor::scalar<float>(0.25f), Tensor::scalar<uint8_t>(0),
                                Tensor::scalar<float>(0.5f), Tensor::scalar<uint8_t>(10)}));
  // row 1: acc = 6 * 0.25 = 1.5 -> 2 (half to even) + 10
  expect_tensor<uint8_t>(y, {35, 12}, {2, 1});
  // int8 with saturation and per-column b scale.
  const Tensor s = run_ok(spec("QLinearMatMul", 21,
                               {make<int8_t>({100, 100}, {1, 2}), Tensor::scalar<float>(1.f),
                                Tensor::scalar<int8_t>(0), make<int8_t>({1, -1, 1, 1}, {2, 2}),
                                make<float>({1.f, 0.01f}, {2}), make<int8_t>({0, 0}, {2}),
                                Tensor::scalar<float>(1.f), Tensor::scalar<int8_t>(-5)}));
  // acc = [200, 0] -> [200 -5 -> 127, 0 - 5]
  expect_tensor<int8_t>(s, {127, -5}, {1, 2});
}

TEST(QLinearMatMul, Float16Scales) {
  const Tensor y = run_ok(spec(
      "QLinearMatMul", 21,
      {make<uint8_t>({3}, {1, 1}), Tensor::scalar<float16>(float16(0.5f)), Tensor::scalar<uint8_t>(0),
       make<uint8_t>({5}, {1, 1}), Tensor::scalar<float16>(float16(1.f)), Tensor::scalar<uint8_t>(0),
       Tensor::scalar<float16>(float16(1.f)), Tensor::scalar<uint8_t>(0)}));
  expect_tensor<uint8_t>(y, {8}, {1, 1});  // 15 * 0.5 = 7.5 -> 8
}

TEST(QLinearMatMul, Errors) {
  const Tensor a = make<uint8_t>({1, 2}, {1, 2}), b = make<uint8_t>({1, 2}, {2, 1});
  const Tensor s = Tensor::scalar<float>(1.f);
  const Tensor z = Tensor::scalar<uint8_t>(0);
  EXPECT_FALSE(run_node(spec("QLinearMatMul", 10,
                             {a, make<float>({1, 2, 3}, {3}), z, b, s, z, s, z}))
                   .ok());  // a_scale length
  EXPECT_FALSE(run_node(spec("QLinearMatMul", 10,
                             {a, s, z, b, s, z, make<float>({1, 2}, {2}), z}))
                   .ok());  // y_scale not scalar
  EXPECT_FALSE(run_node(spec("QLinearMatMul", 10,
                             {a, s, z, b, Tensor::scalar<double>(1.0), z, s, z}))
                   .ok());  // scale types differ
}

TEST(ConvInteger, ValidAndPaddedUseZeroPoint) {
  const Tensor x = make<uint8_t>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor w = make<uint8_t>({1, 1, 1, 1}, {1, 1, 2, 2});
  const Tensor y = run_ok(spec("ConvInteger", 10, {x, w, Tensor::scalar<uint8_t>(1)}));
  expect_tensor<int32_t>(y, {8, 12, 20, 24}, {1, 1, 2, 2});
  // Padded positions contribute x_zero_point - x_zero_point = 0.
  const Tensor p = run_ok(spec("ConvInteger", 10, {x, w, Tensor::scalar<uint8_t>(1)},
                               {attr_ints("pads", {1, 1, 1, 1})}));
  expect_tensor<int32_t>(p, {0, 1, 3, 2, 3, 8, 12, 7, 9, 20, 24, 13, 6, 13, 15, 8},
                         {1, 1, 4, 4});
}

TEST(ConvInteger, PerChannelWeightZeroPointGroupsAndStrides) {
  // Two groups, one channel each; w_zero_point per output channel.
  const Tensor x = make<int8_t>({1, 2, 3, 4, -1, -2, -3, -4}, {1, 2, 4});
  const Tensor w = make<int8_t>({2, 3, 5, 5}, {2, 1, 2});
  const Tensor y = run_ok(spec("ConvInteger", 10,
                               {x, w, Tensor::scalar<int8_t>(0), make<int8_t>({1, 4}, {2})},
                               {attr_int("group", 2), attr_ints("strides", {2})}));
  // ch0: w-1 = [1 2]: (1*1+2*2, 3+8) = (5, 11); ch1: w-4 = [1 1]: (-3, -7)
  expect_tensor<int32_t>(y, {5, 11, -3, -7}, {1, 2, 2});
}

TEST(ConvInteger, ExactAgainstNaiveLargeChannels) {
  // 1-D conv with C = 64, k = 5: K = 320 -> double path; compare to an int64 loop.
  const int64_t C = 64, L = 9, M = 3, k = 5;
  const auto xv = random_ints<uint8_t>(C * L, 7);
  const auto wv = random_ints<int8_t>(M * C * k, 8);
  const Tensor y = run_ok(spec("ConvInteger", 10,
                               {make<uint8_t>(xv, {1, C, L}), make<int8_t>(wv, {M, C, k}),
                                Tensor::scalar<uint8_t>(128)}));
  std::vector<int32_t> want;
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t o = 0; o + k <= L; ++o) {
      int64_t s = 0;
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t t = 0; t < k; ++t) {
          s += (int64_t{xv[c * L + o + t]} - 128) * int64_t{wv[(m * C + c) * k + t]};
        }
      }
      want.push_back(static_cast<int32_t>(s));
    }
  }
  expect_tensor<int32_t>(y, want, {1, M, L - k + 1});
}

TEST(ConvInteger, Errors) {
  const Tensor x = make<uint8_t>({1, 2, 3, 4}, {1, 1, 4});
  EXPECT_FALSE(run_node(spec("ConvInteger", 10, {x, make<uint8_t>({1, 1}, {1, 2, 1})})).ok());
  EXPECT_FALSE(run_node(spec("ConvInteger", 10, {x, make<uint8_t>({1}, {1, 1, 1}),
                                                  make<uint8_t>({0, 0}, {2})}))
                   .ok());  // x_zero_point must be scalar
  EXPECT_FALSE(run_node(spec("ConvInteger", 10, {x, make<uint8_t>({1}, {1, 1, 1}),
                                                  Tensor::scalar<uint8_t>(0),
                                                  make<uint8_t>({0, 0}, {2})}))
                   .ok());  // w_zero_point length
}

TEST(QLinearConv, BiasAndPerChannelScale) {
  const Tensor x = make<uint8_t>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor w = make<uint8_t>({1, 1, 1, 1, 2, 2, 2, 2}, {2, 1, 2, 2});
  const Tensor y = run_ok(spec(
      "QLinearConv", 10,
      {x, Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(1), w, make<float>({0.5f, 0.25f}, {2}),
       Tensor::scalar<uint8_t>(0), Tensor::scalar<float>(1.f), Tensor::scalar<uint8_t>(3),
       make<int32_t>({2, -4}, {2})}));
  // ch0: (acc + 2) * 0.5 + 3: acc = 8,12,20,24 -> 8,10,14,16
  // ch1: (2*acc - 4) * 0.25 + 3: 12 -> 3+3=6, 20 -> 5+3=8, 36 -> 9+3=12, 44 -> 11+3=14
  expect_tensor<uint8_t>(y, {8, 10, 14, 16, 6, 8, 12, 14}, {1, 2, 2, 2});
}

TEST(QLinearConv, Errors) {
  const Tensor x = make<uint8_t>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor w = make<uint8_t>({1}, {1, 1, 1, 1});
  const Tensor s = Tensor::scalar<float>(1.f);
  const Tensor z = Tensor::scalar<uint8_t>(0);
  EXPECT_FALSE(run_node(spec("QLinearConv", 10, {x, s, z, w, make<float>({1, 2}, {2}), z, s, z}))
                   .ok());  // w_scale length
  EXPECT_FALSE(run_node(spec("QLinearConv", 10,
                             {x, s, z, w, s, z, s, z, make<int32_t>({1, 2}, {2})}))
                   .ok());  // bias length
  EXPECT_FALSE(run_node(spec("QLinearConv", 10,
                             {x, s, z, w, s, z, s, z, make<float>({1}, {1})}))
                   .ok());  // bias type
}

}  // namespace
}  // namespace onyx::test
