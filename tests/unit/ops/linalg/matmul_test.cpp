// MatMul and Gemm: hand-computed values, broadcasting, 1-D operands, empty tensors, dtypes,
// random odd shapes against a naive reference, and error cases.
#include <random>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec spec(const std::string& op, int opset, std::vector<Value> inputs,
              std::vector<ir::Attribute> attributes = {}, int num_outputs = 1) {
  NodeSpec s;
  s.op = op;
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  s.num_outputs = num_outputs;
  return s;
}

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// C[b] = A[b] * B[b] for plain [B, M, K] x [B, K, N].
std::vector<float> naive_bmm(const std::vector<float>& a, const std::vector<float>& b, int64_t B,
                             int64_t M, int64_t K, int64_t N, bool b_shared = false) {
  std::vector<float> c(static_cast<size_t>(B * M * N), 0.f);
  for (int64_t s = 0; s < B; ++s) {
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k) {
          acc += double(a[s * M * K + i * K + k]) * b[(b_shared ? 0 : s) * K * N + k * N + j];
        }
        c[s * M * N + i * N + j] = static_cast<float>(acc);
      }
    }
  }
  return c;
}

TEST(LinalgMatMul, Hand2x3x2) {
  Tensor y = run_ok(spec("MatMul", 13, {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                    make<float>({7, 8, 9, 10, 11, 12}, {3, 2})}));
  expect_tensor<float>(y, {58, 64, 139, 154}, {2, 2});
}

TEST(LinalgMatMul, VectorOperands) {
  // 1-D x 1-D: dot product, rank-0 result.
  Tensor d = run_ok(spec("MatMul", 13, {make<float>({1, 2, 3}, {3}), make<float>({4, 5, 6}, {3})}));
  expect_tensor<float>(d, {32}, {});
  // 1-D x [2,3,2]: vector promoted to a row, dim removed.
  Tensor l = run_ok(spec("MatMul", 13, {make<float>({1, 1, 1}, {3}),
                                    make<float>({1, 2, 3, 4, 5, 6, 1, 1, 1, 1, 1, 1}, {2, 3, 2})}));
  expect_tensor<float>(l, {9, 12, 3, 3}, {2, 2});
  // [2,2,3] x 1-D.
  Tensor r = run_ok(spec("MatMul", 9, {make<float>({1, 2, 3, 4, 5, 6, 0, 0, 1, 1, 0, 0}, {2, 2, 3}),
                                   make<float>({1, 0, 2}, {3})}));
  expect_tensor<float>(r, {7, 16, 2, 1}, {2, 2});
}

TEST(LinalgMatMul, BroadcastBatchAgainstReference) {
  // A [2,1,3,4] x B [3,4,5] -> [2,3,3,5]
  const auto a = random_floats(2 * 3 * 4, 1), b = random_floats(3 * 4 * 5, 2);
  Tensor y = run_ok(spec("MatMul", 13, {make<float>(a, {2, 1, 3, 4}), make<float>(b, {3, 4, 5})}));
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      std::vector<float> ai(a.begin() + i * 12, a.begin() + (i + 1) * 12);
      std::vector<float> bj(b.begin() + j * 20, b.begin() + (j + 1) * 20);
      auto c = naive_bmm(ai, bj, 1, 3, 4, 5);
      expected.insert(expected.end(), c.begin(), c.end());
    }
  }
  expect_tensor<float>(y, expected, {2, 3, 3, 5}, 1e-5);
}

TEST(LinalgMatMul, OddShapesFoldedBatchAndDouble) {
  const int64_t B = 3, M = 37, K = 53, N = 29;
  const auto a = random_floats(B * M * K, 3), b = random_floats(K * N, 4);
  Tensor y = run_ok(spec("MatMul", 13, {make<float>(a, {B, M, K}), make<float>(b, {K, N})}));
  expect_tensor<float>(y, naive_bmm(a, b, B, M, K, N, true), {B, M, N}, 1e-4);
  std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end());
  Tensor yd = run_ok(spec("MatMul", 13, {make<double>(ad, {B, M, K}), make<double>(bd, {K, N})}));
  const auto ref = naive_bmm(a, b, B, M, K, N, true);
  expect_tensor<double>(yd, std::vector<double>(ref.begin(), ref.end()), {B, M, N}, 1e-5);
}

TEST(LinalgMatMul, IntegerAndHalfTypes) {
  Tensor i32 = run_ok(spec("MatMul", 13, {make<int32_t>({1, -2, 3, 4}, {2, 2}),
                                      make<int32_t>({5, 6, 7, 8}, {2, 2})}));
  expect_tensor<int32_t>(i32, {-9, -10, 43, 50}, {2, 2});
  Tensor i64 = run_ok(spec("MatMul", 13, {make<int64_t>({1, 2}, {1, 2}),
                                      make<int64_t>({int64_t{1} << 40, 1}, {2, 1})}));
  expect_tensor<int64_t>(i64, {(int64_t{1} << 40) + 2}, {1, 1});
  Tensor u32 = run_ok(spec("MatMul", 13, {make<uint32_t>({2, 3}, {2}), make<uint32_t>({4, 5}, {2})}));
  expect_tensor<uint32_t>(u32, {23}, {});
  Tensor h = run_ok(spec("MatMul", 13, {make<float16>({float16(1.f), float16(2.f)}, {1, 2}),
                                    make<float16>({float16(0.5f), float16(0.25f)}, {2, 1})}));
  expect_tensor<float16>(h, {float16(1.f)}, {1, 1});
  Tensor bf = run_ok(spec("MatMul", 13, {make<bfloat16>({bfloat16(3.f)}, {1, 1}),
                                     make<bfloat16>({bfloat16(2.f)}, {1, 1})}));
  expect_tensor<bfloat16>(bf, {bfloat16(6.f)}, {1, 1});
}

TEST(LinalgMatMul, EmptyTensors) {
  Tensor a = run_ok(spec("MatMul", 13, {Tensor(DataType::kFloat, {0, 3}), make<float>(std::vector<float>(12, 1.f), {3, 4})}));
  expect_tensor<float>(a, {}, {0, 4});
  // K == 0: the result is all zeros.
  Tensor k = run_ok(spec("MatMul", 13, {Tensor(DataType::kFloat, {2, 0}), Tensor(DataType::kFloat, {0, 3})}));
  expect_tensor<float>(k, {0, 0, 0, 0, 0, 0}, {2, 3});
  EXPECT_FALSE(run_node(spec("MatMul", 13, {Tensor(DataType::kFloat, {0, 2, 3}), Tensor(DataType::kFloat, {4, 3, 2})})).ok());  // batch dims 0 vs 4 do not broadcast
}

TEST(LinalgMatMul, Errors) {
  EXPECT_FALSE(run_node(spec("MatMul", 13, {make<float>({1, 2, 3}, {1, 3}), make<float>({1, 2}, {2, 1})})).ok());
  EXPECT_FALSE(run_node(spec("MatMul", 13, {make<float>({1}, {1, 1}), make<double>({1}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(spec("MatMul", 13, {Tensor::scalar<float>(1.f), make<float>({1}, {1})})).ok());
  EXPECT_FALSE(run_node(spec("MatMul", 13, {make<float>(std::vector<float>(12), {2, 2, 3}),
                                        make<float>(std::vector<float>(18), {3, 3, 2})})).ok());
  EXPECT_FALSE(run_node(spec("MatMul", 13, {make<int8_t>({1}, {1, 1}), make<int8_t>({1}, {1, 1})})).ok());
}

// ---- Gemm -------------------------------------------------------------------------------------

TEST(LinalgGemm, TransposesAlphaBetaAndBroadcastC) {
  // A^T: A stored [3,2]; B^T: B stored [2,3].
  Tensor a = make<float>({1, 4, 2, 5, 3, 6}, {3, 2});  // A = [[1,2,3],[4,5,6]]
  Tensor b = make<float>({7, 9, 11, 8, 10, 12}, {2, 3});  // B = [[7,8],[9,10],[11,12]]
  Tensor y = run_ok(spec("Gemm", 13, {a, b, make<float>({1, 2}, {2})},
                     {attr_int("transA", 1), attr_int("transB", 1), attr_float("alpha", 2.f),
                      attr_float("beta", 3.f)}));
  expect_tensor<float>(y, {2 * 58 + 3, 2 * 64 + 6, 2 * 139 + 3, 2 * 154 + 6}, {2, 2});
  // Column C [2,1] and scalar C.
  Tensor a2 = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b2 = make<float>({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor col = run_ok(spec("Gemm", 11, {a2, b2, make<float>({10, 20}, {2, 1})}));
  expect_tensor<float>(col, {68, 74, 159, 174}, {2, 2});
  Tensor sc = run_ok(spec("Gemm", 7, {a2, b2, Tensor::scalar<float>(1.f)}, {attr_float("beta", 0.5f)}));
  expect_tensor<float>(sc, {58.5f, 64.5f, 139.5f, 154.5f}, {2, 2});
}

TEST(LinalgGemm, OptionalCAndTypes) {
  Tensor a = make<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = make<double>({7, 8, 9, 10, 11, 12}, {3, 2});
  expect_tensor<double>(run_ok(spec("Gemm", 13, {a, b})), {58, 64, 139, 154}, {2, 2});
  expect_tensor<double>(run_ok(spec("Gemm", 13, {a, b, Value()})), {58, 64, 139, 154}, {2, 2});
  Tensor i = run_ok(spec("Gemm", 13, {make<int64_t>({1, 2, 3, 4}, {2, 2}), make<int64_t>({1, 0, 0, 1}, {2, 2}),
                                  make<int64_t>({-1}, {1})}));
  expect_tensor<int64_t>(i, {0, 1, 2, 3}, {2, 2});
  Tensor u = run_ok(spec("Gemm", 13, {make<uint32_t>({2}, {1, 1}), make<uint32_t>({3}, {1, 1})}));
  expect_tensor<uint32_t>(u, {6}, {1, 1});
  Tensor h = run_ok(spec("Gemm", 13, {make<float16>({float16(2.f)}, {1, 1}), make<float16>({float16(3.f)}, {1, 1}),
                                  make<float16>({float16(0.5f)}, {1})}));
  expect_tensor<float16>(h, {float16(6.5f)}, {1, 1});
}

TEST(LinalgGemm, OddShapesAgainstReference) {
  const int64_t M = 17, K = 33, N = 9;
  const auto a = random_floats(M * K, 5), b = random_floats(K * N, 6), c = random_floats(N, 7);
  Tensor y = run_ok(spec("Gemm", 13, {make<float>(a, {M, K}), make<float>(b, {K, N}), make<float>(c, {N})}));
  auto ref = naive_bmm(a, b, 1, M, K, N);
  for (int64_t i = 0; i < M; ++i) for (int64_t j = 0; j < N; ++j) ref[i * N + j] += c[j];
  expect_tensor<float>(y, ref, {M, N}, 1e-4);
}

TEST(LinalgGemm, EmptyAndErrors) {
  expect_tensor<float>(run_ok(spec("Gemm", 13, {Tensor(DataType::kFloat, {0, 3}), Tensor(DataType::kFloat, {3, 2})})),
                       {}, {0, 2});
  Tensor kz = run_ok(spec("Gemm", 13, {Tensor(DataType::kFloat, {2, 0}), Tensor(DataType::kFloat, {0, 2}),
                                   make<float>({1, 2}, {2})}));
  expect_tensor<float>(kz, {1, 2, 1, 2}, {2, 2});
  EXPECT_FALSE(run_node(spec("Gemm", 13, {make<float>({1, 2}, {2}), make<float>({1, 2}, {2, 1})})).ok());
  EXPECT_FALSE(run_node(spec("Gemm", 13, {make<float>({1, 2}, {1, 2}), make<float>({1, 2, 3}, {3, 1})})).ok());
  EXPECT_FALSE(run_node(spec("Gemm", 13, {make<float>({1, 2}, {1, 2}), make<float>({1, 2}, {2, 1}),
                                      make<float>({1, 2, 3}, {3})})).ok());
}

}  // namespace
}  // namespace onyx::test
