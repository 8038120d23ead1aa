// AffineGrid: the sampling grid GridSample consumes, from a batch of affine matrices.
//
// theta (N, 2, 3) with size (N, C, H, W) gives grid (N, H, W, 2); theta (N, 3, 4) with size
// (N, C, D, H, W) gives grid (N, D, H, W, 3). Each output point is theta[n] applied to the
// homogeneous base coordinate (x, y[, z], 1), x running along W. Base coordinates span [-1, 1]:
// the centres of the corner pixels with align_corners (-1 + 2i/(d-1); -1 when d == 1), else
// their outer edges (-1 + (2i+1)/d). Computed in double, stored in theta's type.
#include <vector>

#include "ops/image/values.h"
#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

class AffineGrid final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(int64_t align, info.attr_int("align_corners", 0));
    align_corners_ = align != 0;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* theta, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* size_t_, ctx.required_input(1));
    auto size = image_detail::ints_of(*size_t_, "size");
    if (!size.ok()) return ctx.invalid_argument(size.status().message());
    if (size_t_->rank() != 1 || (size->size() != 4 && size->size() != 5)) {
      return ctx.invalid_argument("size must be 1-D with 4 (N, C, H, W) or 5 (N, C, D, H, W) ",
                                  "values, got ", shape_to_string(size_t_->shape()));
    }
    const int64_t r = static_cast<int64_t>(size->size()) - 2;  // spatial dims: 2 or 3
    const int64_t N = (*size)[0];
    if (theta->shape() != Shape{N, r, r + 1}) {
      return ctx.invalid_argument("theta must have shape ", shape_to_string({N, r, r + 1}),
                                  " for size ", shape_to_string(*size), ", got ",
                                  shape_to_string(theta->shape()));
    }
    Shape out_shape = {N};
    for (int64_t i = 2; i < 2 + r; ++i) {
      if ((*size)[static_cast<size_t>(i)] < 0) {
        return ctx.invalid_argument("size has a negative dim: ", shape_to_string(*size));
      }
      out_shape.push_back((*size)[static_cast<size_t>(i)]);
    }
    out_shape.push_back(r);
    if (!image_detail::fits_allocation_limit(out_shape, theta->dtype())) {
      return ctx.invalid_argument("output grid ", shape_to_string(out_shape), " is too large");
    }
    Tensor& y = ctx.allocate_output(0, theta->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();
    // Base coordinates per spatial axis (in size's order: [D,] H, W).
    std::vector<std::vector<double>> base(static_cast<size_t>(r));
    for (int64_t a = 0; a < r; ++a) {
      const int64_t d = out_shape[static_cast<size_t>(1 + a)];
      auto& b = base[static_cast<size_t>(a)];
      b.resize(static_cast<size_t>(d));
      for (int64_t i = 0; i < d; ++i) {
        const double di = static_cast<double>(d), ii = static_cast<double>(i);
        b[static_cast<size_t>(i)] =
            align_corners_ ? (d > 1 ? -1 + 2 * ii / (di - 1) : -1.0) : -1 + (2 * ii + 1) / di;
      }
    }
    return dispatch<FloatTypes>(theta->dtype(), [&]<typename T>() {
      const T* th = theta->data<T>();
      T* out = y.data<T>();
      const int64_t points = y.numel() / (N * r);
      const int64_t W = out_shape[static_cast<size_t>(r)];
      const int64_t H = out_shape[static_cast<size_t>(r - 1)];
      for (int64_t n = 0; n < N; ++n) {
        const T* m = th + n * r * (r + 1);
        for (int64_t p = 0; p < points; ++p) {
          // (x, y[, z]): x from the W index, y from H, z from D.
          double coord[3] = {base[static_cast<size_t>(r - 1)][static_cast<size_t>(p % W)],
                             base[static_cast<size_t>(r - 2)][static_cast<size_t>(p / W % H)],
                             r == 3 ? base[0][static_cast<size_t>(p / (W * H))] : 0.0};
          T* dst = out + (n * points + p) * r;
          for (int64_t k = 0; k < r; ++k) {
            const T* row = m + k * (r + 1);
            double v = static_cast<double>(static_cast<compute_t<T>>(row[r]));
            for (int64_t j = 0; j < r; ++j) {
              v += static_cast<double>(static_cast<compute_t<T>>(row[j])) *
                   coord[static_cast<size_t>(j)];
            }
            dst[k] = static_cast<T>(static_cast<compute_t<T>>(v));
          }
        }
      }
      return Status::OK();
    });
  }

 private:
  bool align_corners_ = false;
};

}  // namespace

void register_affine_grid(KernelRegistry& r) {
  r.add_versions<AffineGrid, FloatTypes>("", "AffineGrid", {20});
}

}  // namespace onyx
