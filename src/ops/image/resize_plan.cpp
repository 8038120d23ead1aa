#include "ops/image/resize_plan.h"

#include <algorithm>
#include <cmath>

namespace onyx::image_detail {

Result<ResizeMode> parse_resize_mode(const std::string& s) {
  if (s == "nearest") return ResizeMode::kNearest;
  if (s == "linear" || s == "bilinear") return ResizeMode::kLinear;
  if (s == "cubic") return ResizeMode::kCubic;
  return InvalidGraph("unsupported mode '", s, "'");
}

Result<CoordMode> parse_coord_mode(const std::string& s, int opset) {
  if (s == "half_pixel") return CoordMode::kHalfPixel;
  if (s == "half_pixel_symmetric" && opset >= 19) return CoordMode::kHalfPixelSymmetric;
  if (s == "pytorch_half_pixel") return CoordMode::kPytorchHalfPixel;
  if (s == "align_corners") return CoordMode::kAlignCorners;
  if (s == "asymmetric") return CoordMode::kAsymmetric;
  if (s == "tf_half_pixel_for_nn" && opset < 18) return CoordMode::kTfHalfPixelForNn;
  if (s == "tf_crop_and_resize") return CoordMode::kTfCropAndResize;
  return InvalidGraph("unsupported coordinate_transformation_mode '", s, "'");
}

Result<NearestMode> parse_nearest_mode(const std::string& s) {
  if (s == "round_prefer_floor") return NearestMode::kRoundPreferFloor;
  if (s == "round_prefer_ceil") return NearestMode::kRoundPreferCeil;
  if (s == "floor") return NearestMode::kFloor;
  if (s == "ceil") return NearestMode::kCeil;
  return InvalidGraph("unsupported nearest_mode '", s, "'");
}

double resize_source_coord(CoordMode mode, double x, double scale, int64_t in, int64_t out,
                           double roi_start, double roi_end) {
  // The reference takes the resized length as in * scale, unrounded (equal to the output size
  // when sizes are given; fractional when scales are).
  const double len_in = static_cast<double>(in), len_out = len_in * scale;
  switch (mode) {
    case CoordMode::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case CoordMode::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out) / len_out;
      const double offset = len_in / 2 * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case CoordMode::kPytorchHalfPixel:
      return len_out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case CoordMode::kAlignCorners:
      return len_out == 1 ? 0.0 : x * (len_in - 1) / (len_out - 1);
    case CoordMode::kAsymmetric:
      return x / scale;
    case CoordMode::kTfHalfPixelForNn:
      return (x + 0.5) / scale;
    case CoordMode::kTfCropAndResize:
      return len_out > 1 ? roi_start * (len_in - 1) +
                           x * (roi_end - roi_start) * (len_in - 1) / (len_out - 1)
                     : 0.5 * (roi_start + roi_end) * (len_in - 1);
  }
  return x;
}

namespace {

int64_t nearest_index(NearestMode mode, double x, double scale) {
  const double f = std::floor(x);
  switch (mode) {
    case NearestMode::kRoundPreferFloor:
      return static_cast<int64_t>(x - f == 0.5 ? f : std::round(x));
    case NearestMode::kRoundPreferCeil:
      return static_cast<int64_t>(x - f == 0.5 ? std::ceil(x) : std::round(x));
    case NearestMode::kFloor:
      return static_cast<int64_t>(f);
    case NearestMode::kCeil:
      return static_cast<int64_t>(std::ceil(x));
    case NearestMode::kSimple:
      return static_cast<int64_t>(scale < 1 ? std::ceil(x) : f);
  }
  return static_cast<int64_t>(f);
}

double cubic_kernel(double x, double a) {
  x = std::fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

}  // namespace

AxisPlan make_axis_plan(const ResizeOptions& opt, double scale, int64_t in, int64_t out,
                        double roi_start, double roi_end) {
  AxisPlan p;
  if (in == out && scale == 1.0 && opt.coord != CoordMode::kTfCropAndResize) {
    p.identity = true;
    return p;
  }
  // Kernel footprint: with antialias a downsampling axis widens the kernel by 1/scale.
  const double s = (opt.antialias && scale < 1.0) ? scale : 1.0;
  int64_t start = 0;  // first tap, relative to base = ceil(x) - 1
  if (opt.mode == ResizeMode::kLinear) start = static_cast<int64_t>(std::floor(-1 / s)) + 1;
  if (opt.mode == ResizeMode::kCubic) start = static_cast<int64_t>(std::floor(-2 / s)) + 1;
  p.taps = opt.mode == ResizeMode::kNearest ? 1 : 2 - 2 * start;
  const size_t n = static_cast<size_t>(out), taps = static_cast<size_t>(p.taps);
  p.idx.assign(n * taps, 0);
  p.w.assign(n * taps, 0.0);
  p.outside.assign(n, 0);
  for (int64_t o = 0; o < out; ++o) {
    const double x =
        resize_source_coord(opt.coord, static_cast<double>(o), scale, in, out, roi_start,
                            roi_end);
    int64_t* idx = &p.idx[static_cast<size_t>(o) * taps];
    double* w = &p.w[static_cast<size_t>(o) * taps];
    if (opt.coord == CoordMode::kTfCropAndResize &&
        (x < 0 || x > static_cast<double>(in - 1))) {
      p.outside[static_cast<size_t>(o)] = 1;
      p.any_outside = true;
      w[0] = 1;  // keep the row well-formed; the value is overwritten
      continue;
    }
    if (opt.mode == ResizeMode::kNearest) {
      idx[0] = std::clamp<int64_t>(nearest_index(opt.nearest, x, scale), 0, in - 1);
      w[0] = 1;
      continue;
    }
    // ratio in (0, 1]: an integral x uses base = x - 1 and ratio 1, as the reference does.
    const double base_d = std::ceil(x) - 1;
    const double ratio = x - base_d;
    const int64_t base = static_cast<int64_t>(base_d);
    double sum = 0;
    for (size_t t = 0; t < taps; ++t) {
      const int64_t j = start + static_cast<int64_t>(t);
      const double arg = (static_cast<double>(j) - ratio) * s;
      double wt = opt.mode == ResizeMode::kLinear ? std::max(0.0, 1 - std::fabs(arg))
                                                  : cubic_kernel(arg, opt.cubic_a);
      const int64_t pos = base + j;
      if (opt.exclude_outside && (pos < 0 || pos >= in)) wt = 0;
      idx[t] = std::clamp<int64_t>(pos, 0, in - 1);
      w[t] = wt;
      sum += wt;
    }
    if ((opt.antialias || opt.exclude_outside) && sum != 0) {
      for (size_t t = 0; t < taps; ++t) w[t] /= sum;
    }
  }
  return p;
}

}  // namespace onyx::image_detail
