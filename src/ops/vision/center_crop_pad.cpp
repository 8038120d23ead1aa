// CenterCropPad: crops or zero-pads chosen axes to a target size, keeping the content centred.
//
// Per axis of size d and target s: s < d crops, starting at (d - s) / 2 (so an odd surplus
// drops one more element at the end); s > d pads, placing the input at (s - d) / 2 (the odd
// extra zero goes at the end); s == d leaves the axis alone. Pad elements are zero (empty
// strings, false). Elements are copied row by row over the last axis.
#include <cstring>
#include <vector>

#include "ops/common/axes.h"
#include "ops/common/block_copy.h"
#include "ops/image/values.h"
#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

class CenterCropPad final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    has_axes_ = info.has_attr("axes");
    ONYX_ASSIGN_OR_RETURN(axes_, info.attr_ints("axes"));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* shape_t, ctx.required_input(1));
    const auto rank = static_cast<int64_t>(x->rank());
    if (!block_copyable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ", data_type_name(x->dtype()),
                       " is not supported here");
    }
    auto target = image_detail::ints_of(*shape_t, "shape");
    if (!target.ok()) return ctx.invalid_argument(target.status().message());
    std::vector<int64_t> axes;
    if (has_axes_) {
      auto n = normalize_axes(axes_, rank);
      if (!n.ok()) return ctx.invalid_argument(n.status().message());
      axes = std::move(*n);
    } else {
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    if (shape_t->rank() != 1 || target->size() != axes.size()) {
      return ctx.invalid_argument("shape must be 1-D with one value per axis (", axes.size(),
                                  "), got ", shape_to_string(shape_t->shape()));
    }
    const auto R = static_cast<size_t>(rank);
    Shape out_shape = x->shape();
    // Per axis: first source index, first destination index, and the copied length.
    std::vector<int64_t> src_lo(R, 0), dst_lo(R, 0), len(x->shape());
    for (size_t i = 0; i < axes.size(); ++i) {
      const auto a = static_cast<size_t>(axes[i]);
      const int64_t d = x->dim(a), s = (*target)[i];
      if (s < 0) return ctx.invalid_argument("shape has a negative value ", s);
      out_shape[a] = s;
      if (s < d) {
        src_lo[a] = (d - s) / 2;
        len[a] = s;
      } else if (s > d) {
        dst_lo[a] = (s - d) / 2;
      }
    }
    if (!image_detail::fits_allocation_limit(out_shape, x->dtype())) {
      return ctx.invalid_argument("output shape ", shape_to_string(out_shape), " is too large");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();
    if (x->dtype() != DataType::kString) std::memset(y.raw_data(), 0, y.nbytes());
    if (shape_numel(len) == 0) return Status::OK();
    if (R == 0) {
      copy_blocks(*x, 0, 0, y, 0, 0, 1, 1);
      return Status::OK();
    }
    // Row-major strides of both tensors.
    std::vector<int64_t> xs(R, 1), ys(R, 1);
    for (size_t d = R - 1; d-- > 0;) {
      xs[d] = xs[d + 1] * x->dim(d + 1);
      ys[d] = ys[d + 1] * out_shape[d + 1];
    }
    // Odometer over the copied region's rows (all axes but the last).
    std::vector<int64_t> idx(R, 0);
    while (true) {
      int64_t so = 0, dof = 0;
      for (size_t d = 0; d < R; ++d) {
        so += (src_lo[d] + idx[d]) * xs[d];
        dof += (dst_lo[d] + idx[d]) * ys[d];
      }
      copy_blocks(*x, so, 0, y, dof, 0, 1, len[R - 1]);
      size_t d = R - 1;
      while (d-- > 0) {
        if (++idx[d] < len[d]) break;
        idx[d] = 0;
      }
      if (d == static_cast<size_t>(-1)) break;
    }
    return Status::OK();
  }

 private:
  bool has_axes_ = false;
  std::vector<int64_t> axes_;
};

}  // namespace

void register_center_crop_pad(KernelRegistry& r) {
  r.add_versions<CenterCropPad, AllTypes>("", "CenterCropPad", {18});
}

}  // namespace onyx
