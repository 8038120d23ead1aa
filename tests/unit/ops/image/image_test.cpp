// Unit tests of the image family: Pad, Resize, Upsample, DepthToSpace, SpaceToDepth.
#include "test_util.h"

namespace onyx::test {
namespace {

Value none() { return Value(); }
Tensor i64(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return make<int64_t>(std::move(v), {n});
}
Tensor f32(std::vector<float> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return make<float>(std::move(v), {n});
}

// ---- Pad -------------------------------------------------------------------------------------

TEST(ImagePad, ConstantReflectEdgeWrap) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  // pads: [begin0, begin1, end0, end1]
  expect_tensor<float>(run_ok({"Pad", 13, {x, i64({0, 1, 1, 0}), Tensor::scalar(9.f)}}),
                       {9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9}, {3, 4});
  expect_tensor<float>(run_ok({"Pad", 13, {x, i64({0, 2, 0, 2})}, {attr_string("mode", "reflect")}}),
                       {3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4}, {2, 7});
  expect_tensor<float>(run_ok({"Pad", 13, {x, i64({1, 1, 0, 1})}, {attr_string("mode", "edge")}}),
                       {1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6}, {3, 5});
  expect_tensor<float>(run_ok({"Pad", 19, {x, i64({0, 4, 0, 1})}, {attr_string("mode", "wrap")}}),
                       {3, 1, 2, 3, 1, 2, 3, 1, 6, 4, 5, 6, 4, 5, 6, 4}, {2, 8});
  // reflect further than the axis length repeats the reflection
  expect_tensor<int32_t>(run_ok({"Pad", 13, {make<int32_t>({1, 2}, {2}), i64({3, 0})},
                                 {attr_string("mode", "reflect")}}),
                         {2, 1, 2, 1, 2}, {5});
}

TEST(ImagePad, NegativePadsCrop) {
  Tensor x = make<int64_t>({1, 2, 3, 4, 5}, {5});
  expect_tensor<int64_t>(run_ok({"Pad", 13, {x, i64({-1, -2})}}), {2, 3}, {2});
  // crop then edge-pad relative to the cropped tensor
  expect_tensor<int64_t>(run_ok({"Pad", 13, {x, i64({-2, 1})}, {attr_string("mode", "edge")}}),
                         {3, 4, 5, 5}, {4});
  expect_tensor<int64_t>(run_ok({"Pad", 13, {x, i64({-5, 0})}}), {}, {0});
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({-6, 0})}}).ok());
}

TEST(ImagePad, OldOpsetsAxesAndTypes) {
  Tensor x = make<float>({1, 2}, {1, 2});
  expect_tensor<float>(run_ok({"Pad", 2, {x}, {attr_ints("pads", {0, 1, 0, 0}), attr_float("value", 7)}}),
                       {7, 1, 2}, {1, 3});
  expect_tensor<float>(run_ok({"Pad", 1, {x}, {attr_ints("paddings", {1, 0, 0, 0})}}), {0, 0, 1, 2}, {2, 2});
  // axes input (18+), negative axis
  expect_tensor<float>(run_ok({"Pad", 18, {x, i64({1, 2}), Tensor::scalar(5.f), i64({-1})}}),
                       {5, 1, 2, 5, 5}, {1, 5});
  Tensor s = run_ok({"Pad", 13, {make<std::string>({"a"}, {1}), i64({1, 1}), Tensor::scalar<std::string>("z")}});
  ASSERT_EQ(s.numel(), 3);
  EXPECT_EQ(s.data<std::string>()[0], "z");
  EXPECT_EQ(s.data<std::string>()[1], "a");
  expect_tensor<bool>(run_ok({"Pad", 13, {make<bool>({true}, {1}), i64({1, 0})}}), {false, true}, {2});
  expect_tensor<float16>(run_ok({"Pad", 13, {make<float16>({float16(1.f)}, {1}), i64({0, 1}),
                                             Tensor::scalar(float16(2.f))}}),
                         {float16(1.f), float16(2.f)}, {2});
  // scalar input with no pads, and an empty axis padded by constant
  expect_tensor<float>(run_ok({"Pad", 13, {Tensor::scalar(3.f), i64({})}}), {3}, {});
  expect_tensor<float>(run_ok({"Pad", 13, {make<float>({}, {0}), i64({1, 1})}}), {0, 0}, {2});
}

TEST(ImagePad, Errors) {
  Tensor x = make<float>({1, 2}, {2});
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({1})}}).ok());                           // wrong length
  EXPECT_FALSE(run_node({"Pad", 13, {x, f32({1, 1})}}).ok());                        // wrong type
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({1, 1}), Tensor::scalar(1.0)}}).ok());  // value type
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({1, 1})}, {attr_string("mode", "wrap")}}).ok());
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({1, 1})}, {attr_string("mode", "bogus")}}).ok());
  EXPECT_FALSE(run_node({"Pad", 18, {x, i64({1, 1}), none(), i64({1})}}).ok());     // bad axis
  EXPECT_FALSE(run_node({"Pad", 13, {make<float>({}, {0}), i64({1, 0})}, {attr_string("mode", "edge")}}).ok());
  EXPECT_FALSE(run_node({"Pad", 13, {x, i64({int64_t{1} << 50, 0})}}).ok());
}

// ---- Resize ----------------------------------------------------------------------------------

TEST(ImageResize, NearestModes) {
  Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  // asymmetric + floor, x2 upsample
  expect_tensor<float>(run_ok({"Resize", 13, {x, none(), f32({1, 1, 2, 2})},
                               {attr_string("coordinate_transformation_mode", "asymmetric"),
                                attr_string("nearest_mode", "floor")}}),
                       {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, {1, 1, 4, 4});
  // 1-D, half_pixel + round_prefer_ceil: in 3 -> out 2 with sizes: x = (o+0.5)*1.5-0.5 = 0.25, 1.75
  expect_tensor<int32_t>(run_ok({"Resize", 13, {make<int32_t>({10, 20, 30}, {3}), none(), none(), i64({2})},
                                 {attr_string("nearest_mode", "round_prefer_ceil")}}),
                         {10, 30}, {2});
  // Resize-10: downsampling nearest uses ceil (x = 0, 1.667 -> 0, 2)
  expect_tensor<float>(run_ok({"Resize", 10, {make<float>({1, 2, 3, 4}, {4}), f32({0.6f})}}), {1, 3}, {2});
}

TEST(ImageResize, LinearAndAlignCorners) {
  Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  // half_pixel x2: 1D [1,2] -> [1, 1.25, 1.75, 2]
  expect_tensor<float>(run_ok({"Resize", 13, {make<float>({1, 2}, {2}), none(), f32({2})},
                               {attr_string("mode", "linear")}}),
                       {1, 1.25f, 1.75f, 2}, {4});
  expect_tensor<float>(run_ok({"Resize", 11, {make<float>({0, 3}, {2}), f32({}), f32({}), i64({4})},
                               {attr_string("mode", "linear"),
                                attr_string("coordinate_transformation_mode", "align_corners")}}),
                       {0, 1, 2, 3}, {4});
  // uint8 rounds to nearest
  expect_tensor<uint8_t>(run_ok({"Resize", 13, {make<uint8_t>({0, 3}, {2}), none(), f32({2})},
                                 {attr_string("mode", "linear")}}),
                         {0, 1, 2, 3}, {4});  // 0, 0.75, 2.25, 3
  // bilinear 2x2 -> 3x3 align_corners: centre is the mean
  Tensor y = run_ok({"Resize", 13, {x, none(), none(), i64({1, 1, 3, 3})},
                     {attr_string("mode", "linear"),
                      attr_string("coordinate_transformation_mode", "align_corners")}});
  expect_tensor<float>(y, {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}, {1, 1, 3, 3});
}

TEST(ImageResize, CubicMatchesHandComputedWeights) {
  // asymmetric, x2: out[1] at x=0.5 uses taps -1..2 (clamped) with A=-0.75 weights
  // [-0.09375, 0.59375, 0.59375, -0.09375]
  Tensor x = make<double>({1, 2, 4, 8}, {4});
  Tensor y = run_ok({"Resize", 13, {x, none(), f32({2})},
                     {attr_string("mode", "cubic"),
                      attr_string("coordinate_transformation_mode", "asymmetric")}});
  ASSERT_EQ(y.shape(), (Shape{8}));
  EXPECT_NEAR(y.data<double>()[0], 1.0, 1e-9);
  EXPECT_NEAR(y.data<double>()[1], -0.09375 * 1 + 0.59375 * 1 + 0.59375 * 2 - 0.09375 * 4, 1e-9);
  EXPECT_NEAR(y.data<double>()[2], 2.0, 1e-9);
  // exclude_outside renormalizes the in-range weights
  Tensor z = run_ok({"Resize", 13, {x, none(), f32({2})},
                     {attr_string("mode", "cubic"), attr_int("exclude_outside", 1),
                      attr_string("coordinate_transformation_mode", "asymmetric")}});
  EXPECT_NEAR(z.data<double>()[1], (0.59375 * 1 + 0.59375 * 2 - 0.09375 * 4) / (0.59375 + 0.59375 - 0.09375), 1e-9);
}

TEST(ImageResize, TfCropAndResizeExtrapolates) {
  Tensor x = make<float>({1, 2, 3, 4}, {4});
  // roi [0.5, 1.5] of length-4 axis: x = 1.5 + o * 1.5 for 3 outputs -> 1.5, 3, 4.5(outside)
  expect_tensor<float>(run_ok({"Resize", 13, {x, f32({0.5f, 1.5f}), none(), i64({3})},
                               {attr_string("mode", "linear"),
                                attr_string("coordinate_transformation_mode", "tf_crop_and_resize"),
                                attr_float("extrapolation_value", -1)}}),
                       {2.5f, 4, -1}, {3});
}

TEST(ImageResize, AxesPolicyAndAntialias) {
  Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  // axes=[1] with sizes [6]: only the last axis changes (nearest, asymmetric floor)
  expect_tensor<float>(run_ok({"Resize", 18, {x, none(), none(), i64({6})},
                               {attr_ints("axes", {1}),
                                attr_string("coordinate_transformation_mode", "asymmetric"),
                                attr_string("nearest_mode", "floor")}}),
                       {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}, {2, 6});
  // not_larger: sizes [4, 4] on 2x3 -> scale min(2, 4/3) = 4/3 -> out round(2.67)=3, 4
  Tensor y = run_ok({"Resize", 18, {x, none(), none(), i64({4, 4})},
                     {attr_string("keep_aspect_ratio_policy", "not_larger")}});
  EXPECT_EQ(y.shape(), (Shape{3, 4}));
  Tensor w = run_ok({"Resize", 18, {x, none(), none(), i64({4, 4})},
                     {attr_string("keep_aspect_ratio_policy", "not_smaller")}});
  EXPECT_EQ(w.shape(), (Shape{4, 6}));
  // antialias linear x0.5 on 4 elements: half_pixel x = 0.5, 2.5, triangle of width 2 ->
  // taps at offsets -1..2 weights [0.25, 0.75, 0.75, 0.25]/2 around base
  Tensor a = run_ok({"Resize", 18, {make<float>({0, 4, 8, 12}, {4}), none(), f32({0.5f})},
                     {attr_string("mode", "linear"), attr_int("antialias", 1)}});
  // o=0: taps -1(clamped 0),0,1,2 -> (0.25*0 + 0.75*0 + 0.75*4 + 0.25*8)/2 = 2.5
  expect_tensor<float>(a, {2.5f, 9.5f}, {2});
}

TEST(ImageResize, EmptyAndErrors) {
  Tensor x = make<float>({1, 2}, {2});
  expect_tensor<float>(run_ok({"Resize", 13, {x, none(), none(), i64({0})}}), {}, {0});
  expect_tensor<float>(run_ok({"Resize", 13, {make<float>({}, {0, 2}), none(), f32({2, 2})}}), {}, {0, 4});
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), f32({2, 2})}}).ok());             // wrong length
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), f32({-1})}}).ok());               // bad scale
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), f32({2}), i64({3})}}).ok());      // both
  EXPECT_FALSE(run_node({"Resize", 13, {x}}).ok());                                  // neither
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), none(), i64({-3})}}).ok());
  EXPECT_FALSE(run_node({"Resize", 13, {make<float>({}, {0}), none(), none(), i64({3})}}).ok());
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), f32({1e30f})}}).ok());
  EXPECT_FALSE(run_node({"Resize", 13, {x, none(), f32({2})}, {attr_string("mode", "bogus")}}).ok());
  EXPECT_FALSE(run_node({"Resize", 10, {x, f32({2})}, {attr_string("mode", "cubic")}}).ok());
  EXPECT_FALSE(run_node({"Resize", 13, {make<std::string>({"a", "b"}, {2}), none(), f32({2})},
                         {attr_string("mode", "linear")}}).ok());
}

TEST(ImageUpsample, NearestAndLinear) {
  Tensor x = make<float>({1, 2}, {1, 2});
  expect_tensor<float>(run_ok({"Upsample", 9, {x, f32({2, 2})}}), {1, 1, 2, 2, 1, 1, 2, 2}, {2, 4});
  expect_tensor<float>(run_ok({"Upsample", 7, {x}, {attr_floats("scales", {1, 2}), attr_string("mode", "linear")}}),
                       {1, 1.5f, 2, 2}, {1, 4});
  EXPECT_FALSE(run_node({"Upsample", 7, {x}}).ok());
}

// ---- DepthToSpace / SpaceToDepth -------------------------------------------------------------

TEST(ImageDepthToSpace, DcrCrdAndRoundTrip) {
  std::vector<float> v(8);
  for (int i = 0; i < 8; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  Tensor x = make<float>(v, {1, 8, 1, 1});
  // DCR: channel (bi*2+bj)*2 + c
  expect_tensor<float>(run_ok({"DepthToSpace", 13, {x}, {attr_int("blocksize", 2)}}),
                       {0, 2, 4, 6, 1, 3, 5, 7}, {1, 2, 2, 2});
  // CRD: channel c*4 + bi*2 + bj
  expect_tensor<float>(run_ok({"DepthToSpace", 13, {x}, {attr_int("blocksize", 2), attr_string("mode", "CRD")}}),
                       {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 2, 2});
  Tensor img = make<int32_t>({0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 2, 2});
  Tensor s2d = run_ok({"SpaceToDepth", 13, {img}, {attr_int("blocksize", 2)}});
  expect_tensor<int32_t>(s2d, {0, 4, 1, 5, 2, 6, 3, 7}, {1, 8, 1, 1});
  expect_tensor<int32_t>(run_ok({"DepthToSpace", 13, {s2d}, {attr_int("blocksize", 2)}}),
                         values_of<int32_t>(img), {1, 2, 2, 2});
  expect_tensor<float>(run_ok({"SpaceToDepth", 1, {make<float>({}, {0, 1, 2, 2})}, {attr_int("blocksize", 2)}}),
                       {}, {0, 4, 1, 1});
}

TEST(ImageDepthToSpace, Errors) {
  Tensor x = make<float>(std::vector<float>(6, 0.f), {1, 6, 1, 1});
  EXPECT_FALSE(run_node({"DepthToSpace", 13, {x}, {attr_int("blocksize", 2)}}).ok());
  EXPECT_FALSE(run_node({"DepthToSpace", 13, {x}, {attr_int("blocksize", 0)}}).ok());
  EXPECT_FALSE(run_node({"DepthToSpace", 13, {x}}).ok());
  EXPECT_FALSE(run_node({"DepthToSpace", 13, {x}, {attr_int("blocksize", 1), attr_string("mode", "XYZ")}}).ok());
  EXPECT_FALSE(run_node({"SpaceToDepth", 13, {make<float>({1, 2, 3}, {1, 1, 1, 3})}, {attr_int("blocksize", 2)}}).ok());
  EXPECT_FALSE(run_node({"SpaceToDepth", 13, {make<float>({1}, {1})}, {attr_int("blocksize", 1)}}).ok());
}

}  // namespace
}  // namespace onyx::test
