#include "ops/tensor/tensor_test_util.h"

namespace onyx::test {
namespace {

TEST(TensorConcat, Axis1AndNegative) {
  Tensor a = make<float>({1, 2, 3, 4}, {2, 2});
  Tensor b = make<float>({5, 6}, {2, 1});
  expect_tensor<float>(run_ok(node("Concat", 13, {a, b}, {attr_int("axis", 1)})), {1, 2, 5, 3, 4, 6},
                       {2, 3});
  expect_tensor<float>(run_ok(node("Concat", 11, {a, b}, {attr_int("axis", -1)})),
                       {1, 2, 5, 3, 4, 6}, {2, 3});
  Tensor c = make<float>({7, 8}, {1, 2});
  expect_tensor<float>(run_ok(node("Concat", 4, {a, c}, {attr_int("axis", 0)})), {1, 2, 3, 4, 7, 8},
                       {3, 2});
}

TEST(TensorConcat, EmptyInputsStringsAndErrors) {
  Tensor a = make<int64_t>({1, 2}, {1, 2});
  Tensor e(DataType::kInt64, {0, 2});
  expect_tensor<int64_t>(run_ok(node("Concat", 13, {e, a, e}, {attr_int("axis", 0)})), {1, 2}, {1, 2});
  Tensor s1 = make<std::string>({"a"}, {1});
  Tensor s2 = make<std::string>({"b", "c"}, {2});
  expect_tensor<std::string>(run_ok(node("Concat", 13, {s1, s2}, {attr_int("axis", 0)})),
                             {"a", "b", "c"}, {3});
  EXPECT_FALSE(run_node(node("Concat", 13, {a, make<int64_t>({1, 2, 3}, {1, 3})}, {attr_int("axis", 0)})).ok());
  EXPECT_FALSE(run_node(node("Concat", 13, {a, make<int32_t>({1, 2}, {1, 2})}, {attr_int("axis", 0)})).ok());
  EXPECT_FALSE(run_node(node("Concat", 13, {a, a}, {attr_int("axis", 2)})).ok());
  EXPECT_FALSE(run_node(node("Concat", 13, {a, a})).ok());  // axis required
  EXPECT_FALSE(run_node(node("Concat", 13, {Tensor::scalar<float>(1)}, {attr_int("axis", 0)})).ok());
}

// Few outer rows on two threads: the runs are cut into pieces (some longer than one piece,
// some empty, some short) and copied in parallel; every element must land where the
// one-thread loop puts it.
TEST(TensorConcat, FewOuterRowsOnTwoThreadsMatchOneThread) {
  for (const Shape& rows : {Shape{1}, Shape{3}}) {
    std::vector<Tensor> xs;
    std::vector<Value> inputs;
    int64_t next = 0;
    for (int64_t c : {70000, 0, 5, 40000}) {
      Shape shape = rows;
      shape.push_back(c);
      shape.push_back(2);
      std::vector<float> v(static_cast<size_t>(rows[0] * c * 2));
      for (float& f : v) f = static_cast<float>(next++);
      inputs.emplace_back(make<float>(v, shape));
    }
    NodeSpec spec{"Concat", 13, inputs, {attr_int("axis", 1)}, 1, ""};
    auto one = run_node(spec, RunConfig{1, {}});
    auto two = run_node(spec, RunConfig{2, {}});
    ASSERT_TRUE(one.ok()) << one.status().to_string();
    ASSERT_TRUE(two.ok()) << two.status().to_string();
    const Tensor& a = (*one)[0].tensor();
    const Tensor& b = (*two)[0].tensor();
    ASSERT_EQ(a.shape(), (Shape{rows[0], 110005, 2}));
    ASSERT_EQ(b.shape(), a.shape());
    for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << "element " << i;
    // The first row starts with input 0's first row, then input 2's, then input 3's.
    EXPECT_EQ(a.data<float>()[0], 0.f);
    EXPECT_EQ(a.data<float>()[140000], static_cast<float>(rows[0] * 140000));
  }
}

TEST(TensorSplit, EqualAndVariableParts) {
  Tensor x = make<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  NodeSpec s = node("Split", 13, {x}, {attr_int("axis", 1)}, 3);
  auto r = run_node(s);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[0].tensor(), {1, 4}, {2, 1});
  expect_tensor<int32_t>((*r)[2].tensor(), {3, 6}, {2, 1});
  NodeSpec v = node("Split", 13, {x, make<int64_t>({1, 0, 2}, {3})}, {attr_int("axis", -1)}, 3);
  r = run_node(v);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[0].tensor(), {1, 4}, {2, 1});
  EXPECT_EQ((*r)[1].tensor().shape(), (Shape{2, 0}));
  expect_tensor<int32_t>((*r)[2].tensor(), {2, 3, 5, 6}, {2, 2});
  NodeSpec a = node("Split", 11, {x}, {attr_ints("split", {1, 1}), attr_int("axis", 0)}, 2);
  r = run_node(a);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<int32_t>((*r)[1].tensor(), {4, 5, 6}, {1, 3});
}

TEST(TensorSplit, NumOutputsUneven) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7}, {7});
  auto r = run_node(node("Split", 18, {x}, {attr_int("num_outputs", 3)}, 3));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), {1, 2, 3}, {3});
  expect_tensor<float>((*r)[1].tensor(), {4, 5, 6}, {3});
  expect_tensor<float>((*r)[2].tensor(), {7}, {1});
  EXPECT_FALSE(run_node(node("Split", 18, {x}, {attr_int("num_outputs", 2)}, 3)).ok());
}

TEST(TensorSplit, Errors) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7}, {7});
  EXPECT_FALSE(run_node(node("Split", 13, {x}, {}, 2)).ok());  // 7 not divisible by 2
  EXPECT_FALSE(run_node(node("Split", 13, {x, make<int64_t>({3, 3}, {2})}, {}, 2)).ok());
  EXPECT_FALSE(run_node(node("Split", 13, {x, make<int64_t>({8, -1}, {2})}, {}, 2)).ok());
  EXPECT_FALSE(run_node(node("Split", 13, {x, make<int64_t>({7}, {1})}, {}, 2)).ok());
  EXPECT_FALSE(run_node(node("Split", 13, {x}, {attr_int("axis", 1)}, 1)).ok());
}

}  // namespace
}  // namespace onyx::test
