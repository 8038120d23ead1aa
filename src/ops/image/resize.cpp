// Resize (opsets 10-19+) and the deprecated Upsample (7, 9).
//
// Output sizes and per-axis scales come from `scales` or `sizes` (with `axes` and
// keep_aspect_ratio_policy from 18). Each axis gets a sampling plan (resize_plan.h); nearest
// gathers directly, linear/cubic apply the 1-D plans one axis at a time (the N-D kernels are
// separable, so this equals the reference's N-D interpolation) in a double buffer.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/common/axes.h"
#include "ops/image/resize_plan.h"
#include "ops/image/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using namespace image_detail;  // NOLINT

// Writes a double to T: integers are rounded and saturated, floats converted.
template <typename T>
T from_double(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::is_same_v<T, bool>) return v != 0;
    if (std::isnan(v)) return T(0);
    v = std::nearbyint(v);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) {
      return std::numeric_limits<T>::max();
    }
    return static_cast<T>(v);
  } else {
    return static_cast<T>(static_cast<compute_t<T>>(v));
  }
}

// Calls f(out_offset, in_offset_or_-1) for every output element, walking per-axis index maps
// (from nearest plans). -1: some axis sampled outside the input.
template <typename F>
void for_each_gather(const Shape& in_shape, const Shape& out_shape,
                     const std::vector<AxisPlan>& plans, F&& f) {
  const size_t rank = out_shape.size();
  const int64_t total = shape_numel(out_shape);
  if (total <= 0) return;
  if (rank == 0) {
    f(0, 0);
    return;
  }
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) in_strides[d] = in_strides[d + 1] * in_shape[d + 1];
  auto src = [&](size_t d, int64_t o) -> int64_t {
    const AxisPlan& p = plans[d];
    if (p.identity) return o;
    return p.outside[static_cast<size_t>(o)] ? -1 : p.idx[static_cast<size_t>(o)];
  };
  const int64_t inner = out_shape[rank - 1];
  std::vector<int64_t> inner_map(static_cast<size_t>(inner));
  for (int64_t j = 0; j < inner; ++j) inner_map[static_cast<size_t>(j)] = src(rank - 1, j);
  std::vector<int64_t> counter(rank, 0);
  for (int64_t o = 0; o < total; o += inner) {
    int64_t base = 0;
    bool outside = false;
    for (size_t d = 0; d + 1 < rank; ++d) {
      const int64_t s = src(d, counter[d]);
      if (s < 0) outside = true;
      base += s * in_strides[d];
    }
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t s = inner_map[static_cast<size_t>(j)];
      f(o + j, (outside || s < 0) ? int64_t{-1} : base + s);
    }
    for (size_t d = rank - 1; d-- > 0;) {
      if (++counter[d] < out_shape[d]) break;
      counter[d] = 0;
    }
  }
}

// Applies one axis' plan: in [outer, n_in, inner] -> out [outer, n_out, inner].
void apply_axis(const std::vector<double>& in, std::vector<double>& out, int64_t outer,
                int64_t n_in, int64_t n_out, int64_t inner, const AxisPlan& p) {
  out.assign(static_cast<size_t>(outer * n_out * inner), 0.0);
  for (int64_t a = 0; a < outer; ++a) {
    const double* src = in.data() + a * n_in * inner;
    double* dst = out.data() + a * n_out * inner;
    for (int64_t o = 0; o < n_out; ++o) {
      double* row = dst + o * inner;
      for (int64_t t = 0; t < p.taps; ++t) {
        const size_t k = static_cast<size_t>(o * p.taps + t);
        const double w = p.w[k];
        if (w == 0) continue;
        const double* s = src + p.idx[k] * inner;
        for (int64_t i = 0; i < inner; ++i) row[i] += w * s[i];
      }
    }
  }
}

enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

class ResizeBase : public OpKernel {
 protected:
  // Runs the resize given per-axis (full rank) scales, output sizes and roi.
  Status run(KernelContext& ctx, const Tensor& x, const std::vector<double>& scales,
             const Shape& out_shape, const std::vector<double>& roi_start,
             const std::vector<double>& roi_end) const {
    const size_t rank = x.rank();
    if (!fits_allocation_limit(out_shape, x.dtype())) {
      return ctx.invalid_argument("output shape ", shape_to_string(out_shape), " is too large");
    }
    std::vector<AxisPlan> plans(rank);
    for (size_t d = 0; d < rank; ++d) {
      if (x.dim(d) == 0 && out_shape[d] > 0) {
        return ctx.invalid_argument("cannot resize empty axis ", d, " to ", out_shape[d]);
      }
      plans[d] = make_axis_plan(opt_, scales[d], x.dim(d), out_shape[d], roi_start[d], roi_end[d]);
    }
    Tensor& y = ctx.allocate_output(0, x.dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();
    if (opt_.mode == ResizeMode::kNearest) {
      return dispatch<AllTypes>(x.dtype(), [&]<typename T>() {
        const T* in = x.data<T>();
        T* out = y.data<T>();
        T extrap{};
        if constexpr (!std::is_same_v<T, std::string>) extrap = from_double<T>(extrapolation_);
        for_each_gather(x.shape(), out_shape, plans,
                        [&](int64_t o, int64_t i) { out[o] = i < 0 ? extrap : in[i]; });
        return Status::OK();
      });
    }
    return dispatch<NumericTypes>(x.dtype(), [&]<typename T>() {
      std::vector<double> cur(static_cast<size_t>(x.numel()));
      const T* in = x.data<T>();
      for (size_t i = 0; i < cur.size(); ++i) {
        cur[i] = static_cast<double>(static_cast<compute_t<T>>(in[i]));
      }
      Shape shape = x.shape();
      // Downsampling axes first keeps the intermediate buffers small.
      std::vector<size_t> order;
      for (size_t d = 0; d < rank; ++d) {
        if (!plans[d].identity) order.push_back(d);
      }
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return static_cast<double>(out_shape[a]) / static_cast<double>(std::max<int64_t>(1, shape[a])) <
               static_cast<double>(out_shape[b]) / static_cast<double>(std::max<int64_t>(1, shape[b]));
      });
      std::vector<double> next;
      for (size_t d : order) {
        int64_t outer = 1, inner = 1;
        for (size_t k = 0; k < d; ++k) outer *= shape[k];
        for (size_t k = d + 1; k < rank; ++k) inner *= shape[k];
        const int64_t total = outer * out_shape[d] * inner;
        if (static_cast<size_t>(total) * sizeof(double) > max_allocation_bytes()) {
          throw std::length_error("resize intermediate buffer is too large");
        }
        apply_axis(cur, next, outer, shape[d], out_shape[d], inner, plans[d]);
        shape[d] = out_shape[d];
        cur.swap(next);
      }
      T* out = y.data<T>();
      for (size_t i = 0; i < cur.size(); ++i) out[i] = from_double<T>(cur[i]);
      // tf_crop_and_resize: any axis sampled outside the input gives the extrapolation value.
      bool any_outside = false;
      for (const AxisPlan& p : plans) any_outside = any_outside || p.any_outside;
      if (any_outside) {
        const T extrap = from_double<T>(extrapolation_);
        for_each_gather(out_shape, out_shape, identity_or_outside(plans),
                        [&](int64_t o, int64_t i) {
                          if (i < 0) out[o] = extrap;
                        });
      }
      return Status::OK();
    });
  }

  // Plans that map each output position to itself, keeping the `outside` marks.
  static std::vector<AxisPlan> identity_or_outside(const std::vector<AxisPlan>& plans) {
    std::vector<AxisPlan> r(plans.size());
    for (size_t d = 0; d < plans.size(); ++d) {
      if (plans[d].identity || !plans[d].any_outside) {
        r[d].identity = true;
        continue;
      }
      r[d].outside = plans[d].outside;
      r[d].any_outside = true;
      r[d].idx.resize(plans[d].outside.size());
      for (size_t i = 0; i < r[d].idx.size(); ++i) r[d].idx[i] = static_cast<int64_t>(i);
    }
    return r;
  }

  // Output sizes from scales (floor(in * scale)), validating the scales.
  static Status sizes_from_scales(KernelContext& ctx, const Tensor& x,
                                  const std::vector<double>& scales, Shape& out) {
    out.resize(x.rank());
    for (size_t d = 0; d < x.rank(); ++d) {
      const double s = scales[d];
      if (!(s > 0) || !std::isfinite(s)) {
        return ctx.invalid_argument("scale ", s, " on axis ", d, " must be positive");
      }
      const double v = std::floor(static_cast<double>(x.dim(d)) * s);
      if (v > 4.0e18) return ctx.invalid_argument("output size on axis ", d, " is too large");
      out[d] = static_cast<int64_t>(v);
    }
    return Status::OK();
  }

  ResizeOptions opt_;
  float extrapolation_ = 0.f;
};

class Resize final : public ResizeBase {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(std::string mode, info.attr_string("mode", "nearest"));
    auto m = parse_resize_mode(mode);
    if (!m.ok() || (opset_ < 11 && *m == ResizeMode::kCubic) || mode == "bilinear") {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    opt_.mode = *m;
    if (opset_ < 11) {
      // Resize-10: asymmetric coordinates; nearest floors (ceil when downsampling).
      opt_.coord = CoordMode::kAsymmetric;
      opt_.nearest = NearestMode::kSimple;
      return Status::OK();
    }
    ONYX_ASSIGN_OR_RETURN(std::string coord,
                          info.attr_string("coordinate_transformation_mode", "half_pixel"));
    auto c = parse_coord_mode(coord, opset_);
    if (!c.ok()) return info.error(StatusCode::kInvalidGraph, c.status().message());
    opt_.coord = *c;
    ONYX_ASSIGN_OR_RETURN(std::string nearest,
                          info.attr_string("nearest_mode", "round_prefer_floor"));
    auto n = parse_nearest_mode(nearest);
    if (!n.ok()) return info.error(StatusCode::kInvalidGraph, n.status().message());
    opt_.nearest = *n;
    ONYX_ASSIGN_OR_RETURN(float a, info.attr_float("cubic_coeff_a", -0.75f));
    opt_.cubic_a = a;
    ONYX_ASSIGN_OR_RETURN(int64_t ex, info.attr_int("exclude_outside", 0));
    opt_.exclude_outside = ex != 0;
    ONYX_ASSIGN_OR_RETURN(extrapolation_, info.attr_float("extrapolation_value", 0.f));
    if (opset_ >= 18) {
      ONYX_ASSIGN_OR_RETURN(int64_t aa, info.attr_int("antialias", 0));
      // Antialiasing only changes linear and cubic filters.
      opt_.antialias = aa != 0 && opt_.mode != ResizeMode::kNearest;
      ONYX_ASSIGN_OR_RETURN(axes_, info.attr_ints("axes", {}));
      has_axes_ = info.has_attr("axes");
      ONYX_ASSIGN_OR_RETURN(std::string policy,
                            info.attr_string("keep_aspect_ratio_policy", "stretch"));
      if (policy == "stretch") {
        policy_ = AspectPolicy::kStretch;
      } else if (policy == "not_larger") {
        policy_ = AspectPolicy::kNotLarger;
      } else if (policy == "not_smaller") {
        policy_ = AspectPolicy::kNotSmaller;
      } else {
        return info.error(StatusCode::kInvalidGraph, "unsupported keep_aspect_ratio_policy '",
                          policy, "'");
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    const size_t r = static_cast<size_t>(rank);
    std::vector<double> scales(r, 1.0), roi_start(r, 0.0), roi_end(r, 1.0);
    Shape out_shape;
    if (opset_ < 11) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* st, ctx.required_input(1));
      auto s = floats_of(*st, "scales");
      if (!s.ok()) return ctx.invalid_argument(s.status().message());
      if (s->size() != r) {
        return ctx.invalid_argument("scales has ", s->size(), " values for rank ", rank);
      }
      scales = *s;
      ONYX_RETURN_IF_ERROR(sizes_from_scales(ctx, *x, scales, out_shape));
      return run(ctx, *x, scales, out_shape, roi_start, roi_end);
    }

    // The axes the roi / scales / sizes refer to.
    std::vector<int64_t> axes;
    if (has_axes_) {
      auto n = normalize_axes(axes_, rank);
      if (!n.ok()) return ctx.invalid_argument(n.status().message());
      axes = *n;
    } else {
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    const size_t na = axes.size();

    const Tensor* roi_t = ctx.input(1);
    if (roi_t != nullptr && roi_t->numel() > 0 && opt_.coord == CoordMode::kTfCropAndResize) {
      auto roi = floats_of(*roi_t, "roi");
      if (!roi.ok()) return ctx.invalid_argument(roi.status().message());
      if (roi->size() != 2 * na) {
        return ctx.invalid_argument("roi has ", roi->size(), " values, expected ", 2 * na);
      }
      for (size_t i = 0; i < na; ++i) {
        roi_start[static_cast<size_t>(axes[i])] = (*roi)[i];
        roi_end[static_cast<size_t>(axes[i])] = (*roi)[i + na];
      }
    }
    const Tensor* scales_t = ctx.input(2);
    const Tensor* sizes_t = ctx.input(3);
    const bool has_scales = scales_t != nullptr && scales_t->numel() > 0;
    const bool has_sizes = sizes_t != nullptr && sizes_t->numel() > 0;
    if (has_scales == has_sizes) {
      return ctx.invalid_argument("exactly one of scales and sizes must be given");
    }
    if (has_scales) {
      auto s = floats_of(*scales_t, "scales");
      if (!s.ok()) return ctx.invalid_argument(s.status().message());
      if (s->size() != na) {
        return ctx.invalid_argument("scales has ", s->size(), " values, expected ", na);
      }
      for (size_t i = 0; i < na; ++i) scales[static_cast<size_t>(axes[i])] = (*s)[i];
      ONYX_RETURN_IF_ERROR(sizes_from_scales(ctx, *x, scales, out_shape));
      return run(ctx, *x, scales, out_shape, roi_start, roi_end);
    }

    auto sz = ints_of(*sizes_t, "sizes");
    if (!sz.ok()) return ctx.invalid_argument(sz.status().message());
    if (sz->size() != na) {
      return ctx.invalid_argument("sizes has ", sz->size(), " values, expected ", na);
    }
    out_shape = x->shape();
    for (size_t i = 0; i < na; ++i) {
      if ((*sz)[i] < 0) return ctx.invalid_argument("negative size ", (*sz)[i]);
      const size_t d = static_cast<size_t>(axes[i]);
      if (x->dim(d) == 0 && (*sz)[i] != 0) {
        return ctx.invalid_argument("cannot resize empty axis ", d, " to ", (*sz)[i]);
      }
    }
    if (policy_ == AspectPolicy::kStretch) {
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        out_shape[d] = (*sz)[i];
        scales[d] = x->dim(d) == 0 ? 1.0
                                   : static_cast<double>((*sz)[i]) / static_cast<double>(x->dim(d));
      }
    } else {
      // One scale for all the axes, the largest (not_larger: smallest) that fits.
      double s = policy_ == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity()
                                                     : 0.0;
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        if (x->dim(d) == 0) continue;
        const double q = static_cast<double>((*sz)[i]) / static_cast<double>(x->dim(d));
        s = policy_ == AspectPolicy::kNotLarger ? std::min(s, q) : std::max(s, q);
      }
      if (!std::isfinite(s) || s <= 0) s = 1.0;
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        scales[d] = s;
        const double v = std::floor(s * static_cast<double>(x->dim(d)) + 0.5);  // round half up
        if (v > 4.0e18) return ctx.invalid_argument("output size is too large");
        out_shape[d] = static_cast<int64_t>(v);
      }
    }
    return run(ctx, *x, scales, out_shape, roi_start, roi_end);
  }

 private:
  int opset_ = 11;
  std::vector<int64_t> axes_;
  bool has_axes_ = false;
  AspectPolicy policy_ = AspectPolicy::kStretch;
};

// Upsample-7 (scales attribute) and Upsample-9 (scales input): asymmetric coordinates.
class Upsample final : public ResizeBase {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(std::string mode, info.attr_string("mode", "nearest"));
    auto m = parse_resize_mode(mode);
    if (!m.ok() || *m == ResizeMode::kCubic) {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    opt_.mode = *m;
    opt_.coord = CoordMode::kAsymmetric;
    opt_.nearest = NearestMode::kSimple;
    if (opset_ < 9) {
      ONYX_ASSIGN_OR_RETURN(std::vector<float> s, info.attr_floats("scales", {}));
      if (!info.has_attr("scales")) {
        return info.error(StatusCode::kInvalidGraph, "missing required attribute 'scales'");
      }
      attr_scales_.assign(s.begin(), s.end());
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const size_t r = x->rank();
    std::vector<double> scales = attr_scales_;
    if (opset_ >= 9) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* st, ctx.required_input(1));
      auto s = floats_of(*st, "scales");
      if (!s.ok()) return ctx.invalid_argument(s.status().message());
      scales = *s;
    }
    if (scales.size() != r) {
      return ctx.invalid_argument("scales has ", scales.size(), " values for rank ", r);
    }
    Shape out_shape;
    ONYX_RETURN_IF_ERROR(sizes_from_scales(ctx, *x, scales, out_shape));
    return run(ctx, *x, scales, out_shape, std::vector<double>(r, 0.0),
               std::vector<double>(r, 1.0));
  }

 private:
  int opset_ = 9;
  std::vector<double> attr_scales_;
};

}  // namespace

void register_resize(KernelRegistry& r) {
  r.add_versions<Resize, AllTypes>("", "Resize", {10, 11, 13, 18, 19});
  // Upsample is deprecated from opset 10 (Resize replaces it).
  r.add_versions<Upsample, AllTypes>("", "Upsample", {7, 9}, 9);
}

}  // namespace onyx
