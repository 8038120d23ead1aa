// RoiAlign: pools each region of interest of X (N, C, H, W) into (output_height, output_width)
// bins without quantizing coordinates (Mask R-CNN).
//
// rois (R, 4) are [x1, y1, x2, y2] in input-image units, scaled by spatial_scale; batch_indices
// (R) pick the image. half_pixel (opset 16+ default) shifts the scaled coordinates by -0.5;
// output_half_pixel (and opset 10, which has no attribute) does not, but then forces a region
// to be at least 1x1. Each bin samples a grid of sampling_ratio^2 points (0: ceil(roi / bins)
// per axis) at the sub-cell centres, reads each point bilinearly (points beyond one pixel
// outside the map read 0; points up to one pixel outside are clamped to the edge) and averages
// (avg) or takes the maximum (max). As in ONNX's reference (and onnxruntime), max takes the
// largest of the four WEIGHTED corner terms of each point, not the interpolated value - the
// conformance data is computed that way.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

// One sample point: the four corner offsets in the H*W plane and their bilinear weights.
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

Sample make_sample(double y, double x, int64_t H, int64_t W) {
  Sample s;
  // Written so that NaN coordinates also read 0.
  if (!(y >= -1.0 && y <= static_cast<double>(H) && x >= -1.0 && x <= static_cast<double>(W))) {
    return s;
  }
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  auto y_lo = static_cast<int64_t>(y), x_lo = static_cast<int64_t>(x);
  int64_t y_hi = y_lo + 1, x_hi = x_lo + 1;
  if (y_lo >= H - 1) {
    y_lo = y_hi = H - 1;
    y = static_cast<double>(y_lo);
  }
  if (x_lo >= W - 1) {
    x_lo = x_hi = W - 1;
    x = static_cast<double>(x_lo);
  }
  const double ly = y - static_cast<double>(y_lo), lx = x - static_cast<double>(x_lo);
  const double hy = 1 - ly, hx = 1 - lx;
  s.pos[0] = y_lo * W + x_lo;
  s.pos[1] = y_lo * W + x_hi;
  s.pos[2] = y_hi * W + x_lo;
  s.pos[3] = y_hi * W + x_hi;
  s.w[0] = hy * hx;
  s.w[1] = hy * lx;
  s.w[2] = ly * hx;
  s.w[3] = ly * lx;
  return s;
}

class RoiAlign final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    std::string ctm = "output_half_pixel";  // opset 10's behaviour
    if (info.opset() >= 16) {
      ONYX_ASSIGN_OR_RETURN(ctm, info.attr_string("coordinate_transformation_mode", "half_pixel"));
    }
    if (ctm != "half_pixel" && ctm != "output_half_pixel") {
      return info.error(StatusCode::kInvalidGraph, "unsupported coordinate_transformation_mode '",
                        ctm, "'");
    }
    half_pixel_ = ctm == "half_pixel";
    ONYX_ASSIGN_OR_RETURN(std::string mode, info.attr_string("mode", "avg"));
    if (mode != "avg" && mode != "max") {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    max_ = mode == "max";
    ONYX_ASSIGN_OR_RETURN(out_h_, info.attr_int("output_height", 1));
    ONYX_ASSIGN_OR_RETURN(out_w_, info.attr_int("output_width", 1));
    ONYX_ASSIGN_OR_RETURN(sampling_ratio_, info.attr_int("sampling_ratio", 0));
    ONYX_ASSIGN_OR_RETURN(float scale, info.attr_float("spatial_scale", 1.f));
    spatial_scale_ = scale;
    if (out_h_ <= 0 || out_w_ <= 0 || sampling_ratio_ < 0 || !std::isfinite(scale)) {
      return info.error(StatusCode::kInvalidGraph, "output_height/width must be positive, ",
                        "sampling_ratio >= 0 and spatial_scale finite");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* rois, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* bi, ctx.required_input(2));
    if (x->rank() != 4) {
      return ctx.invalid_argument("X must be 4-D (N, C, H, W), got ", shape_to_string(x->shape()));
    }
    if (rois->dtype() != x->dtype() || rois->rank() != 2 || rois->dim(1) != 4) {
      return ctx.invalid_argument("rois must be (num_rois, 4) of X's type, got ",
                                  data_type_name(rois->dtype()), " ",
                                  shape_to_string(rois->shape()));
    }
    if (bi->dtype() != DataType::kInt64 || bi->shape() != Shape{rois->dim(0)}) {
      return ctx.invalid_argument("batch_indices must be int64 of shape (", rois->dim(0), "), got ",
                                  data_type_name(bi->dtype()), " ", shape_to_string(bi->shape()));
    }
    const int64_t N = x->dim(0), C = x->dim(1), H = x->dim(2), W = x->dim(3);
    const int64_t R = rois->dim(0);
    for (int64_t i = 0; i < R; ++i) {
      const int64_t b = bi->data<int64_t>()[i];
      if (b < 0 || b >= N) {
        return ctx.invalid_argument("batch_indices[", i, "] = ", b, " is out of range for ", N,
                                    " images");
      }
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), {R, C, out_h_, out_w_});
    if (y.numel() == 0) return Status::OK();
    if (H == 0 || W == 0) return ctx.invalid_argument("X has an empty spatial axis");
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      using Cm = compute_t<T>;
      std::vector<double> roi(static_cast<size_t>(R * 4));
      for (size_t i = 0; i < roi.size(); ++i) {
        roi[i] = static_cast<double>(static_cast<Cm>(rois->data<T>()[i]));
        if (!std::isfinite(roi[i])) return ctx.invalid_argument("rois hold a non-finite value");
      }
      return pool<T>(*x, roi, bi->data<int64_t>(), y, ctx);
    });
  }

 private:
  template <typename T>
  Status pool(const Tensor& x, const std::vector<double>& roi, const int64_t* batch, Tensor& y,
              KernelContext& ctx) const {
    const int64_t C = x.dim(1), H = x.dim(2), W = x.dim(3);
    const int64_t R = static_cast<int64_t>(roi.size() / 4), bins = out_h_ * out_w_;
    const double offset = half_pixel_ ? 0.5 : 0.0;
    // Per ROI geometry: start, bin size and sample grid per axis.
    struct Geom {
      double y0, x0, bh, bw;
      int64_t gh, gw;
    };
    std::vector<Geom> geom(static_cast<size_t>(R));
    constexpr int64_t kMaxGrid = int64_t{1} << 12;  // per axis; 16M samples per bin at most
    for (int64_t r = 0; r < R; ++r) {
      const double* q = roi.data() + r * 4;
      const double x0 = q[0] * spatial_scale_ - offset, y0 = q[1] * spatial_scale_ - offset;
      double rw = q[2] * spatial_scale_ - offset - x0, rh = q[3] * spatial_scale_ - offset - y0;
      if (!half_pixel_) {
        rw = std::max(rw, 1.0);
        rh = std::max(rh, 1.0);
      }
      const double bh = rh / static_cast<double>(out_h_), bw = rw / static_cast<double>(out_w_);
      const double gh = sampling_ratio_ > 0 ? static_cast<double>(sampling_ratio_) : std::ceil(bh);
      const double gw = sampling_ratio_ > 0 ? static_cast<double>(sampling_ratio_) : std::ceil(bw);
      if (gh > kMaxGrid || gw > kMaxGrid) {
        return ctx.invalid_argument("roi ", r, " needs a ", gh, "x", gw,
                                    " sample grid per bin, more than ", kMaxGrid, " per axis");
      }
      geom[static_cast<size_t>(r)] = {y0,
                                      x0,
                                      bh,
                                      bw,
                                      std::max<int64_t>(0, static_cast<int64_t>(gh)),
                                      std::max<int64_t>(0, static_cast<int64_t>(gw))};
    }
    using Cm = compute_t<T>;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    parallel_for(ctx.pool(), R * bins, 4, [&](int64_t lo, int64_t hi) {
      std::vector<double> acc(static_cast<size_t>(C));
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t r = t / bins, ph = t % bins / out_w_, pw = t % out_w_;
        const Geom& g = geom[static_cast<size_t>(r)];
        const T* img = in + batch[r] * C * H * W;
        std::fill(acc.begin(), acc.end(), 0.0);
        bool first = true;
        for (int64_t iy = 0; iy < g.gh; ++iy) {
          const double yy = g.y0 + static_cast<double>(ph) * g.bh +
                            (static_cast<double>(iy) + 0.5) * g.bh / static_cast<double>(g.gh);
          for (int64_t ix = 0; ix < g.gw; ++ix) {
            const double xx = g.x0 + static_cast<double>(pw) * g.bw +
                              (static_cast<double>(ix) + 0.5) * g.bw / static_cast<double>(g.gw);
            const Sample s = make_sample(yy, xx, H, W);
            for (int64_t c = 0; c < C; ++c) {
              const T* p = img + c * H * W;
              double v[4];
              for (int k = 0; k < 4; ++k)
                v[k] = s.w[k] * static_cast<double>(static_cast<Cm>(p[s.pos[k]]));
              double& a = acc[static_cast<size_t>(c)];
              if (!max_) {
                a += v[0] + v[1] + v[2] + v[3];
              } else {
                const double m = std::max(std::max(v[0], v[1]), std::max(v[2], v[3]));
                a = first ? m : std::max(a, m);
              }
            }
            first = false;
          }
        }
        const double count = static_cast<double>(std::max<int64_t>(1, g.gh * g.gw));
        for (int64_t c = 0; c < C; ++c) {
          const double a = acc[static_cast<size_t>(c)];
          out[(r * C + c) * bins + ph * out_w_ + pw] =
              static_cast<T>(static_cast<Cm>(max_ ? a : a / count));
        }
      }
    });
    return Status::OK();
  }

  bool half_pixel_ = true, max_ = false;
  int64_t out_h_ = 1, out_w_ = 1, sampling_ratio_ = 0;
  double spatial_scale_ = 1;
};

}  // namespace

void register_roi_align(KernelRegistry& r) {
  r.add_versions<RoiAlign, TypeList<float, double, float16>>("", "RoiAlign", {10, 16}, 21);
  r.add_versions<RoiAlign, FloatTypes>("", "RoiAlign", {22});
}

}  // namespace onyx
