// GridSample: samples X (N, C, D1..Dr) at the normalized positions of grid (N, O1..Or, r).
//
// Semantics follow ONNX's reference implementation (itself modelled on PyTorch):
//   - grid[..., 0] is the coordinate along the LAST spatial axis (x = width), grid[..., r-1]
//     along the first one;
//   - a normalized n in [-1, 1] maps to pixel units as (n + 1) / 2 * (d - 1) with
//     align_corners, else ((n + 1) * d - 1) / 2;
//   - nearest rounds half to even at every rank (the conformance data of the 3-D cases too,
//     although PyTorch's 3-D kernel rounds half away from zero);
//   - a coordinate outside [lo, hi] (the corner centres with align_corners, else the corner
//     edges) is first clamped (border) or reflected (reflection), for every mode;
//   - each interpolation tap then reads X through the padding mode: 0 outside (zeros), the
//     clamped index (border) or the reflected index (reflection).
// Linear uses 2 taps per axis, cubic 4 (Keys, alpha = -0.75), nearest 1; the r-D weight is the
// product of the per-axis weights, which equals the reference's nested 1-D interpolation.
// Opset 16 allows only 4-D X and names the modes bilinear/bicubic; 20+ any rank >= 3 with
// linear/cubic. Both spellings are accepted at every opset (they mean the same thing).
// X may be any numeric type: integer X is interpolated in double and stored truncated toward
// zero like the reference's NumPy assignment, saturated to the type's range (cubic overshoots
// it) and 0 for NaN positions, where the reference has no defined result.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

enum class Interp { kNearest, kLinear, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

// Reflects x into [lo, hi] by folding at the borders as often as needed.
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x >= lo && x <= hi) return x;
  const bool below = x < lo;
  const double dx = below ? lo - x : x - hi;
  const double folds = std::floor(dx / range);
  const double r = std::clamp(dx - folds * range, 0.0, range);
  const bool even = std::fmod(folds, 2.0) == 0.0;
  return below == even ? lo + r : hi - r;
}

// One spatial axis of X: its size and the in-range interval [lo, hi] of a coordinate.
struct AxisInfo {
  int64_t size;
  double lo, hi;
};

// Index actually read for tap index i along `a` (-1: reads 0, zeros padding).
int64_t tap_index(int64_t i, const AxisInfo& a, Padding p) {
  if (i >= 0 && i < a.size) return i;
  switch (p) {
    case Padding::kZeros:
      return -1;
    case Padding::kBorder:
      return std::clamp<int64_t>(i, 0, a.size - 1);
    case Padding::kReflection:
      return std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(i), a.lo, a.hi)),
                                 0, a.size - 1);
  }
  return -1;
}

void cubic_coeffs(double t, double* c) {
  constexpr double A = -0.75;
  auto near = [](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };       // |x| <= 1
  auto far = [](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };  // 1 < |x| < 2
  c[0] = far(t + 1);
  c[1] = near(t);
  c[2] = near(1 - t);
  c[3] = far(2 - t);
}

constexpr int kMaxTaps = 4;

// The taps of one axis for a coordinate in pixel units (after the border/reflection step).
struct AxisTaps {
  int n = 0;
  std::array<int64_t, kMaxTaps> index{};
  std::array<double, kMaxTaps> weight{};
};

class GridSample final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(std::string mode,
                          info.attr_string("mode", opset_ >= 20 ? "linear" : "bilinear"));
    ONYX_ASSIGN_OR_RETURN(std::string padding, info.attr_string("padding_mode", "zeros"));
    ONYX_ASSIGN_OR_RETURN(int64_t align, info.attr_int("align_corners", 0));
    if (mode == "linear" || mode == "bilinear") {
      interp_ = Interp::kLinear;
    } else if (mode == "cubic" || mode == "bicubic") {
      interp_ = Interp::kCubic;
    } else if (mode == "nearest") {
      interp_ = Interp::kNearest;
    } else {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    if (padding == "zeros") {
      padding_ = Padding::kZeros;
    } else if (padding == "border") {
      padding_ = Padding::kBorder;
    } else if (padding == "reflection") {
      padding_ = Padding::kReflection;
    } else {
      return info.error(StatusCode::kInvalidGraph, "unsupported padding_mode '", padding, "'");
    }
    align_corners_ = align != 0;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* grid, ctx.required_input(1));
    if (!is_floating(grid->dtype())) {
      return ctx.invalid_argument("grid must be a floating-point tensor, got ",
                                  data_type_name(grid->dtype()));
    }
    const size_t rank = x->rank();
    if (opset_ < 20 && rank != 4) {
      return ctx.invalid_argument("X must be 4-D before opset 20, got ",
                                  shape_to_string(x->shape()));
    }
    if (rank < 3) {
      return ctx.invalid_argument("X must have rank >= 3, got ", shape_to_string(x->shape()));
    }
    const size_t r = rank - 2;
    if (grid->rank() != rank || grid->dim(0) != x->dim(0) ||
        grid->dim(rank - 1) != static_cast<int64_t>(r)) {
      return ctx.invalid_argument("grid must have shape (N, O1..O", r, ", ", r, ") for X ",
                                  shape_to_string(x->shape()), ", got ",
                                  shape_to_string(grid->shape()));
    }
    Shape out_shape = {x->dim(0), x->dim(1)};
    for (size_t i = 1; i + 1 < rank; ++i) out_shape.push_back(grid->dim(i));
    for (size_t i = 0; i < r; ++i) {
      if (x->dim(2 + i) == 0 && shape_numel(out_shape) > 0) {
        return ctx.invalid_argument("cannot sample an empty spatial axis of X ",
                                    shape_to_string(x->shape()));
      }
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();

    std::vector<AxisInfo> axes(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t d = x->dim(2 + i);
      axes[i] = align_corners_ ? AxisInfo{d, 0.0, static_cast<double>(d - 1)}
                               : AxisInfo{d, -0.5, static_cast<double>(d) - 0.5};
    }
    // The grid as double, whatever its float type (it may differ from X's).
    std::vector<double> g(static_cast<size_t>(grid->numel()));
    ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(grid->dtype(), [&]<typename G>() {
      const G* p = grid->data<G>();
      for (size_t i = 0; i < g.size(); ++i) {
        g[i] = static_cast<double>(static_cast<compute_t<G>>(p[i]));
      }
      return Status::OK();
    }));
    return dispatch<NumericTypes>(x->dtype(), [&]<typename T>() {
      sample<T>(*x, g, axes, y, ctx.pool());
      return Status::OK();
    });
  }

 private:
  // Pixel-unit coordinate along `a` of normalized n, after the out-of-range step.
  double to_pixel(double n, const AxisInfo& a) const {
    const double d = static_cast<double>(a.size);
    double v = align_corners_ ? (n + 1) / 2 * (d - 1) : ((n + 1) * d - 1) / 2;
    if (interp_ == Interp::kNearest) v = std::nearbyint(v);  // default mode: half to even
    if (v < a.lo || v > a.hi) {
      if (padding_ == Padding::kBorder) {
        v = std::clamp(v, 0.0, d - 1);
      } else if (padding_ == Padding::kReflection) {
        v = std::isfinite(v) ? reflect(v, a.lo, a.hi) : std::numeric_limits<double>::quiet_NaN();
      } else {
        // Zeros: every tap of a coordinate this far out reads 0; clamping keeps floor() and the
        // integer conversion defined for huge or infinite values.
        v = std::clamp(v, -4.0, d + 3);
      }
    }
    return v;
  }

  // Taps of one axis; false when the coordinate is NaN (the output is NaN).
  bool axis_taps(double v, const AxisInfo& a, AxisTaps& t) const {
    if (std::isnan(v)) return false;
    if (interp_ == Interp::kNearest) {
      t.n = 1;
      t.index[0] = tap_index(static_cast<int64_t>(v), a, padding_);
      t.weight[0] = 1;
      return true;
    }
    const double f = std::floor(v);
    const auto i0 = static_cast<int64_t>(f);
    const double frac = v - f;
    if (interp_ == Interp::kLinear) {
      t.n = 2;
      t.index[0] = tap_index(i0, a, padding_);
      t.index[1] = tap_index(i0 + 1, a, padding_);
      t.weight[0] = 1 - frac;
      t.weight[1] = frac;
      return true;
    }
    t.n = 4;
    for (int k = 0; k < 4; ++k)
      t.index[static_cast<size_t>(k)] = tap_index(i0 - 1 + k, a, padding_);
    cubic_coeffs(frac, t.weight.data());
    return true;
  }

  template <typename T>
  void sample(const Tensor& x, const std::vector<double>& g, const std::vector<AxisInfo>& axes,
              Tensor& y, ThreadPool* pool) const {
    // Accumulator: X's float type (float for float16/bfloat16), double for integers.
    using C = std::conditional_t<std::is_floating_point_v<compute_t<T>>, compute_t<T>, double>;
    const size_t r = axes.size();
    const int64_t N = x.dim(0), Cn = x.dim(1);
    int64_t in_plane = 1;
    for (const AxisInfo& a : axes) in_plane *= a.size;
    std::vector<int64_t> in_stride(r, 1);
    for (size_t i = r - 1; i-- > 0;) in_stride[i] = in_stride[i + 1] * axes[i + 1].size;
    const int64_t out_plane = Cn > 0 ? y.numel() / (N * Cn) : 0;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    parallel_for(pool, N * out_plane, 64, [&](int64_t lo, int64_t hi) {
      std::vector<AxisTaps> taps(r);
      std::vector<int> counter(r);
      for (int64_t p = lo; p < hi; ++p) {
        const int64_t n = p / out_plane, o = p % out_plane;
        const double* gp = g.data() + p * static_cast<int64_t>(r);
        bool valid = true;
        for (size_t i = 0; i < r && valid; ++i) {
          // grid's last component is the first spatial axis' coordinate.
          const double v = to_pixel(gp[r - 1 - i], axes[i]);
          valid = axis_taps(v, axes[i], taps[i]);
        }
        for (int64_t c = 0; c < Cn; ++c) {
          T* dst = out + (n * Cn + c) * out_plane + o;
          if (!valid) {
            *dst = store<T>(std::numeric_limits<C>::quiet_NaN());
            continue;
          }
          const T* img = in + (n * Cn + c) * in_plane;
          // Sum over the product of the axes' taps (odometer over tap numbers).
          std::fill(counter.begin(), counter.end(), 0);
          C acc = 0;
          while (true) {
            C w = 1;
            int64_t off = 0;
            bool zero = false;
            for (size_t i = 0; i < r; ++i) {
              const auto k = static_cast<size_t>(counter[i]);
              const int64_t idx = taps[i].index[k];
              if (idx < 0) {
                zero = true;
                break;
              }
              w *= static_cast<C>(taps[i].weight[k]);
              off += idx * in_stride[i];
            }
            if (!zero) acc += w * static_cast<C>(img[off]);
            size_t i = r;
            while (i-- > 0) {
              if (++counter[i] < taps[i].n) break;
              counter[i] = 0;
            }
            if (i == static_cast<size_t>(-1)) break;
          }
          *dst = store<T>(acc);
        }
      }
    });
  }

  // The sampled value as T: as is for float types; truncated and saturated for integers.
  template <typename T, typename C>
  static T store(C v) {
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      return static_cast<T>(v);
    } else {
      if (std::isnan(v)) return T(0);
      const double t = std::trunc(static_cast<double>(v));
      // Compared in double: the bounds of 64-bit types round up, so >= hi saturates.
      constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
      constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
      if (t <= lo) return std::numeric_limits<T>::lowest();
      if (t >= hi) return std::numeric_limits<T>::max();
      return static_cast<T>(t);
    }
  }

  int opset_ = 16;
  Interp interp_ = Interp::kLinear;
  Padding padding_ = Padding::kZeros;
  bool align_corners_ = false;
};

}  // namespace

void register_grid_sample(KernelRegistry& r) {
  r.add_versions<GridSample, NumericTypes>("", "GridSample", {16, 20, 22});
}

}  // namespace onyx
