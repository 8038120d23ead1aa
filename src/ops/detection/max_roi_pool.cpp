// MaxRoiPool (opset 1; Fast R-CNN's ROI pooling): rois (R, 5) rows are [batch_id, x1, y1, x2,
// y2] in input-image units. Each corner is scaled by spatial_scale and rounded to a pixel, the
// region spans those pixels inclusively (at least 1 x 1), and is cut into pooled_shape bins of
// real-valued size; bin (i, j) covers rows [floor(i * bin_h), ceil((i + 1) * bin_h)) from the
// region's start (columns alike), clipped to the image, and outputs the maximum there, or 0 for a
// bin that lies wholly outside. This is the Caffe / onnxruntime / torchvision.ops.roi_pool
// definition (the ONNX text names the attributes but not the arithmetic).
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/registry.h"

namespace onyx {
namespace {

class MaxRoiPool final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> shape, info.required_ints("pooled_shape"));
    if (shape.size() != 2 || shape[0] <= 0 || shape[1] <= 0) {
      return info.error(StatusCode::kInvalidGraph, "pooled_shape must be two positive sizes");
    }
    out_h_ = shape[0];
    out_w_ = shape[1];
    ONYX_ASSIGN_OR_RETURN(float scale, info.attr_float("spatial_scale", 1.f));
    if (!std::isfinite(scale)) {
      return info.error(StatusCode::kInvalidGraph, "spatial_scale must be finite");
    }
    scale_ = scale;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* rois, ctx.required_input(1));
    if (x->rank() != 4) {
      return ctx.invalid_argument("X must be 4-D (N, C, H, W), got ", shape_to_string(x->shape()));
    }
    if (rois->dtype() != x->dtype() || rois->rank() != 2 || rois->dim(1) != 5) {
      return ctx.invalid_argument("rois must be (num_rois, 5) of X's type, got ",
                                  data_type_name(rois->dtype()), " ",
                                  shape_to_string(rois->shape()));
    }
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() { return run<T>(*x, *rois, ctx); });
  }

 private:
  template <typename T>
  Status run(const Tensor& x, const Tensor& rois, KernelContext& ctx) const {
    using Cm = compute_t<T>;
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), R = rois.dim(0);
    // Region geometry first, so that a bad row fails before any output is written.
    struct Region {
      int64_t batch, y0, x0;
      double bin_h, bin_w;
    };
    std::vector<Region> regions(static_cast<size_t>(R));
    const T* q = rois.data<T>();
    for (int64_t r = 0; r < R; ++r) {
      double v[5];
      for (int k = 0; k < 5; ++k) {
        v[k] = static_cast<double>(static_cast<Cm>(q[r * 5 + k]));
        if (!std::isfinite(v[k]) || std::abs(v[k]) > 1e15) {
          return ctx.invalid_argument("rois row ", r, " holds ", v[k]);
        }
      }
      const auto b = static_cast<int64_t>(v[0]);
      if (b < 0 || b >= N || static_cast<double>(b) != v[0]) {
        return ctx.invalid_argument("rois row ", r, " names image ", v[0], " of ", N);
      }
      const auto x0 = static_cast<int64_t>(std::round(v[1] * scale_));
      const auto y0 = static_cast<int64_t>(std::round(v[2] * scale_));
      const auto x1 = static_cast<int64_t>(std::round(v[3] * scale_));
      const auto y1 = static_cast<int64_t>(std::round(v[4] * scale_));
      const int64_t rh = std::max<int64_t>(y1 - y0 + 1, 1), rw = std::max<int64_t>(x1 - x0 + 1, 1);
      regions[static_cast<size_t>(r)] = {b, y0, x0, static_cast<double>(rh) / out_h_,
                                         static_cast<double>(rw) / out_w_};
    }
    Tensor& y = ctx.allocate_output(0, x.dtype(), {R, C, out_h_, out_w_});
    const T* in = x.data<T>();
    T* out = y.data<T>();
    parallel_for(ctx.pool(), R * C, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const Region& g = regions[static_cast<size_t>(t / C)];
        const T* plane = in + (g.batch * C + t % C) * H * W;
        T* o = out + t * out_h_ * out_w_;
        for (int64_t i = 0; i < out_h_; ++i) {
          const auto h0 = std::clamp<int64_t>(
              static_cast<int64_t>(std::floor(static_cast<double>(i) * g.bin_h)) + g.y0, 0, H);
          const auto h1 = std::clamp<int64_t>(
              static_cast<int64_t>(std::ceil(static_cast<double>(i + 1) * g.bin_h)) + g.y0, 0, H);
          for (int64_t j = 0; j < out_w_; ++j) {
            const auto w0 = std::clamp<int64_t>(
                static_cast<int64_t>(std::floor(static_cast<double>(j) * g.bin_w)) + g.x0, 0, W);
            const auto w1 = std::clamp<int64_t>(
                static_cast<int64_t>(std::ceil(static_cast<double>(j + 1) * g.bin_w)) + g.x0, 0,
                W);
            Cm m = -std::numeric_limits<Cm>::infinity();
            for (int64_t yy = h0; yy < h1; ++yy) {
              for (int64_t xx = w0; xx < w1; ++xx) m = std::max(m, static_cast<Cm>(plane[yy * W + xx]));
            }
            o[i * out_w_ + j] = static_cast<T>(h1 <= h0 || w1 <= w0 ? Cm(0) : m);
          }
        }
      }
    });
    return Status::OK();
  }

  int64_t out_h_ = 1, out_w_ = 1;
  double scale_ = 1;
};

}  // namespace

void register_max_roi_pool(KernelRegistry& r) {
  r.add_versions<MaxRoiPool, FloatTypes>("", "MaxRoiPool", {1, 22});  // 22: bfloat16 added
}

}  // namespace onyx
