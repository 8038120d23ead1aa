// GridSample and AffineGrid: hand-computed samples for each mode and padding, 5-D, dtypes,
// empty grids and the error cases.
#include <limits>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec gs(int opset, Tensor x, Tensor grid, std::vector<ir::Attribute> attrs = {}) {
  NodeSpec s;
  s.op = "GridSample";
  s.opset = opset;
  s.inputs = {V(std::move(x)), V(std::move(grid))};
  s.attributes = std::move(attrs);
  return s;
}

// Samples X (1, 1, 1, W) = values at normalized x positions (y = 0), returns the row.
std::vector<float> sample_row(std::vector<float> values, std::vector<float> xs,
                              std::vector<ir::Attribute> attrs, int opset = 22) {
  const auto w = static_cast<int64_t>(values.size()), n = static_cast<int64_t>(xs.size());
  std::vector<float> grid;
  for (float x : xs) grid.insert(grid.end(), {x, 0.f});
  const Tensor y = run_ok(gs(opset, make<float>(values, {1, 1, 1, w}),
                             make<float>(grid, {1, 1, n, 2}), std::move(attrs)));
  if (!y.defined()) return {};
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, n}));
  return values_of<float>(y);
}

TEST(GridSample, CornersAndCentreBilinear) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  // align_corners: the extremes are the corner pixel centres.
  const Tensor g = make<float>({-1, -1, 1, -1, -1, 1, 1, 1, 0, 0}, {1, 1, 5, 2});
  expect_tensor<float>(run_ok(gs(16, x, g, {attr_int("align_corners", 1)})), {1, 2, 3, 4, 2.5f},
                       {1, 1, 1, 5});
  // Without: -1 is the outer edge, half a pixel out, so zeros padding halves twice.
  expect_tensor<float>(run_ok(gs(22, x, g)), {0.25f, 0.5f, 0.75f, 1.f, 2.5f}, {1, 1, 1, 5});
  expect_tensor<float>(run_ok(gs(22, x, g, {attr_string("padding_mode", "border")})),
                       {1, 2, 3, 4, 2.5f}, {1, 1, 1, 5});
  expect_tensor<float>(run_ok(gs(22, x, g, {attr_string("padding_mode", "reflection")})),
                       {1, 2, 3, 4, 2.5f}, {1, 1, 1, 5});
}

TEST(GridSample, PaddingModesOutside) {
  // W = 2, align_corners: x = 2 maps to pixel 1.5, half a pixel past the last centre.
  const std::vector<ir::Attribute> ac = {attr_int("align_corners", 1)};
  auto with = [&](const char* p) {
    std::vector<ir::Attribute> a = ac;
    a.push_back(attr_string("padding_mode", p));
    return a;
  };
  EXPECT_EQ(sample_row({10, 20}, {2.f}, with("zeros")), std::vector<float>({10.f}));
  EXPECT_EQ(sample_row({10, 20}, {2.f}, with("border")), std::vector<float>({20.f}));
  // Reflected to 0.5.
  EXPECT_EQ(sample_row({10, 20}, {2.f}, with("reflection")), std::vector<float>({15.f}));
  // Far outside: x = 5 -> pixel 3, 2 past the border: two full folds land on pixel 1.
  EXPECT_EQ(sample_row({10, 20}, {5.f}, with("reflection")), std::vector<float>({20.f}));
  EXPECT_EQ(sample_row({10, 20}, {5.f}, with("zeros")), std::vector<float>({0.f}));
  // Infinite positions read 0 (zeros) or the edge (border).
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(sample_row({10, 20}, {-inf, inf}, with("zeros")), std::vector<float>({0.f, 0.f}));
  EXPECT_EQ(sample_row({10, 20}, {-inf, inf}, with("border")), std::vector<float>({10.f, 20.f}));
  // NaN positions give NaN.
  const auto nan = sample_row({10, 20}, {std::nanf("")}, with("zeros"));
  ASSERT_EQ(nan.size(), 1u);
  EXPECT_TRUE(std::isnan(nan[0]));
}

TEST(GridSample, NearestRounding) {
  const std::vector<ir::Attribute> a = {attr_string("mode", "nearest"),
                                        attr_int("align_corners", 1)};
  // W = 3: x = -0.5 -> pixel 0.5 rounds to even (0); x = 0.5 -> 1.5 -> 2.
  EXPECT_EQ(sample_row({1, 2, 3}, {-0.5f, 0.5f, 0.1f}, a), std::vector<float>({1, 3, 2}));
  // 3 spatial dims round half to even too (as the conformance data): W = 6, x = 0 -> pixel
  // 2.5 -> 2; x = 0.2 -> pixel 3.
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 1, 1, 1, 6});
  const Tensor g = make<float>({0, 0, 0, 0.2f, 0, 0}, {1, 1, 1, 2, 3});
  expect_tensor<float>(run_ok(gs(20, x, g, a)), {3, 4}, {1, 1, 1, 1, 2});
}

TEST(GridSample, Bicubic) {
  const std::vector<ir::Attribute> a = {attr_string("mode", "cubic"), attr_int("align_corners", 1)};
  // Exactly on pixel 1 (x = -1/3 for W = 4): the pixel itself. Half way between 1 and 2 (x = 0):
  // Keys weights (-0.09375, 0.59375, 0.59375, -0.09375) over 1, 2, 4, 8.
  const auto r = sample_row({1, 2, 4, 8}, {-1.f / 3, 0.f}, a);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 2.f, 1e-5);
  EXPECT_NEAR(r[1], 2.71875f, 1e-5);
  // Opset 16 spelling.
  const auto r16 = sample_row({1, 2, 4, 8}, {0.f},
                              {attr_string("mode", "bicubic"), attr_int("align_corners", 1)}, 16);
  ASSERT_EQ(r16.size(), 1u);
  EXPECT_NEAR(r16[0], 2.71875f, 1e-5);
}

TEST(GridSample, VolumetricLinearChannelsAndBatches) {
  // X (2, 2, 2, 1, 2): image n, channel c, depth d, width w -> 100n + 10c + 2d + w.
  std::vector<double> xv;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int d = 0; d < 2; ++d)
        for (int w = 0; w < 2; ++w) xv.push_back(100 * n + 10 * c + 2 * d + w);
  // Grid (2, 1, 1, 1, 3): centre of the volume for n = 0, corner (w 1, d 0) for n = 1.
  const Tensor g = make<double>({0, 0, 0, 1, 0, -1}, {2, 1, 1, 1, 3});
  const Tensor y =
      run_ok(gs(22, make<double>(xv, {2, 2, 2, 1, 2}), g, {attr_int("align_corners", 1)}));
  expect_tensor<double>(y, {1.5, 11.5, 101, 111}, {2, 2, 1, 1, 1});
}

TEST(GridSample, HalfTypesGridTypeAndEmpty) {
  const Tensor x =
      make<float16>({float16(1.f), float16(2.f), float16(3.f), float16(4.f)}, {1, 1, 2, 2});
  // A double grid with a float16 X.
  const Tensor y = run_ok(gs(22, x, make<double>({0, 0}, {1, 1, 1, 2})));
  expect_tensor<float16>(y, {float16(2.5f)}, {1, 1, 1, 1});
  // No output positions: an empty Y of the right shape.
  const Tensor e = run_ok(
      gs(22, make<float>({1, 2, 3, 4}, {1, 1, 2, 2}), Tensor(DataType::kFloat, {1, 0, 3, 2})));
  expect_tensor<float>(e, {}, {1, 1, 0, 3});
}

TEST(GridSample, IntegerTruncatesAndSaturates) {
  // The centre of a 2x2 image: 2.5 and -2.5 are stored truncated toward zero.
  const Tensor centre = make<float>({0, 0}, {1, 1, 1, 2});
  expect_tensor<int32_t>(run_ok(gs(22, make<int32_t>({1, 2, 3, 4}, {1, 1, 2, 2}), centre)), {2},
                         {1, 1, 1, 1});
  expect_tensor<int64_t>(run_ok(gs(16, make<int64_t>({-1, -2, -3, -4}, {1, 1, 2, 2}), centre)),
                         {-2}, {1, 1, 1, 1});
  // Cubic overshoot below 0 (2 * -0.09375 * 255 = -47.8 half way between pixels 1 and 2)
  // saturates instead of wrapping; nearest copies exactly.
  const Tensor row = make<uint8_t>({255, 0, 0, 255}, {1, 1, 1, 4});
  const Tensor mid = make<float>({0, 0}, {1, 1, 1, 2});
  expect_tensor<uint8_t>(
      run_ok(gs(22, row, mid, {attr_string("mode", "cubic"), attr_int("align_corners", 1)})), {0},
      {1, 1, 1, 1});
  expect_tensor<uint8_t>(run_ok(gs(22, row, make<float>({1, 0}, {1, 1, 1, 2}),
                                   {attr_string("mode", "nearest"), attr_int("align_corners", 1)})),
                         {255}, {1, 1, 1, 1});
}

TEST(GridSample, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 1, 2, 2});
  EXPECT_FALSE(run_node(gs(22, x, make<float>({0, 0, 0}, {1, 1, 1, 3}))).ok());     // last dim
  EXPECT_FALSE(run_node(gs(22, x, make<float>({0, 0}, {1, 1, 2}))).ok());           // rank
  EXPECT_FALSE(run_node(gs(22, x, make<float>({0, 0, 0, 0}, {2, 1, 1, 2}))).ok());  // batch
  EXPECT_FALSE(run_node(gs(16, make<float>({1, 2}, {1, 1, 1, 1, 2}),
                           make<float>({0, 0, 0}, {1, 1, 1, 1, 3})))
                   .ok());  // 5-D before opset 20
  EXPECT_FALSE(
      run_node(gs(22, x, make<float>({0, 0}, {1, 1, 1, 2}), {attr_string("mode", "area")})).ok());
  EXPECT_FALSE(
      run_node(gs(22, x, make<float>({0, 0}, {1, 1, 1, 2}), {attr_string("padding_mode", "wrap")}))
          .ok());
  EXPECT_FALSE(
      run_node(gs(22, Tensor(DataType::kFloat, {1, 1, 0, 2}), make<float>({0, 0}, {1, 1, 1, 2})))
          .ok());  // nothing to sample from
  EXPECT_FALSE(run_node(gs(22, x, make<int64_t>({0, 0}, {1, 1, 1, 2}))).ok());  // integer grid
  EXPECT_FALSE(
      run_node(gs(22, make<bool>({true}, {1, 1, 1, 1}), make<float>({0, 0}, {1, 1, 1, 2}))).ok());
}

NodeSpec ag(Tensor theta, std::vector<int64_t> size, int64_t align = 0) {
  NodeSpec s;
  s.op = "AffineGrid";
  s.opset = 20;
  const auto n = static_cast<int64_t>(size.size());
  s.inputs = {V(std::move(theta)), V(make<int64_t>(std::move(size), {n}))};
  s.attributes = {attr_int("align_corners", align)};
  return s;
}

TEST(AffineGrid, Identity2D) {
  const Tensor id = make<float>({1, 0, 0, 0, 1, 0}, {1, 2, 3});
  // W = 3, H = 2. Pixel centres: x in (-2/3, 0, 2/3), y in (-1/2, 1/2).
  const float t = 2.f / 3;
  expect_tensor<float>(run_ok(ag(id, {1, 1, 2, 3})),
                       {-t, -0.5f, 0, -0.5f, t, -0.5f, -t, 0.5f, 0, 0.5f, t, 0.5f}, {1, 2, 3, 2});
  expect_tensor<float>(run_ok(ag(id, {1, 1, 2, 3}, 1)), {-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1},
                       {1, 2, 3, 2});
  // A size-1 axis with align_corners sits at -1.
  expect_tensor<float>(run_ok(ag(id, {1, 1, 1, 1}, 1)), {-1, -1}, {1, 1, 1, 2});
}

TEST(AffineGrid, Transform3DAndBatches) {
  // n = 0: swap x and z, translate y by 1. n = 1: scale x by 2.
  const Tensor theta = make<double>({0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0,  //
                                     2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0},
                                    {2, 3, 4});
  // D = 2, H = 1, W = 1, align_corners: z in (-1, 1), y = x = -1.
  expect_tensor<double>(run_ok(ag(theta, {2, 3, 2, 1, 1}, 1)),
                        {-1, 0, -1, 1, 0, -1,  //
                         -2, -1, -1, -2, -1, 1},
                        {2, 2, 1, 1, 3});
}

TEST(AffineGrid, EmptyAndErrors) {
  const Tensor id = make<float>({1, 0, 0, 0, 1, 0}, {1, 2, 3});
  expect_tensor<float>(run_ok(ag(id, {1, 1, 0, 4})), {}, {1, 0, 4, 2});
  EXPECT_FALSE(run_node(ag(id, {1, 1, 4})).ok());        // size length
  EXPECT_FALSE(run_node(ag(id, {2, 1, 4, 4})).ok());     // N mismatch
  EXPECT_FALSE(run_node(ag(id, {1, 1, 2, 2, 2})).ok());  // 3-D size, 2-D theta
  EXPECT_FALSE(run_node(ag(id, {1, 1, -1, 2})).ok());    // negative dim
  EXPECT_FALSE(run_node(ag(id, {1, 1, int64_t{1} << 40, int64_t{1} << 20})).ok());  // too large
}

}  // namespace
}  // namespace onyx::test
