// Unit tests of CausalConvWithState (attention family). Kernel [2, 3]: y_t = 2 x_{t-1} + 3 x_t.
#include <cmath>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec conv(std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {}) {
  return NodeSpec{"CausalConvWithState", 27, std::move(inputs), std::move(attrs), 2};
}

void expect_conv(const NodeSpec& spec, const std::vector<float>& out, const Shape& out_shape,
                 const std::vector<float>& state, const Shape& state_shape) {
  auto r = run_node(spec);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), out, out_shape);
  expect_tensor<float>((*r)[1].tensor(), state, state_shape);
}

TEST(CausalConvWithStateOp, ZeroAndCarriedState) {
  const Tensor x = make<float>({1, 2, 3}, {1, 1, 3});
  const Tensor w = make<float>({2, 3}, {1, 1, 2});
  expect_conv(conv({x, w}), {3, 8, 13}, {1, 1, 3}, {3}, {1, 1, 1});
  // past_state 5 is x_{-1}; bias 1 adds everywhere.
  expect_conv(conv({x, w, make<float>({1}, {1}), make<float>({5}, {1, 1, 1})}), {14, 9, 14},
              {1, 1, 3}, {3}, {1, 1, 1});
}

// Input shorter than the kernel's context: the state keeps part of the old state.
TEST(CausalConvWithStateOp, ShortInputKeepsOldState) {
  const Tensor w = make<float>({1, 0, 0}, {1, 1, 3});  // y_t = x_{t-2}
  expect_conv(conv({make<float>({7}, {1, 1, 1}), w, Value(), make<float>({4, 5}, {1, 1, 2})}), {4},
              {1, 1, 1}, {5, 7}, {1, 1, 2});
}

// Channels and batches are independent; kernel size 1 leaves an empty state.
TEST(CausalConvWithStateOp, ChannelsAndKernelOne) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  const Tensor w = make<float>({10, -1}, {2, 1, 1});
  expect_conv(conv({x, w}), {10, 20, -3, -4, 50, 60, -7, -8}, {2, 2, 2}, {}, {2, 2, 0});
}

TEST(CausalConvWithStateOp, SiluAndSwish) {
  const Tensor x = make<float>({1, 2, 3}, {1, 1, 3});
  const Tensor w = make<float>({2, 3}, {1, 1, 2});
  auto silu = [](float y) { return y / (1 + std::exp(-y)); };
  for (const char* act : {"silu", "swish"}) {
    expect_conv(conv({x, w}, {attr_string("activation", act)}), {silu(3), silu(8), silu(13)},
                {1, 1, 3}, {3}, {1, 1, 1});
  }
}

TEST(CausalConvWithStateOp, HalfPrecision) {
  const Tensor x = make<float16>({float16(1.f), float16(2.f)}, {1, 1, 2});
  const Tensor w = make<float16>({float16(2.f), float16(3.f)}, {1, 1, 2});
  auto r = run_node(conv({x, w}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float16>((*r)[0].tensor(), {float16(3.f), float16(8.f)}, {1, 1, 2});
  expect_tensor<float16>((*r)[1].tensor(), {float16(2.f)}, {1, 1, 1});
}

TEST(CausalConvWithStateOp, Errors) {
  const Tensor x = make<float>({1, 2, 3}, {1, 1, 3});
  const Tensor w = make<float>({2, 3}, {1, 1, 2});
  EXPECT_FALSE(run_node(conv({make<float>({1, 2}, {1, 2}), w})).ok());     // rank 2 input
  EXPECT_FALSE(run_node(conv({x, make<float>({2, 3}, {2, 1, 1})})).ok());  // channels
  EXPECT_FALSE(run_node(conv({x, make<float>({2, 3}, {1, 2, 1})})).ok());  // middle dim
  EXPECT_FALSE(run_node(conv({x, make<float>({}, {1, 1, 0})})).ok());      // k = 0
  EXPECT_FALSE(run_node(conv({x, w, make<float>({1, 2}, {2})})).ok());     // bias size
  EXPECT_FALSE(run_node(conv({x, w, Value(), make<float>({1, 2}, {1, 1, 2})})).ok());  // state
  EXPECT_FALSE(run_node(conv({x, make<double>({2, 3}, {1, 1, 2})})).ok());  // weight type
  EXPECT_FALSE(run_node(conv({x, w}, {attr_string("activation", "relu")})).ok());
}

}  // namespace
}  // namespace onyx::test
