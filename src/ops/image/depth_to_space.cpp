// DepthToSpace (DCR / CRD) and SpaceToDepth on NCHW tensors: pure index permutations.
#include "ops/registry.h"

namespace onyx {
namespace {

class DepthToSpace final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(block_, info.required_int("blocksize"));
    // The upper bound keeps blocksize^2 and H*blocksize far from overflow.
    if (block_ <= 0 || block_ > (int64_t{1} << 20)) {
      return info.error(StatusCode::kInvalidGraph, "blocksize ", block_, " is out of range");
    }
    std::string mode = "DCR";
    if (info.opset() >= 11) {
      ONYX_ASSIGN_OR_RETURN(mode, info.attr_string("mode", "DCR"));
    }
    if (mode != "DCR" && mode != "CRD") {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    crd_ = mode == "CRD";
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() != 4) return ctx.invalid_argument("input must be 4-D, got rank ", x->rank());
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2), w = x->dim(3), b = block_;
    if (c % (b * b) != 0) {
      return ctx.invalid_argument("channels ", c, " not divisible by blocksize^2 = ", b * b);
    }
    const int64_t oc = c / (b * b);
    Tensor& y = ctx.allocate_output(0, x->dtype(), {n, oc, h * b, w * b});
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      int64_t o = 0;
      // Output [n, oc, hh*b + bi, ww*b + bj] reads input channel
      // DCR: (bi*b + bj)*oc + occ     CRD: occ*b*b + bi*b + bj
      for (int64_t in_ = 0; in_ < n; ++in_)
        for (int64_t occ = 0; occ < oc; ++occ)
          for (int64_t hh = 0; hh < h; ++hh)
            for (int64_t bi = 0; bi < b; ++bi)
              for (int64_t ww = 0; ww < w; ++ww)
                for (int64_t bj = 0; bj < b; ++bj) {
                  const int64_t ch = crd_ ? (occ * b + bi) * b + bj : (bi * b + bj) * oc + occ;
                  out[o++] = in[((in_ * c + ch) * h + hh) * w + ww];
                }
      return Status::OK();
    });
  }

 private:
  int64_t block_ = 1;
  bool crd_ = false;
};

class SpaceToDepth final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(block_, info.required_int("blocksize"));
    // The upper bound keeps blocksize^2 and H*blocksize far from overflow.
    if (block_ <= 0 || block_ > (int64_t{1} << 20)) {
      return info.error(StatusCode::kInvalidGraph, "blocksize ", block_, " is out of range");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() != 4) return ctx.invalid_argument("input must be 4-D, got rank ", x->rank());
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2), w = x->dim(3), b = block_;
    if (h % b != 0 || w % b != 0) {
      return ctx.invalid_argument("spatial dims ", h, "x", w, " not divisible by blocksize ", b);
    }
    const int64_t oh = h / b, ow = w / b;
    Tensor& y = ctx.allocate_output(0, x->dtype(), {n, c * b * b, oh, ow});
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      int64_t o = 0;
      // Output channel (bi*b + bj)*c + cc holds input [cc, hh*b + bi, ww*b + bj].
      for (int64_t in_ = 0; in_ < n; ++in_)
        for (int64_t bi = 0; bi < b; ++bi)
          for (int64_t bj = 0; bj < b; ++bj)
            for (int64_t cc = 0; cc < c; ++cc)
              for (int64_t hh = 0; hh < oh; ++hh)
                for (int64_t ww = 0; ww < ow; ++ww)
                  out[o++] = in[((in_ * c + cc) * h + hh * b + bi) * w + ww * b + bj];
      return Status::OK();
    });
  }

 private:
  int64_t block_ = 1;
};

}  // namespace

void register_depth_to_space(KernelRegistry& r) {
  r.add_versions<DepthToSpace, AllTypes>("", "DepthToSpace", {1, 11, 13});
  r.add_versions<SpaceToDepth, AllTypes>("", "SpaceToDepth", {1, 13});
}

}  // namespace onyx
