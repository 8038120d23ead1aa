// Col2Im and CenterCropPad: hand-computed placements, overlap sums, pads, odd crops and pads,
// axes, strings, empty tensors and the error cases.
#include <string>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec c2i(Tensor x, std::vector<int64_t> image, std::vector<int64_t> block,
             std::vector<ir::Attribute> attrs = {}) {
  NodeSpec s;
  s.op = "Col2Im";
  s.opset = 18;
  const auto r = static_cast<int64_t>(image.size()), rb = static_cast<int64_t>(block.size());
  s.inputs = {V(std::move(x)), V(make<int64_t>(std::move(image), {r})),
              V(make<int64_t>(std::move(block), {rb}))};
  s.attributes = std::move(attrs);
  return s;
}

TEST(Col2Im, PlacesAndSumsBlocks) {
  // One 2x2 block covering a 2x2 image: a plain reshape.
  expect_tensor<float>(run_ok(c2i(make<float>({1, 2, 3, 4}, {1, 4, 1}), {2, 2}, {2, 2})),
                       {1, 2, 3, 4}, {1, 1, 2, 2});
  // 1-D: blocks of 2 at positions 0 and 1 of a length-3 image overlap on element 1.
  // Rows are block elements, columns block positions: [[a, b], [c, d]] -> [a, b + c, d].
  expect_tensor<int32_t>(run_ok(c2i(make<int32_t>({1, 2, 3, 4}, {1, 2, 2}), {3}, {2})), {1, 5, 4},
                         {1, 1, 3});
  // Two channels and two images keep apart.
  expect_tensor<double>(run_ok(c2i(make<double>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}), {2}, {1})),
                        {1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
}

TEST(Col2Im, PadsStridesDilations) {
  // Length 2 padded by 1 each side, block 2: positions cover (-1,0), (0,1), (1,2); the padded
  // elements are dropped. Rows [p q r] (element 0), [s t u] (element 1):
  // image[0] = q + s, image[1] = r + t.
  expect_tensor<float>(run_ok(c2i(make<float>({1, 2, 3, 10, 20, 30}, {1, 2, 3}), {2}, {2},
                                  {attr_ints("pads", {1, 1})})),
                       {12, 23}, {1, 1, 2});
  // Stride 2, block 1 over length 3: positions 0 and 2; element 1 stays 0.
  expect_tensor<float>(
      run_ok(c2i(make<float>({5, 7}, {1, 1, 2}), {3}, {1}, {attr_ints("strides", {2})})), {5, 0, 7},
      {1, 1, 3});
  // Dilation 2, block 2 over length 3: one position touching elements 0 and 2.
  expect_tensor<float>(
      run_ok(c2i(make<float>({5, 7}, {1, 2, 1}), {3}, {2}, {attr_ints("dilations", {2})})),
      {5, 0, 7}, {1, 1, 3});
  // float16 accumulates in float.
  expect_tensor<float16>(
      run_ok(c2i(make<float16>({float16(1.f), float16(2.f), float16(3.f), float16(4.f)}, {1, 2, 2}),
                 {3}, {2})),
      {float16(1.f), float16(5.f), float16(4.f)}, {1, 1, 3});
}

TEST(Col2Im, EmptyAndErrors) {
  expect_tensor<float>(run_ok(c2i(Tensor(DataType::kFloat, {0, 4, 1}), {2, 2}, {2, 2})), {},
                       {0, 1, 2, 2});
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 4, 1});
  EXPECT_FALSE(run_node(c2i(x, {2, 3}, {2, 2})).ok());  // L should be 2
  EXPECT_FALSE(run_node(c2i(x, {3, 3}, {3, 3})).ok());  // 4 not divisible by 9
  EXPECT_FALSE(run_node(c2i(x, {2, 2}, {2})).ok());     // lengths differ
  EXPECT_FALSE(run_node(c2i(x, {1, 1}, {2, 2})).ok());  // block larger than image
  EXPECT_FALSE(run_node(c2i(x, {2, 2}, {2, 2}, {attr_ints("strides", {0, 1})})).ok());
  EXPECT_FALSE(run_node(c2i(x, {2, 2}, {2, 2}, {attr_ints("pads", {1, 1})})).ok());  // needs 4
  EXPECT_FALSE(run_node(c2i(x, {2, 2}, {2, 0})).ok());
  EXPECT_FALSE(run_node(c2i(make<float>({1, 2, 3, 4}, {4, 1}), {2, 2}, {2, 2})).ok());  // rank
}

NodeSpec ccp(Value x, std::vector<int64_t> shape, std::vector<ir::Attribute> attrs = {}) {
  NodeSpec s;
  s.op = "CenterCropPad";
  s.opset = 18;
  const auto n = static_cast<int64_t>(shape.size());
  s.inputs = {std::move(x), V(make<int64_t>(std::move(shape), {n}))};
  s.attributes = std::move(attrs);
  return s;
}

TEST(CenterCropPad, CropsAndPadsCentred) {
  const Tensor x = make<float>({1, 2, 3, 4, 5}, {5});
  expect_tensor<float>(run_ok(ccp(V(x), {3})), {2, 3, 4}, {3});
  // An odd surplus drops the extra element at the end; an odd pad adds the extra zero there.
  expect_tensor<float>(run_ok(ccp(V(x), {2})), {2, 3}, {2});
  expect_tensor<float>(run_ok(ccp(V(x), {8})), {0, 1, 2, 3, 4, 5, 0, 0}, {8});
  expect_tensor<float>(run_ok(ccp(V(x), {5})), {1, 2, 3, 4, 5}, {5});
  expect_tensor<float>(run_ok(ccp(V(x), {0})), {}, {0});
  // 2-D: crop rows 3 -> 1 (the middle one), pad columns 2 -> 3.
  const Tensor m = make<int64_t>({1, 2, 3, 4, 5, 6}, {3, 2});
  expect_tensor<int64_t>(run_ok(ccp(V(m), {1, 3})), {3, 4, 0}, {1, 3});
}

TEST(CenterCropPad, AxesStringsAndErrors) {
  const Tensor m = make<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<int32_t>(run_ok(ccp(V(m), {1}, {attr_ints("axes", {-1})})), {2, 5}, {2, 1});
  expect_tensor<int32_t>(run_ok(ccp(V(m), {4}, {attr_ints("axes", {0})})),
                         {0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0}, {4, 3});
  const Tensor s = make<std::string>({"a", "b", "c"}, {3});
  const Tensor y = run_ok(ccp(V(s), {4}));
  ASSERT_EQ(y.shape(), (Shape{4}));
  EXPECT_EQ(values_of<std::string>(y), (std::vector<std::string>{"a", "b", "c", ""}));
  EXPECT_FALSE(run_node(ccp(V(m), {1})).ok());                                   // 2 axes
  EXPECT_FALSE(run_node(ccp(V(m), {1, -1})).ok());                               // negative
  EXPECT_FALSE(run_node(ccp(V(m), {1}, {attr_ints("axes", {2})})).ok());         // bad axis
  EXPECT_FALSE(run_node(ccp(V(m), {1, 1}, {attr_ints("axes", {0, -2})})).ok());  // repeated
  EXPECT_FALSE(run_node(ccp(V(m), {int64_t{1} << 40, int64_t{1} << 30})).ok());  // too large
}

}  // namespace
}  // namespace onyx::test
