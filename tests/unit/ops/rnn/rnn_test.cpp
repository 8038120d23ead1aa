#include <cmath>

#include "test_util.h"

namespace onyx {
namespace {

using test::attr_float;
using test::attr_floats;
using test::attr_int;
using test::attr_string;
using test::expect_tensor;
using test::make;
using test::run_node;

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

ir::Attribute acts(std::vector<std::string> names) {
  ir::Attribute a;
  a.name = "activations";
  a.type = ir::Attribute::Type::kStrings;
  a.strings = std::move(names);
  return a;
}

float sig(float x) { return 1 / (1 + std::exp(-x)); }

std::vector<Value> outs_of(const Result<std::vector<Value>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<Value>(3);
}

// H = I = 1, W = R = 1: h_t = relu(x_t + h_{t-1}).
Tensor w1(int dirs = 1) { return make<float>(std::vector<float>(dirs, 1), {dirs, 1, 1}); }

TEST(RnnOps, RnnForwardReverseBidirectional) {
  Tensor x = make<float>({1, 2, -5}, {3, 1, 1});
  auto f = outs_of(run_node(S{"RNN", 14, {x, w1(), w1()}, {acts({"Relu"}), attr_int("hidden_size", 1)}, 2}));
  expect_tensor<float>(f[0].tensor(), {1, 3, 0}, {3, 1, 1, 1});
  expect_tensor<float>(f[1].tensor(), {0}, {1, 1, 1});
  auto r = outs_of(run_node(S{"RNN", 14, {x, w1(), w1()}, {acts({"Relu"}), attr_string("direction", "reverse")}, 2}));
  expect_tensor<float>(r[0].tensor(), {3, 2, 0}, {3, 1, 1, 1});
  expect_tensor<float>(r[1].tensor(), {3}, {1, 1, 1});
  auto b = outs_of(run_node(
      S{"RNN", 14, {x, w1(2), w1(2)}, {acts({"Relu", "Relu"}), attr_string("direction", "bidirectional")}, 2}));
  expect_tensor<float>(b[0].tensor(), {1, 3, 3, 2, 0, 0}, {3, 2, 1, 1});
  expect_tensor<float>(b[1].tensor(), {0, 3}, {2, 1, 1});
}

TEST(RnnOps, SequenceLensAndInitialState) {
  // batch 0: [1, 2, -5] (len 3); batch 1: [1, 1, 9] (len 2, the 9 is padding).
  Tensor x = make<float>({1, 1, 2, 1, -5, 9}, {3, 2, 1});
  Tensor lens = make<int32_t>({3, 2}, {2});
  auto f = outs_of(run_node(S{"RNN", 14, {x, w1(), w1(), Value(), lens}, {acts({"Relu"})}, 2}));
  expect_tensor<float>(f[0].tensor(), {1, 1, 3, 2, 0, 0}, {3, 1, 2, 1});
  expect_tensor<float>(f[1].tensor(), {0, 2}, {1, 2, 1});
  auto r = outs_of(run_node(
      S{"RNN", 14, {x, w1(), w1(), Value(), lens}, {acts({"Relu"}), attr_string("direction", "reverse")}, 2}));
  expect_tensor<float>(r[0].tensor(), {3, 2, 2, 1, 0, 0}, {3, 1, 2, 1});
  expect_tensor<float>(r[1].tensor(), {3, 2}, {1, 2, 1});
  // initial_h = 10 for both: h = relu(x + h).
  Tensor h0 = make<float>({10, 10}, {1, 2, 1});
  auto i = outs_of(run_node(S{"RNN", 14, {x, w1(), w1(), Value(), lens, h0}, {acts({"Relu"})}, 2}));
  expect_tensor<float>(i[1].tensor(), {8, 12}, {1, 2, 1});
}

TEST(RnnOps, BatchMajorLayout) {
  Tensor x = make<float>({1, 2, -5, 1, 1, 1}, {2, 3, 1});  // [batch, seq, input]
  auto f = outs_of(run_node(S{"RNN", 14, {x, w1(), w1()}, {acts({"Relu"}), attr_int("layout", 1)}, 2}));
  expect_tensor<float>(f[0].tensor(), {1, 3, 0, 1, 2, 3}, {2, 3, 1, 1});
  expect_tensor<float>(f[1].tensor(), {0, 3}, {2, 1, 1});
}

TEST(RnnOps, ActivationParamsClipBiasAndTypes) {
  Tensor x = make<float>({1, 1}, {2, 1, 1});
  // Affine(2, 1): h1 = 2 * 1 + 1 = 3, h2 = 2 * (1 + 3) + 1 = 9.
  auto a = outs_of(run_node(S{"RNN", 7, {x, w1(), w1()},
                              {acts({"Affine"}), attr_floats("activation_alpha", {2}),
                               attr_floats("activation_beta", {1})}}));
  expect_tensor<float>(a[0].tensor(), {3, 9}, {2, 1, 1, 1});
  // clip 1.5 before Relu: h1 = 1, h2 = min(2, 1.5).
  auto c = outs_of(run_node(S{"RNN", 7, {x, w1(), w1()}, {acts({"Relu"}), attr_float("clip", 1.5f)}}));
  expect_tensor<float>(c[0].tensor(), {1, 1.5f}, {2, 1, 1, 1});
  // Bias Wb + Rb = 0.5 + 0.25; default Tanh.
  auto b = outs_of(run_node(S{"RNN", 7, {x, w1(), w1(), make<float>({0.5f, 0.25f}, {1, 2})}}));
  const float h1 = std::tanh(1.75f);
  expect_tensor<float>(b[0].tensor(), {h1, std::tanh(1.75f + h1)}, {2, 1, 1, 1});
  auto d = outs_of(run_node(S{"RNN", 7, {make<double>({1, 1}, {2, 1, 1}), make<double>({1}, {1, 1, 1}),
                                         make<double>({1}, {1, 1, 1})}}));
  expect_tensor<double>(d[0].tensor(), {std::tanh(1.0), std::tanh(1 + std::tanh(1.0))}, {2, 1, 1, 1});
  auto h = outs_of(run_node(S{"RNN", 7, {make<float16>({float16(1.f)}, {1, 1, 1}), make<float16>({float16(1.f)}, {1, 1, 1}),
                                         make<float16>({float16(1.f)}, {1, 1, 1})}}));
  expect_tensor<float16>(h[0].tensor(), {float16(std::tanh(1.f))}, {1, 1, 1, 1});
}

TEST(RnnOps, GruLinearBeforeReset) {
  // W = 0, Rz = Rr = 0, Rh = 1, h0 = 1, x = 0: z = r = 0.5.
  Tensor x = make<float>({0}, {1, 1, 1});
  Tensor w = make<float>({0, 0, 0}, {1, 3, 1});
  Tensor r = make<float>({0, 0, 1}, {1, 3, 1});
  Tensor b = make<float>({0, 0, 0, 0, 0, 1}, {1, 6});  // Rbh = 1
  Tensor h0 = make<float>({1}, {1, 1, 1});
  auto g0 = outs_of(run_node(S{"GRU", 14, {x, w, r, b, Value(), h0}, {}, 2}));
  expect_tensor<float>(g0[1].tensor(), {0.5f * std::tanh(1.5f) + 0.5f}, {1, 1, 1});
  auto g1 = outs_of(run_node(S{"GRU", 14, {x, w, r, b, Value(), h0}, {attr_int("linear_before_reset", 1)}, 2}));
  expect_tensor<float>(g1[1].tensor(), {0.5f * std::tanh(1.0f) + 0.5f}, {1, 1, 1});
  // Input drives the candidate: Wh = 1, x = 2, h0 = 0.
  Tensor w2 = make<float>({0, 0, 1}, {1, 3, 1});
  auto g2 = outs_of(run_node(S{"GRU", 7, {make<float>({2}, {1, 1, 1}), w2, make<float>({0, 0, 0}, {1, 3, 1})}}));
  expect_tensor<float>(g2[0].tensor(), {0.5f * std::tanh(2.f)}, {1, 1, 1, 1});
}

TEST(RnnOps, LstmPeepholesAndInputForget) {
  // All weights zero, h0 = 0, c0 = 1: i = o = f = 0.5, candidate 0 -> c = 0.5.
  Tensor x = make<float>({0}, {1, 1, 1});
  Tensor w = make<float>({0, 0, 0, 0}, {1, 4, 1});
  Tensor c0 = make<float>({1}, {1, 1, 1});
  auto plain = outs_of(run_node(S{"LSTM", 14, {x, w, w, Value(), Value(), Value(), c0}, {}, 3}));
  expect_tensor<float>(plain[0].tensor(), {0.5f * std::tanh(0.5f)}, {1, 1, 1, 1});
  expect_tensor<float>(plain[2].tensor(), {0.5f}, {1, 1, 1});
  // Peepholes P = [Pi, Po, Pf] = [0, 2, 2]: f = sig(2 * c0), o = sig(2 * c_new).
  Tensor p = make<float>({0, 2, 2}, {1, 3});
  auto peep = outs_of(run_node(S{"LSTM", 14, {x, w, w, Value(), Value(), Value(), c0, p}, {}, 3}));
  const float cn = sig(2.f);
  expect_tensor<float>(peep[2].tensor(), {cn}, {1, 1, 1});
  expect_tensor<float>(peep[1].tensor(), {sig(2 * cn) * std::tanh(cn)}, {1, 1, 1});
  // input_forget: f = 1 - i = 0.5 even with the forget peephole.
  auto fi = outs_of(
      run_node(S{"LSTM", 14, {x, w, w, Value(), Value(), Value(), c0, make<float>({0, 0, 5}, {1, 3})},
                 {attr_int("input_forget", 1)}, 3}));
  expect_tensor<float>(fi[2].tensor(), {0.5f}, {1, 1, 1});
}

TEST(RnnOps, EmptyBatch) {
  auto r = outs_of(run_node(S{"LSTM", 14, {Tensor(DataType::kFloat, {2, 0, 1}), make<float>({0, 0, 0, 0}, {1, 4, 1}),
                                         make<float>({0, 0, 0, 0}, {1, 4, 1})},
                              {}, 3}));
  expect_tensor<float>(r[0].tensor(), {}, {2, 1, 0, 1});
  expect_tensor<float>(r[2].tensor(), {}, {1, 0, 1});
}

TEST(RnnOps, Errors) {
  Tensor x = make<float>({1, 2}, {2, 1, 1});
  EXPECT_FALSE(run_node(S{"RNN", 14, {x, make<float>({1, 1}, {1, 2, 1}), w1()}}).ok());  // W rows
  EXPECT_FALSE(run_node(S{"RNN", 14, {x, w1(), w1(), Value(), make<int32_t>({3}, {1})}}).ok());
  EXPECT_FALSE(run_node(S{"RNN", 14, {x, w1(), w1()}, {acts({"Swish"})}}).ok());
  EXPECT_FALSE(run_node(S{"RNN", 14, {x, w1(), w1()}, {attr_string("direction", "sideways")}}).ok());
  EXPECT_FALSE(run_node(S{"RNN", 14, {x, w1(), w1()}, {attr_string("direction", "bidirectional")}}).ok());
  EXPECT_FALSE(run_node(S{"GRU", 14, {x, w1(), w1()}}).ok());  // GRU needs 3 gates
  EXPECT_FALSE(run_node(S{"RNN", 14, {make<float>({1}, {1, 1}), w1(), w1()}}).ok());
}

}  // namespace
}  // namespace onyx
