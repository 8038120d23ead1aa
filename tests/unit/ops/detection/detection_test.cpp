// NonMaxSuppression, RoiAlign and MaxRoiPool: hand-computed selections and pooled values, optional inputs,
// both box formats and coordinate modes, and the error cases.
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec nms(Tensor boxes, Tensor scores, std::vector<Value> extra = {},
             std::vector<ir::Attribute> attrs = {}, int opset = 11) {
  NodeSpec s;
  s.op = "NonMaxSuppression";
  s.opset = opset;
  s.inputs = {V(std::move(boxes)), V(std::move(scores))};
  for (Value& v : extra) s.inputs.push_back(std::move(v));
  s.attributes = std::move(attrs);
  return s;
}

Value I64(int64_t v) {
  return V(make<int64_t>({v}, {1}));
}
Value F32(float v) {
  return V(make<float>({v}, {1}));
}

// Three unit boxes: 0 and 1 overlap with IoU 0.9 / 1.1, box 2 is apart.
const std::vector<float> kBoxes = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 2, 1, 3};

TEST(NonMaxSuppression, SuppressesOverlapsByScore) {
  const Tensor b = make<float>(kBoxes, {1, 3, 4});
  const Tensor s = make<float>({0.9f, 0.8f, 0.7f}, {1, 1, 3});
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(10), F32(0.5f)})), {0, 0, 0, 0, 0, 2}, {2, 3});
  // IoU 0.818 is not above 0.85: all kept, by descending score.
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(10), F32(0.85f)})), {0, 0, 0, 0, 0, 1, 0, 0, 2},
                         {3, 3});
  // Score threshold is strict: 0.8 is not above 0.8.
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(10), F32(0.85f), F32(0.8f)})), {0, 0, 0}, {1, 3});
  // At most one per class.
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(1), F32(0.f)})), {0, 0, 0}, {1, 3});
  // max_output_boxes_per_class absent or 0: nothing.
  expect_tensor<int64_t>(run_ok(nms(b, s)), {}, {0, 3});
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(-5)})), {}, {0, 3});
  // Opset 10 behaves the same.
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(10), F32(0.5f)}, {}, 10)), {0, 0, 0, 0, 0, 2},
                         {2, 3});
}

TEST(NonMaxSuppression, CenterFormatTiesBatchesClasses) {
  // The same boxes as centres and sizes; equal scores keep ascending box order.
  const Tensor b = make<float>({0.5f, 0.5f, 1, 1, 0.6f, 0.5f, 1, 1, 2.5f, 0.5f, 1, 1}, {1, 3, 4});
  const Tensor s = make<float>({0.5f, 0.5f, 0.5f}, {1, 1, 3});
  expect_tensor<int64_t>(run_ok(nms(b, s, {I64(3), F32(0.5f)}, {attr_int("center_point_box", 1)})),
                         {0, 0, 0, 0, 0, 2}, {2, 3});
  // Two batches x two classes, flipped corners in batch 1; NaN scores are never picked.
  std::vector<float> two = kBoxes;
  two.insert(two.end(), {1, 1, 0, 0, 1, 1.1f, 0, 0.1f, 1, 3, 0, 2});
  const float nan = std::nanf("");
  const Tensor s2 = make<float>({0.9f, 0.8f, 0.7f, 0.1f, 0.2f, 0.3f,  //
                                 nan, 0.8f, 0.9f, 0.3f, 0.9f, 0.1f},
                                {2, 2, 3});
  expect_tensor<int64_t>(run_ok(nms(make<float>(two, {2, 3, 4}), s2, {I64(2), F32(0.5f)})),
                         {0, 0, 0, 0, 0, 2, 0, 1, 2, 0, 1, 1,  //
                          1, 0, 2, 1, 0, 1, 1, 1, 1, 1, 1, 2},
                         {8, 3});
  // Degenerate (zero-area) boxes never suppress.
  const Tensor flat = make<float>({0, 0, 0, 1, 0, 0, 0, 1}, {1, 2, 4});
  expect_tensor<int64_t>(run_ok(nms(flat, make<float>({0.9f, 0.8f}, {1, 1, 2}), {I64(5)})),
                         {0, 0, 0, 0, 0, 1}, {2, 3});
  // No boxes at all.
  expect_tensor<int64_t>(run_ok(nms(Tensor(DataType::kFloat, {1, 0, 4}),
                                    Tensor(DataType::kFloat, {1, 1, 0}), {I64(5)})),
                         {}, {0, 3});
}

TEST(NonMaxSuppression, Errors) {
  const Tensor b = make<float>(kBoxes, {1, 3, 4});
  const Tensor s = make<float>({0.9f, 0.8f, 0.7f}, {1, 1, 3});
  EXPECT_FALSE(run_node(nms(make<float>(kBoxes, {1, 4, 3}), s, {I64(3)})).ok());
  EXPECT_FALSE(run_node(nms(b, make<float>({0.9f, 0.8f}, {1, 1, 2}), {I64(3)})).ok());
  EXPECT_FALSE(run_node(nms(b, make<float>({0.9f, 0.8f, 0.7f}, {3, 1, 1}), {I64(3)})).ok());
  EXPECT_FALSE(run_node(nms(b, s, {V(make<int64_t>({1, 2}, {2}))})).ok());
  EXPECT_FALSE(run_node(nms(b, s, {I64(3), V(make<double>({0.5}, {1}))})).ok());
  EXPECT_FALSE(run_node(nms(b, s, {I64(3)}, {attr_int("center_point_box", 2)})).ok());
}

NodeSpec roi(int opset, Tensor x, std::vector<float> rois, std::vector<int64_t> batch,
             std::vector<ir::Attribute> attrs) {
  NodeSpec s;
  s.op = "RoiAlign";
  s.opset = opset;
  const auto r = static_cast<int64_t>(batch.size());
  s.inputs = {V(std::move(x)), V(make<float>(std::move(rois), {r, 4})),
              V(make<int64_t>(std::move(batch), {r}))};
  s.attributes = std::move(attrs);
  return s;
}

// X (1, 1, 4, 4) with X[y][x] = 4y + x: bilinear reads of it are exact inside the map.
Tensor ramp(int64_t n = 1) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 16; ++k) v.push_back(static_cast<float>(k + 100 * i));
  return make<float>(v, {n, 1, 4, 4});
}

TEST(RoiAlign, AverageAndCoordinateModes) {
  // One bin over [0, 3]^2, one sample at its centre 1.5: 4 * 1.5 + 1.5.
  const std::vector<ir::Attribute> out_half = {
      attr_string("coordinate_transformation_mode", "output_half_pixel"),
      attr_int("sampling_ratio", 1)};
  expect_tensor<float>(run_ok(roi(16, ramp(), {0, 0, 3, 3}, {0}, out_half)), {7.5f}, {1, 1, 1, 1});
  // Opset 10 has no attribute and behaves as output_half_pixel.
  expect_tensor<float>(run_ok(roi(10, ramp(), {0, 0, 3, 3}, {0}, {attr_int("sampling_ratio", 1)})),
                       {7.5f}, {1, 1, 1, 1});
  // half_pixel (the 16+ default) shifts by -0.5: the centre is 1.0.
  expect_tensor<float>(run_ok(roi(22, ramp(), {0, 0, 3, 3}, {0}, {attr_int("sampling_ratio", 1)})),
                       {5.f}, {1, 1, 1, 1});
  // 2x2 bins over [0, 4]^2 with 2x2 samples each (adaptive: ceil(2 / 1) = 2), spatial_scale 0.5
  // on a ROI given at twice the scale; batch index 1 selects the second image (+100).
  // Bin (0,0) samples at 0.5 and 1.5: mean 4 * 1 + 1 = 5. Samples at 3.5 clamp to row/col 3.
  const Tensor y = run_ok(roi(16, ramp(2), {0, 0, 8, 8}, {1},
                              {attr_string("coordinate_transformation_mode", "output_half_pixel"),
                               attr_int("output_height", 2), attr_int("output_width", 2),
                               attr_float("spatial_scale", 0.5f)}));
  // The second row/column of bins samples 2.5 and 3 (3.5 clamped): mean 2.75.
  expect_tensor<float>(y, {105, 106.75f, 112, 113.75f}, {1, 1, 2, 2});
}

TEST(RoiAlign, MaxModeUsesWeightedCorners) {
  // Samples on pixel centres 1 and 3: values 5, 7, 13, 15. Max 15, average 10.
  std::vector<ir::Attribute> a = {
      attr_string("coordinate_transformation_mode", "output_half_pixel"),
      attr_int("sampling_ratio", 2)};
  expect_tensor<float>(run_ok(roi(16, ramp(), {0, 0, 4, 4}, {0}, a)), {10}, {1, 1, 1, 1});
  a.push_back(attr_string("mode", "max"));
  expect_tensor<float>(run_ok(roi(16, ramp(), {0, 0, 4, 4}, {0}, a)), {15}, {1, 1, 1, 1});
  // Between pixels, max takes the largest weighted corner term: halfway between 2 and 4 gives
  // max(0.5 * 2, 0.5 * 4) = 2, not the interpolated 3 (ONNX reference / onnxruntime behaviour).
  const Tensor row = make<float>({2, 4}, {1, 1, 1, 2});
  a[1] = attr_int("sampling_ratio", 1);
  expect_tensor<float>(run_ok(roi(16, row, {0, 0, 1, 1}, {0}, a)), {2}, {1, 1, 1, 1});
}

TEST(RoiAlign, EmptyAndErrors) {
  const std::vector<ir::Attribute> none;
  expect_tensor<float>(run_ok(roi(16, ramp(), {}, {}, none)), {}, {0, 1, 1, 1});
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1, 1}, {1}, none)).ok());  // batch index
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1, 1}, {-1}, none)).ok());
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, std::nanf(""), 1}, {0}, none)).ok());
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1e9f, 1e9f}, {0}, none)).ok());  // sample grid
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1, 1}, {0}, {attr_string("mode", "min")})).ok());
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1, 1}, {0}, {attr_int("output_height", 0)})).ok());
  EXPECT_FALSE(run_node(roi(16, ramp(), {0, 0, 1, 1}, {0},
                            {attr_string("coordinate_transformation_mode", "align_corners")}))
                   .ok());
  NodeSpec bad = roi(16, ramp(), {0, 0, 1, 1}, {0}, none);
  bad.inputs[1] = V(make<float>({0, 0, 1}, {1, 3}));
  EXPECT_FALSE(run_node(bad).ok());  // rois not (R, 4)
  bad.inputs[0] = V(make<float>({1, 2}, {1, 2}));
  EXPECT_FALSE(run_node(bad).ok());  // X not 4-D
}

NodeSpec max_roi_pool(Tensor x, Tensor rois, float scale = 1.f) {
  NodeSpec s;
  s.op = "MaxRoiPool";
  s.opset = 1;
  s.inputs = {V(std::move(x)), V(std::move(rois))};
  s.attributes = {attr_ints("pooled_shape", {2, 2}), attr_float("spatial_scale", scale)};
  return s;
}

Tensor iota_image() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return make<float>(v, {1, 1, 4, 4});
}

TEST(MaxRoiPool, PoolsRoundedRegionsAndClipsThem) {
  // The whole 4x4 image in 2x2 bins; the inner 2x2 in 1x1 bins; a region off the image: zeros.
  expect_tensor<float>(run_ok(max_roi_pool(iota_image(), make<float>({0, 0, 0, 3, 3,  //
                                                                      0, 1, 1, 2, 2,  //
                                                                      0, 10, 10, 12, 12},
                                                                     {3, 5}))),
                       {5, 7, 13, 15, 5, 6, 9, 10, 0, 0, 0, 0}, {3, 1, 2, 2});
  // Scale 0.5: [2, 2, 7, 7] -> rows/cols 1..4 (3.5 rounds away from zero), clipped at 3; bins
  // of 2 pixels: [1, 3) and [3, 5).
  expect_tensor<float>(run_ok(max_roi_pool(iota_image(), make<float>({0, 2, 2, 7, 7}, {1, 5}),
                                           0.5f)),
                       {10, 11, 14, 15}, {1, 1, 2, 2});
}

TEST(MaxRoiPool, RejectsBadRois) {
  auto r = run_node(max_roi_pool(iota_image(), make<float>({1, 0, 0, 1, 1}, {1, 5})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("image"), std::string::npos) << r.status().message();
  r = run_node(max_roi_pool(iota_image(), make<float>({0, 0, 0, 1}, {1, 4})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("num_rois, 5"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace onyx::test
