// onyx.FusedMatMul (docs/fused-ops.md): act(alpha * A @ op(B) + bias), hand-computed, and the
// packed oneDNN path (constant B) against a double-precision reference; the packed constant's
// original is released unless another reader needs it.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/linalg/dnnl_matmul.h"
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec fused(std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {}) {
  NodeSpec s{"FusedMatMul", 1, std::move(inputs), std::move(attrs)};
  s.domain = "onyx";
  return s;
}

TEST(FusedMatMul, ScaleBiasAndActivation) {
  // A [2, 2] @ B [2, 3] = [[1, 2, 3], [3, 4, 5]]; * 2 + [-4, 0, 1]; Relu.
  const Tensor a = make<float>({1, 0, 1, 1}, {2, 2});
  const Tensor b = make<float>({1, 2, 3, 2, 2, 2}, {2, 3});
  const Tensor bias = make<float>({-4, 0, 1}, {3});
  const Tensor y = run_ok(fused({V(a), V(b), V(bias)},
                                {attr_float("alpha", 2.f), attr_string("activation", "Relu")}));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{0, 4, 7, 2, 8, 11}));
}

TEST(FusedMatMul, TransposedBAndVectorA) {
  // A of rank 1 is one row, and the output drops that dimension (numpy.matmul).
  const Tensor a = make<float>({1, 2}, {2});
  const Tensor bt = make<float>({1, 0, 0, 1, 1, 1}, {3, 2});  // B^T: B = [[1, 0, 1], [0, 1, 1]]
  const Tensor bias = make<float>({10, 20, 30}, {3});
  const Tensor y = run_ok(fused({V(a), V(bt), V(bias)}, {attr_int("transB", 1)}));
  EXPECT_EQ(y.shape(), (Shape{3}));
  EXPECT_EQ(values_of<float>(y), (std::vector<float>{11, 22, 33}));
}

// B constant: packed at load for oneDNN's matmul, bias and activation (if any) inside it. Every
// row count (one primitive each, sharing the packed B; a single row takes our matrix-vector
// kernel when the bias is constant too), both B layouts, a batch folded into the rows, B of
// rank 3, with and without bias, the bias constant or not; B given at run time (sgemm) must
// agree too.
TEST(FusedMatMul, PackedConstantWeightsMatchTheFormula) {
  const int64_t K = 37, N = 45;
  for (int trans_b = 0; trans_b <= 1; ++trans_b) {
    for (const std::string act : {"", "Gelu", "Relu", "GeluTanh", "Sigmoid"}) {
      for (int with_bias = 0; with_bias <= 1; ++with_bias) {
        for (const Shape& a_shape : {Shape{1, K}, Shape{5, K}, Shape{130, K}, Shape{2, 3, K}}) {
          const Tensor a = random_floats(a_shape, 1);
          const Tensor b = random_floats(trans_b ? Shape{1, N, K} : Shape{1, K, N}, 2);
          const Tensor bias = random_floats({N}, 3);
          std::vector<Value> in = {V(a), V(b)};
          if (with_bias) in.push_back(V(bias));
          std::vector<ir::Attribute> attrs = {attr_int("transB", trans_b)};
          if (!act.empty()) attrs.push_back(attr_string("activation", act));
          const NodeSpec spec = fused(in, attrs);
          const int64_t rows = a.numel() / K;
          for (const RunConfig& config :
               {RunConfig{2, {1, 2}}, RunConfig{1, {1}}, RunConfig{1, {}}}) {
            auto r = run_node(spec, config);
            ASSERT_TRUE(r.ok()) << r.status().to_string();
            const Tensor& y = (*r)[0].tensor();
            ASSERT_EQ(y.numel(), rows * N);
            for (int64_t i = 0; i < rows; ++i) {
              for (int64_t j = 0; j < N; ++j) {
                double v = with_bias ? bias.data<float>()[j] : 0.0;
                for (int64_t k = 0; k < K; ++k) {
                  const float bv = trans_b ? b.data<float>()[j * K + k] : b.data<float>()[k * N + j];
                  v += double{a.data<float>()[i * K + k]} * bv;
                }
                double want = act.empty() ? v : (v > 0 ? v : 0);
                if (act == "Gelu") want = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
                if (act == "Sigmoid") want = 1 / (1 + std::exp(-v));
                if (act == "GeluTanh") {
                  want = 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
                }
                ASSERT_NEAR(y.data<float>()[i * N + j], want, 1e-5 * (1 + std::abs(want)))
                    << act << " transB " << trans_b << " bias " << with_bias << " rows " << rows
                    << " constants " << config.constants.size() << " at " << i << "," << j;
              }
            }
          }
        }
      }
    }
  }
}

// y = FusedMatMul(a, W) with W an initializer; with `also_output`, W is a graph output too.
Result<std::unique_ptr<Session>> matmul_session(const Tensor& w, bool also_output) {
  ir::Model model;
  model.ir_version = 8;
  model.opset_imports[""] = 17;
  model.opset_imports["onyx"] = 1;
  model.graph.inputs.push_back(ir::ValueInfo{"a", {}, {}});
  model.graph.initializers.emplace("w", w);
  ir::Node n;
  n.name = "mm";
  n.op_type = "FusedMatMul";
  n.domain = "onyx";
  n.opset = 1;
  n.inputs = {"a", "w"};
  n.outputs = {"y"};
  model.graph.nodes.push_back(n);
  model.graph.outputs.push_back(ir::ValueInfo{"y", {}, {}});
  if (also_output) model.graph.outputs.push_back(ir::ValueInfo{"w", {}, {}});
  return Session::create(std::move(model), SessionOptions());
}

// Once packed, the session keeps only the packed copy: its initializer becomes a stand-in that
// holds no data (reads as zeros), and results still come out right. A constant that is also a
// graph output is read as data, so it stays.
TEST(FusedMatMul, PackedWeightsAreHeldOnce) {
  const int64_t K = 64, N = 48;
  const Tensor a = random_floats({3, K}, 4);
  const Tensor w = random_floats({K, N}, 5);
  const Tensor want = run_ok(fused({V(a), V(w)}));  // runtime B: sgemm
  for (const bool also_output : {false, true}) {
    SCOPED_TRACE(also_output ? "W is an output too" : "W read by FusedMatMul only");
    auto session = matmul_session(w, also_output);
    ASSERT_TRUE(session.ok()) << session.status().to_string();
    const Tensor& kept = (*session)->model().graph.initializers.at("w");
    ASSERT_EQ(kept.shape(), w.shape());
    bool all_zero = true, same = true;
    for (int64_t i = 0; i < w.numel(); ++i) {
      all_zero = all_zero && kept.data<float>()[i] == 0.f;
      same = same && kept.data<float>()[i] == w.data<float>()[i];
    }
    if (also_output) {
      EXPECT_TRUE(same) << "a constant that is a graph output must keep its data";
    } else {
      EXPECT_TRUE(all_zero) << "the packed constant was not released";
    }
    // The model to save gets the weights back from the packed copy.
    auto saved = (*session)->model_with_weights();
    ASSERT_TRUE(saved.ok()) << saved.status().to_string();
    const Tensor& back = saved->graph.initializers.at("w");
    ASSERT_EQ(back.shape(), w.shape());
    for (int64_t i = 0; i < w.numel(); ++i) {
      ASSERT_EQ(back.data<float>()[i], w.data<float>()[i]) << "at " << i;
    }
    auto r = (*session)->run({{"a", V(a)}});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    const Tensor& y = (*r)[0].tensor();
    ASSERT_EQ(y.shape(), want.shape());
    for (int64_t i = 0; i < y.numel(); ++i) {
      ASSERT_NEAR(y.data<float>()[i], want.data<float>()[i], 1e-5f) << "at " << i;
    }
    if (also_output) {
      const Tensor& w_out = (*r)[1].tensor();
      for (int64_t i = 0; i < w.numel(); ++i) ASSERT_EQ(w_out.data<float>()[i], w.data<float>()[i]);
    }
  }
}

// The fallback for row counts the packed layout cannot serve recomputes B from the packed copy.
TEST(FusedMatMul, PackedWeightsUnpackToTheOriginal) {
  const int64_t K = 37, N = 45;
  for (const bool trans_b : {false, true}) {
    const Tensor b = random_floats(trans_b ? Shape{N, K} : Shape{K, N}, 6);
    auto packed = linalg::PackedMatMul::create(K, N, trans_b, b.data<float>(), false, {});
    ASSERT_TRUE(packed.ok()) << packed.status().to_string();
    std::vector<float> plain(static_cast<size_t>(K * N));
    (*packed)->unpack(plain.data());
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < N; ++j) {
        const float want = trans_b ? b.data<float>()[j * K + k] : b.data<float>()[k * N + j];
        ASSERT_EQ(plain[static_cast<size_t>(k * N + j)], want) << k << "," << j;
      }
    }
  }
}

TEST(FusedMatMul, BadShapesAreErrors) {
  const Tensor a = make<float>({1, 2, 3}, {1, 3});
  const Tensor b = make<float>({1, 2}, {2, 1});
  EXPECT_FALSE(run_node(fused({V(a), V(b)})).ok());
  const Tensor b2 = make<float>({1, 2, 3}, {3, 1});
  const Tensor bias = make<float>({1, 2}, {2});
  EXPECT_FALSE(run_node(fused({V(a), V(b2), V(bias)})).ok());
}

}  // namespace
}  // namespace onyx::test
