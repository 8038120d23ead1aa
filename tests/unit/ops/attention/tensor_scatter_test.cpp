// Unit tests of TensorScatter (attention family).
#include <string>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec scatter(std::vector<Value> inputs, std::vector<ir::Attribute> attrs = {}) {
  return NodeSpec{"TensorScatter", 24, std::move(inputs), std::move(attrs)};
}

// Cache [batch 2, seq 3, 2]: batch 0 writes one row at 1, batch 1 at 2.
TEST(TensorScatterOp, LinearWritesAtPerBatchOffsets) {
  const Tensor past = make<float>({0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, {2, 3, 2});
  const Tensor update = make<float>({9, 9, 8, 8}, {2, 1, 2});
  expect_tensor<float>(run_ok(scatter({past, update, make<int64_t>({1, 2}, {2})})),
                       {0, 0, 9, 9, 2, 2, 3, 3, 4, 4, 8, 8}, {2, 3, 2});
  // No write_indices: offset 0 everywhere.
  expect_tensor<float>(run_ok(scatter({past, update})), {9, 9, 1, 1, 2, 2, 8, 8, 4, 4, 5, 5},
                       {2, 3, 2});
  // The input is not modified.
  expect_tensor<float>(past, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, {2, 3, 2});
}

// Circular mode wraps: two rows at offset 2 of a length-3 cache land at 2 and 0.
TEST(TensorScatterOp, CircularWraps) {
  const Tensor past = make<int32_t>({0, 1, 2}, {1, 3, 1});
  const Tensor update = make<int32_t>({7, 8}, {1, 2, 1});
  expect_tensor<int32_t>(
      run_ok(scatter({past, update, make<int64_t>({2}, {1})}, {attr_string("mode", "circular")})),
      {8, 1, 7}, {1, 3, 1});
}

// A 4-D cache [batch, heads, seq, dim] along axis 2 (= -2), and axis 1 of a 3-D string cache.
TEST(TensorScatterOp, AxesAndTypes) {
  const Tensor past = make<float>({0, 0, 0, 0, 0, 0, 0, 0}, {1, 2, 2, 2});
  const Tensor update = make<float>({1, 2, 3, 4}, {1, 2, 1, 2});
  expect_tensor<float>(run_ok(scatter({past, update, make<int64_t>({1}, {1})})),
                       {0, 0, 1, 2, 0, 0, 3, 4}, {1, 2, 2, 2});
  const Tensor sp = make<std::string>({"a", "b", "c"}, {1, 3, 1});
  const Tensor su = make<std::string>({"z"}, {1, 1, 1});
  expect_tensor<std::string>(
      run_ok(scatter({sp, su, make<int64_t>({1}, {1})}, {attr_int("axis", 1)})), {"a", "z", "c"},
      {1, 3, 1});
  // An empty update changes nothing.
  expect_tensor<float>(run_ok(scatter({past, make<float>({}, {1, 2, 0, 2})})),
                       std::vector<float>(8, 0.f), {1, 2, 2, 2});
}

TEST(TensorScatterOp, Errors) {
  const Tensor past = make<float>({0, 0, 0}, {1, 3, 1});
  const Tensor update = make<float>({1, 2}, {1, 2, 1});
  // Linear rows past the end; negative offset.
  EXPECT_FALSE(run_node(scatter({past, update, make<int64_t>({2}, {1})})).ok());
  EXPECT_FALSE(run_node(scatter({past, update, make<int64_t>({-1}, {1})})).ok());
  // Batch axis, out-of-range axis.
  EXPECT_FALSE(run_node(scatter({past, update}, {attr_int("axis", 0)})).ok());
  EXPECT_FALSE(run_node(scatter({past, update}, {attr_int("axis", 3)})).ok());
  // Update longer than the cache, other dims differing, other type.
  EXPECT_FALSE(run_node(scatter({past, make<float>({1, 2, 3, 4}, {1, 4, 1})})).ok());
  EXPECT_FALSE(run_node(scatter({past, make<float>({1, 2}, {1, 1, 2})})).ok());
  EXPECT_FALSE(run_node(scatter({past, make<double>({1, 2}, {1, 2, 1})})).ok());
  // write_indices of the wrong length / type; unknown mode.
  EXPECT_FALSE(run_node(scatter({past, update, make<int64_t>({0, 0}, {2})})).ok());
  EXPECT_FALSE(run_node(scatter({past, update, make<int32_t>({0}, {1})})).ok());
  EXPECT_FALSE(run_node(scatter({past, update}, {attr_string("mode", "ring")})).ok());
}

}  // namespace
}  // namespace onyx::test
