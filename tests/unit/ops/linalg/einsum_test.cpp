// Einsum: explicit/implicit outputs, diagonals, ellipsis broadcasting, several operands, dtypes,
// empty tensors and malformed equations.
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

NodeSpec einsum(const std::string& eq, std::vector<Value> inputs) {
  return spec("Einsum", 12, std::move(inputs), {attr_string("equation", eq)});
}

const Tensor kA23 = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
const Tensor kB32 = make<float>({7, 8, 9, 10, 11, 12}, {3, 2});

TEST(LinalgEinsum, MatmulExplicitAndImplicit) {
  expect_tensor<float>(run_ok(einsum("ij,jk->ik", {kA23, kB32})), {58, 64, 139, 154}, {2, 2});
  expect_tensor<float>(run_ok(einsum("ij,jk", {kA23, kB32})), {58, 64, 139, 154}, {2, 2});
  // Implicit output is alphabetical: "ba,ac" -> "bc"... here "kj,ji" -> output "ik".
  expect_tensor<float>(run_ok(einsum("kj,ji", {kA23, kB32})), {58, 139, 64, 154}, {2, 2});
}

TEST(LinalgEinsum, TransposeSumTraceDiagonal) {
  expect_tensor<float>(run_ok(einsum("ij->ji", {kA23})), {1, 4, 2, 5, 3, 6}, {3, 2});
  expect_tensor<float>(run_ok(einsum("ij->", {kA23})), {21}, {});
  expect_tensor<float>(run_ok(einsum("ij->j", {kA23})), {5, 7, 9}, {3});
  const Tensor sq = make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  expect_tensor<float>(run_ok(einsum("ii->", {sq})), {15}, {});
  expect_tensor<float>(run_ok(einsum("ii->i", {sq})), {1, 5, 9}, {3});
  expect_tensor<float>(run_ok(einsum("ii", {sq})), {15}, {});
  // Batch diagonal with ellipsis.
  const Tensor b = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  expect_tensor<float>(run_ok(einsum("...ii->...i", {b})), {1, 4, 5, 8}, {2, 2});
}

TEST(LinalgEinsum, OuterInnerAndThreeOperands) {
  expect_tensor<float>(run_ok(einsum("i,j->ij", {make<float>({1, 2}, {2}), make<float>({3, 4, 5}, {3})})),
                       {3, 4, 5, 6, 8, 10}, {2, 3});
  expect_tensor<float>(run_ok(einsum("i,i", {make<float>({1, 2}, {2}), make<float>({3, 4}, {2})})), {11}, {});
  // (A B) C with C = identity-ish.
  expect_tensor<float>(run_ok(einsum("ij,jk,kl->il", {kA23, kB32, make<float>({1, 0, 0, 2}, {2, 2})})),
                       {58, 128, 139, 308}, {2, 2});
  // A label shared by the first and third operand only.
  expect_tensor<float>(run_ok(einsum("ij,jk,i->k", {kA23, kB32, make<float>({1, -1}, {2})})),
                       {58 - 139, 64 - 154}, {2});
}

TEST(LinalgEinsum, BatchedAndBroadcastEllipsis) {
  // "...ij,...jk->...ik" with batch dims [2] vs [] (broadcast).
  const Tensor a = make<float>({1, 0, 0, 1, 2, 0, 0, 2}, {2, 2, 2});
  const Tensor b = make<float>({1, 2, 3, 4}, {2, 2});
  expect_tensor<float>(run_ok(einsum("...ij,...jk->...ik", {a, b})), {1, 2, 3, 4, 2, 4, 6, 8}, {2, 2, 2});
  // Size-1 ellipsis dim broadcast against 2.
  const Tensor b1 = make<float>({1, 2, 3, 4}, {1, 2, 2});
  expect_tensor<float>(run_ok(einsum("...ij,...jk", {a, b1})), {1, 2, 3, 4, 2, 4, 6, 8}, {2, 2, 2});
  expect_tensor<float>(run_ok(einsum("bij,bjk->bik", {a, make<float>({1, 2, 3, 4, 1, 2, 3, 4}, {2, 2, 2})})),
                       {1, 2, 3, 4, 2, 4, 6, 8}, {2, 2, 2});
  // Attention-style scores: bhqd,bhkd->bhqk
  const Tensor q = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor k = make<float>({1, 0, 0, 1, 1, 1}, {1, 1, 3, 2});
  expect_tensor<float>(run_ok(einsum("bhqd,bhkd->bhqk", {q, k})), {1, 2, 3, 3, 4, 7}, {1, 1, 2, 3});
}

TEST(LinalgEinsum, TypesScalarsAndEmpty) {
  expect_tensor<int32_t>(run_ok(einsum("ij,jk->ik", {make<int32_t>({1, 2, 3, 4}, {2, 2}),
                                                     make<int32_t>({1, -1, 1, 1}, {2, 2})})),
                         {3, 1, 7, 1}, {2, 2});
  expect_tensor<int64_t>(run_ok(einsum("i->", {make<int64_t>({int64_t{1} << 40, 1}, {2})})),
                         {(int64_t{1} << 40) + 1}, {});
  expect_tensor<double>(run_ok(einsum(",->", {Tensor::scalar<double>(2), Tensor::scalar<double>(3)})), {6}, {});
  expect_tensor<float16>(run_ok(einsum("i,i->", {make<float16>({float16(1.f), float16(2.f)}, {2}),
                                                 make<float16>({float16(3.f), float16(4.f)}, {2})})),
                         {float16(11.f)}, {});
  expect_tensor<uint8_t>(run_ok(einsum("ij->ji", {make<uint8_t>({1, 2}, {1, 2})})), {1, 2}, {2, 1});
  expect_tensor<float>(run_ok(einsum("ij,jk->ik", {Tensor(DataType::kFloat, {2, 0}), Tensor(DataType::kFloat, {0, 3})})),
                       {0, 0, 0, 0, 0, 0}, {2, 3});
  expect_tensor<float>(run_ok(einsum("ij->ji", {Tensor(DataType::kFloat, {0, 3})})), {}, {3, 0});
}

TEST(LinalgEinsum, Errors) {
  EXPECT_FALSE(run_node(einsum("ij,jk->ik", {kA23, kA23})).ok());        // j: 3 vs 2
  EXPECT_FALSE(run_node(einsum("ijk->i", {kA23})).ok());                 // rank mismatch
  EXPECT_FALSE(run_node(einsum("ij->ix", {kA23})).ok());                 // x not in inputs
  EXPECT_FALSE(run_node(einsum("ij->ii", {kA23})).ok());                 // repeated output label
  EXPECT_FALSE(run_node(einsum("i1->i", {kA23})).ok());                  // bad character
  EXPECT_FALSE(run_node(einsum("ij,jk->ik", {kA23})).ok());              // operand count
  EXPECT_FALSE(run_node(einsum("..i.->i", {kA23})).ok());                // bad ellipsis
  EXPECT_TRUE(run_node(einsum("ij->ij", {make<float>({1}, {1, 1})})).ok());
}

}  // namespace
}  // namespace onyx::test
