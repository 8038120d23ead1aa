// onyx.FusedMatMul (docs/fused-ops.md): act(alpha * A @ op(B) + bias), hand-computed.
#include <gtest/gtest.h>

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
