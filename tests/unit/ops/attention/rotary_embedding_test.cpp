// Unit tests of RotaryEmbedding (attention family).
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec rope(std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {}) {
  return NodeSpec{"RotaryEmbedding", 23, std::move(inputs), std::move(attrs)};
}

// One head of 4 features, position 1 turns by 90 degrees (cos 0, sin 1), position 0 not at all.
// Halves pair (x0, x2) and (x1, x3): (x1, x2) -> (-x2, x1).
TEST(RotaryEmbeddingOp, HalvesAndInterleaved) {
  const Tensor x = make<float>({1, 2, 3, 4, 1, 2, 3, 4}, {1, 1, 2, 4});  // [b, h, s, d]
  const Tensor cos = make<float>({1, 1, 0, 0}, {2, 2});                  // [position, d/2]
  const Tensor sin = make<float>({0, 0, 1, 1}, {2, 2});
  const Tensor pos = make<int64_t>({0, 1}, {1, 2});
  expect_tensor<float>(run_ok(rope({x, cos, sin, pos})), {1, 2, 3, 4, -3, -4, 1, 2}, {1, 1, 2, 4});
  // Interleaved pairs (x0, x1), (x2, x3).
  expect_tensor<float>(run_ok(rope({x, cos, sin, pos}, {attr_int("interleaved", 1)})),
                       {1, 2, 3, 4, -2, 1, -4, 3}, {1, 1, 2, 4});
}

// A general angle; rotary_embedding_dim 2 rotates (x0, x1) only and copies the rest.
TEST(RotaryEmbeddingOp, PartialRotation) {
  const float c = 0.6f, s = 0.8f;
  const Tensor x = make<float>({1, 2, 5, 7}, {1, 1, 1, 4});
  const Tensor cos = make<float>({c}, {1, 1});
  const Tensor sin = make<float>({s}, {1, 1});
  const Tensor pos = make<int64_t>({0}, {1, 1});
  expect_tensor<float>(run_ok(rope({x, cos, sin, pos}, {attr_int("rotary_embedding_dim", 2)})),
                       {1 * c - 2 * s, 1 * s + 2 * c, 5, 7}, {1, 1, 1, 4});
}

// Without position_ids the caches are per (batch, seq); a 3-D input splits by num_heads and
// gives the 4-D result in its own layout.
TEST(RotaryEmbeddingOp, PackedInputWithoutPositions) {
  // [b=1, s=1, h=2 * d=2]: head 0 = (1, 2), head 1 = (3, 4); cos 0, sin 1: (a, b) -> (-b, a).
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 4});
  const Tensor cos = make<float>({0}, {1, 1, 1});
  const Tensor sin = make<float>({1}, {1, 1, 1});
  expect_tensor<float>(run_ok(rope({x, cos, sin}, {attr_int("num_heads", 2)})), {-2, 1, -4, 3},
                       {1, 1, 4});
}

TEST(RotaryEmbeddingOp, HalfPrecisionAndEmpty) {
  const Tensor x = make<float16>({float16(1.f), float16(2.f)}, {1, 1, 1, 2});
  const Tensor cos = make<float16>({float16(0.f)}, {1, 1});
  const Tensor sin = make<float16>({float16(1.f)}, {1, 1});
  const Tensor pos = make<int64_t>({0}, {1, 1});
  expect_tensor<float16>(run_ok(rope({x, cos, sin, pos})), {float16(-2.f), float16(1.f)},
                         {1, 1, 1, 2});
  expect_tensor<float>(run_ok(rope({make<float>({}, {1, 1, 0, 2}), make<float>({0}, {1, 1}),
                                    make<float>({1}, {1, 1}), make<int64_t>({}, {1, 0})})),
                       {}, {1, 1, 0, 2});
}

TEST(RotaryEmbeddingOp, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 1, 4});
  const Tensor cos = make<float>({1, 1}, {1, 2});
  const Tensor sin = make<float>({0, 0}, {1, 2});
  // Position beyond the cache.
  EXPECT_FALSE(run_node(rope({x, cos, sin, make<int64_t>({1}, {1, 1})})).ok());
  EXPECT_FALSE(run_node(rope({x, cos, sin, make<int64_t>({-1}, {1, 1})})).ok());
  // Cache width not rot/2; odd or too large rotary dim.
  EXPECT_FALSE(run_node(rope({x, make<float>({1}, {1, 1}), make<float>({0}, {1, 1}),
                              make<int64_t>({0}, {1, 1})}))
                   .ok());
  EXPECT_FALSE(run_node(rope({x, cos, sin, make<int64_t>({0}, {1, 1})},
                             {attr_int("rotary_embedding_dim", 3)}))
                   .ok());
  EXPECT_FALSE(run_node(rope({x, cos, sin, make<int64_t>({0}, {1, 1})},
                             {attr_int("rotary_embedding_dim", 6)}))
                   .ok());
  // 3-D input without num_heads; num_heads not dividing the hidden size.
  EXPECT_FALSE(run_node(rope({make<float>({1, 2}, {1, 1, 2}), make<float>({1}, {1, 1, 1}),
                              make<float>({0}, {1, 1, 1})}))
                   .ok());
  EXPECT_FALSE(run_node(rope({make<float>({1, 2, 3}, {1, 1, 3}), make<float>({1}, {1, 1, 1}),
                              make<float>({0}, {1, 1, 1})},
                             {attr_int("num_heads", 2)}))
                   .ok());
  // Caches of another type; position ids of another shape.
  EXPECT_FALSE(run_node(rope({x, make<double>({1, 1}, {1, 2}), make<double>({0, 0}, {1, 2}),
                              make<int64_t>({0}, {1, 1})}))
                   .ok());
  EXPECT_FALSE(run_node(rope({x, cos, sin, make<int64_t>({0, 0}, {1, 2})})).ok());
}

}  // namespace
}  // namespace onyx::test
