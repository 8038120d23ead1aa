// MaxUnpool and DeformConv: hand values, output_shape, offsets/mask/bias, and error cases.
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec spec(const std::string& op, int opset, std::vector<Value> inputs,
              std::vector<ir::Attribute> attributes = {}) {
  NodeSpec s;
  s.op = op;
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  return s;
}

TEST(MaxUnpool, ScattersIndices) {
  const Tensor y = run_ok(spec("MaxUnpool", 11,
                               {make<float>({5, 6, 7, 8}, {1, 1, 2, 2}),
                                make<int64_t>({5, 7, 13, 15}, {1, 1, 2, 2})},
                               {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}));
  expect_tensor<float>(y, {0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8}, {1, 1, 4, 4});
  // Larger output_shape: the inferred 4x4 block sits at the origin of 5x5.
  const Tensor z = run_ok(spec("MaxUnpool", 11,
                               {make<float>({5, 6, 7, 8}, {1, 1, 2, 2}),
                                make<int64_t>({5, 7, 13, 15}, {1, 1, 2, 2}),
                                make<int64_t>({1, 1, 5, 5}, {4})},
                               {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}));
  std::vector<float> want(25, 0.f);
  want[6] = 5;
  want[8] = 6;
  want[16] = 7;
  want[18] = 8;
  expect_tensor<float>(z, want, {1, 1, 5, 5});
  // 1-D, two channels: indices are global over the tensor.
  const Tensor o = run_ok(spec("MaxUnpool", 22,
                               {make<double>({1, 2}, {1, 2, 1}), make<int64_t>({1, 2}, {1, 2, 1})},
                               {attr_ints("kernel_shape", {2})}));
  expect_tensor<double>(o, {0, 1, 2, 0}, {1, 2, 2});
}

TEST(MaxUnpool, Errors) {
  const Tensor x = make<float>({5, 6, 7, 8}, {1, 1, 2, 2});
  const std::vector<ir::Attribute> a = {attr_ints("kernel_shape", {2, 2}),
                                        attr_ints("strides", {2, 2})};
  EXPECT_FALSE(run_node(spec("MaxUnpool", 11, {x, make<int64_t>({5, 7, 13, 16}, {1, 1, 2, 2})}, a))
                   .ok());  // index out of range
  EXPECT_FALSE(run_node(spec("MaxUnpool", 11, {x, make<int64_t>({5, 7, 13}, {1, 1, 3})}, a))
                   .ok());  // indices shape
  EXPECT_FALSE(run_node(spec("MaxUnpool", 11,
                             {x, make<int64_t>({0, 1, 2, 3}, {1, 1, 2, 2}),
                              make<int64_t>({1, 1, 3, 3}, {4})},
                             a))
                   .ok());  // output_shape smaller than inferred
  EXPECT_FALSE(run_node(spec("MaxUnpool", 11, {x, make<int64_t>({0, 1, 2, 3}, {1, 1, 2, 2})}))
                   .ok());  // kernel_shape missing
}

TEST(DeformConv, ZeroOffsetIsConvAndBilinearShift) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor w = make<float>({1, 1, 1, 1}, {1, 1, 2, 2});
  const Tensor zero_off = make<float>(std::vector<float>(8 * 4, 0.f), {1, 8, 2, 2});
  const Tensor y = run_ok(spec("DeformConv", 19, {x, w, zero_off}));
  expect_tensor<float>(y, {12, 16, 24, 28}, {1, 1, 2, 2});
  // 1x1 kernel, offset (0.5, 0.25) everywhere, mask 2, bias 1, output 1x1 at (0,0):
  // sample at (0.5, 0.25): rows 0/1 mix: (1*.75+2*.25)*.5 + (4*.75+5*.25)*.5 = 2.75
  const Tensor y1 = run_ok(spec("DeformConv", 19,
                                {x, make<float>({1}, {1, 1, 1, 1}),
                                 make<float>({0.5f, 0.25f}, {1, 2, 1, 1}),
                                 make<float>({1}, {1}), make<float>({2}, {1, 1, 1, 1})},
                                {attr_ints("strides", {3, 3})}));
  expect_tensor<float>(y1, {2.75f * 2 + 1}, {1, 1, 1, 1});
  // Sampling outside the image contributes 0; half outside interpolates with 0.
  const Tensor y2 = run_ok(spec("DeformConv", 19,
                                {x, make<float>({1}, {1, 1, 1, 1}),
                                 make<float>({-0.5f, 0.f}, {1, 2, 1, 1})},
                                {attr_ints("strides", {3, 3})}));
  expect_tensor<float>(y2, {0.5f}, {1, 1, 1, 1});
}

TEST(DeformConv, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  const Tensor w = make<float>({1}, {1, 1, 1, 1});
  EXPECT_FALSE(run_node(spec("DeformConv", 19, {x, w, make<float>({0}, {1, 1, 2, 2})})).ok());
  EXPECT_FALSE(run_node(spec("DeformConv", 19,
                             {x, w, make<float>(std::vector<float>(8, 0.f), {1, 2, 2, 2}),
                              make<float>({1, 2}, {2})}))
                   .ok());  // bias length
  EXPECT_FALSE(run_node(spec("DeformConv", 19, {make<float>({1, 2}, {1, 1, 2}),
                                                make<float>({1}, {1, 1, 1}),
                                                make<float>({0, 0}, {1, 1, 2})}))
                   .ok());  // 1-D not supported
}

}  // namespace
}  // namespace onyx::test
