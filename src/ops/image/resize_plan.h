// Resize/Upsample: the per-axis sampling plan (which input positions, with which weights, make
// each output position). Pure functions, independent of the element type.
//
// Semantics follow the ONNX reference implementation (onnx/reference/ops/op_resize.py):
// each output coordinate is mapped to a fractional input coordinate x by the coordinate
// transformation mode; nearest picks one input index, linear/cubic combine `n` taps around x
// (the n input positions nearest to x, clamped to the edge unless exclude_outside drops them).
// With antialias the kernel is stretched by 1/scale when downsampling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace onyx::image_detail {

enum class ResizeMode { kNearest, kLinear, kCubic };
enum class CoordMode {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize,
};
// kSimple: Resize-10 / Upsample behaviour (ceil when downsampling, floor otherwise).
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

Result<ResizeMode> parse_resize_mode(const std::string& s);
Result<CoordMode> parse_coord_mode(const std::string& s, int opset);
Result<NearestMode> parse_nearest_mode(const std::string& s);

struct ResizeOptions {
  ResizeMode mode = ResizeMode::kNearest;
  CoordMode coord = CoordMode::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
};

// Input coordinate of output coordinate `x` on one axis. As in the reference, the resized
// length is in * scale, unrounded; `out` (the integer output size) only enters
// half_pixel_symmetric.
double resize_source_coord(CoordMode mode, double x, double scale, int64_t in, int64_t out,
                           double roi_start, double roi_end);

// The sampling plan of one axis: for output position o, taps idx[o*taps + t] with weights
// w[o*taps + t] (nearest: taps == 1, weight 1). outside[o]: tf_crop_and_resize sampled outside
// the input, so the output is the extrapolation value.
struct AxisPlan {
  int64_t taps = 1;
  std::vector<int64_t> idx;
  std::vector<double> w;
  std::vector<char> outside;
  bool any_outside = false;
  bool identity = false;  // output equals input on this axis; no work needed
};

AxisPlan make_axis_plan(const ResizeOptions& opt, double scale, int64_t in, int64_t out,
                        double roi_start, double roi_end);

}  // namespace onyx::image_detail
