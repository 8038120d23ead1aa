// Unit tests of LinearAttention (attention family), hand-computed with one-element heads so
// the state is a scalar: q = [1, 1], k = [1, 2], v = [3, 4] over two steps.
#include <cmath>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec linear_attention(std::vector<Value> inputs, const std::string& rule,
                          std::vector<ir::Attribute> extra = {}, int64_t q_heads = 1,
                          int64_t kv_heads = 1) {
  std::vector<ir::Attribute> attrs = {attr_int("q_num_heads", q_heads),
                                      attr_int("kv_num_heads", kv_heads),
                                      attr_string("update_rule", rule)};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  return NodeSpec{"LinearAttention", 27, std::move(inputs), std::move(attrs), 2};
}

Tensor Q() {
  return make<float>({1, 1}, {1, 2, 1});
}
Tensor K() {
  return make<float>({1, 2}, {1, 2, 1});
}
Tensor V() {
  return make<float>({3, 4}, {1, 2, 1});
}
Tensor Decay() {
  return make<float>({0, std::log(0.5f)}, {1, 2, 1});
}  // step 2 halves S
Tensor Beta() {
  return make<float>({1, 0.5f}, {1, 2, 1});
}

void expect_run(const NodeSpec& spec, std::vector<float> out, float state) {
  auto r = run_node(spec);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), out, {1, 2, 1});
  expect_tensor<float>((*r)[1].tensor(), {state}, {1, 1, 1, 1});
}

TEST(LinearAttentionOp, UpdateRules) {
  // S = 3, then 3 + 2 * 4 = 11.
  expect_run(linear_attention({Q(), K(), V()}, "linear"), {3, 11}, 11);
  // S = 3, then 0.5 * 3 + 8 = 9.5.
  expect_run(linear_attention({Q(), K(), V(), Value(), Decay()}, "gated"), {3, 9.5f}, 9.5f);
  // S = 1 * (3 - 0) = 3, then 3 + 2 * 0.5 * (4 - 3 * 2) = 1.
  expect_run(linear_attention({Q(), K(), V(), Value(), Value(), Beta()}, "delta"), {3, 1}, 1);
  // S = 3, decayed 1.5, then 1.5 + 2 * 0.5 * (4 - 1.5 * 2) = 2.5; the default rule.
  expect_run(linear_attention({Q(), K(), V(), Value(), Decay(), Beta()}, "gated_delta"), {3, 2.5f},
             2.5f);
  // An explicit scale multiplies the outputs, not the state.
  expect_run(linear_attention({Q(), K(), V()}, "linear", {attr_float("scale", 2.f)}), {6, 22}, 11);
}

// A past state of 10 starts the recurrence.
TEST(LinearAttentionOp, PastState) {
  expect_run(linear_attention({Q(), K(), V(), make<float>({10}, {1, 1, 1, 1})}, "linear"), {13, 21},
             21);
}

// Two query heads read one kv head's state; dk = 2 with per-key-row decay.
TEST(LinearAttentionOp, GroupedHeadsAndPerRowDecay) {
  // One step: S = 3 shared; head outputs q_h * S / sqrt(1).
  auto r = run_node(linear_attention(
      {make<float>({1, 2}, {1, 1, 2}), make<float>({1}, {1, 1, 1}), make<float>({3}, {1, 1, 1})},
      "linear", {}, 2, 1));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {3, 6}, {1, 1, 2});
  // dk = 2, dv = 1: past S = [2, 4], decay rows by [0.5, 1], zero write; o = (1 + 4) / sqrt(2).
  auto r2 = run_node(linear_attention(
      {make<float>({1, 1}, {1, 1, 2}), make<float>({0, 0}, {1, 1, 2}), make<float>({0}, {1, 1, 1}),
       make<float>({2, 4}, {1, 1, 2, 1}), make<float>({std::log(0.5f), 0}, {1, 1, 2})},
      "gated"));
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  expect_tensor<float>((*r2)[0].tensor(), {5 / std::sqrt(2.f)}, {1, 1, 1});
  expect_tensor<float>((*r2)[1].tensor(), {1, 4}, {1, 1, 2, 1});
}

// float16 activations with a float state keep the state float; without past, the input type.
TEST(LinearAttentionOp, StateTypes) {
  const Tensor q = make<float16>({float16(1.f)}, {1, 1, 1});
  const Tensor v = make<float16>({float16(3.f)}, {1, 1, 1});
  auto r = run_node(linear_attention({q, q, v, make<float>({0.5f}, {1, 1, 1, 1})}, "linear"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float16>((*r)[0].tensor(), {float16(3.5f)}, {1, 1, 1});
  expect_tensor<float>((*r)[1].tensor(), {3.5f}, {1, 1, 1, 1});
  auto r2 = run_node(linear_attention({q, q, v}, "linear"));
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  expect_tensor<float16>((*r2)[1].tensor(), {float16(3.f)}, {1, 1, 1, 1});
  // No steps: empty output, the state passes through.
  auto r3 = run_node(linear_attention({make<float>({}, {1, 0, 1}), make<float>({}, {1, 0, 1}),
                                       make<float>({}, {1, 0, 1}), make<float>({7}, {1, 1, 1, 1})},
                                      "linear"));
  ASSERT_TRUE(r3.ok()) << r3.status().to_string();
  expect_tensor<float>((*r3)[0].tensor(), {}, {1, 0, 1});
  expect_tensor<float>((*r3)[1].tensor(), {7}, {1, 1, 1, 1});
}

TEST(LinearAttentionOp, Errors) {
  // Gates the rule needs or forbids.
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), V()}, "gated")).ok());
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), V(), Value(), Decay()}, "linear")).ok());
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), V(), Value(), Decay()}, "gated_delta")).ok());
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), V()}, "softmax")).ok());
  // Heads: not a multiple; missing attribute.
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), V()}, "linear", {}, 3, 2)).ok());
  EXPECT_FALSE(run_node(NodeSpec{"LinearAttention",
                                 27,
                                 {Q(), K(), V()},
                                 {attr_int("q_num_heads", 1), attr_string("update_rule", "linear")},
                                 2})
                   .ok());
  // Shapes: key dim, value steps, decay width, past shape and type.
  EXPECT_FALSE(
      run_node(linear_attention({Q(), make<float>({1, 2, 3, 4}, {1, 2, 2}), V()}, "linear")).ok());
  EXPECT_FALSE(run_node(linear_attention({Q(), K(), make<float>({3}, {1, 1, 1})}, "linear")).ok());
  EXPECT_FALSE(
      run_node(
          linear_attention({Q(), K(), V(), Value(), make<float>({0, 0, 0, 0}, {1, 2, 2})}, "gated"))
          .ok());
  EXPECT_FALSE(
      run_node(linear_attention({Q(), K(), V(), make<float>({0, 0}, {1, 1, 2, 1})}, "linear"))
          .ok());
  EXPECT_FALSE(
      run_node(linear_attention({Q(), K(), V(), make<double>({0}, {1, 1, 1, 1})}, "linear")).ok());
}

}  // namespace
}  // namespace onyx::test
