// LRN (1, 13): across-channel local response normalization on N x C x D1 x ...
//   y = x / (bias + alpha / size * sum_{c' in window(c)} x[c']^2) ^ beta,
// window(c) = [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped to [0, C).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/normalization/norm_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class Lrn final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(alpha_, info.attr_float("alpha", 1e-4f));
    ONYX_ASSIGN_OR_RETURN(beta_, info.attr_float("beta", 0.75f));
    ONYX_ASSIGN_OR_RETURN(bias_, info.attr_float("bias", 1.0f));
    ONYX_ASSIGN_OR_RETURN(size_, info.required_int("size"));
    if (size_ <= 0) return info.error(StatusCode::kInvalidGraph, "size must be positive");
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() < 2) return ctx.invalid_argument("input must have rank >= 2 (N x C x ...)");
    const int64_t N = x->dim(0), C = x->dim(1), S = norm::span_numel(x->shape(), 2, x->rank());
    const int64_t lo_off = (size_ - 1) / 2, hi_off = size_ - 1 - lo_off;
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      const T* in = x->data<T>();
      T* out = y.data<T>();
      const double k = static_cast<double>(alpha_) / static_cast<double>(size_);
      parallel_for(ctx.pool(), N * C, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, S * size_)),
                   [&](int64_t b, int64_t e) {
                     std::vector<double> sq(static_cast<size_t>(S));
                     for (int64_t nc = b; nc < e; ++nc) {
                       const int64_t n = nc / C, c = nc % C;
                       std::fill(sq.begin(), sq.end(), 0.0);
                       const int64_t c0 = std::max<int64_t>(0, c - lo_off), c1 = std::min(C - 1, c + hi_off);
                       for (int64_t cc = c0; cc <= c1; ++cc) {
                         const T* src = in + (n * C + cc) * S;
                         for (int64_t i = 0; i < S; ++i) {
                           const double v = static_cast<double>(static_cast<norm::calc_t<T>>(src[i]));
                           sq[i] += v * v;
                         }
                       }
                       const T* src = in + nc * S;
                       T* dst = out + nc * S;
                       for (int64_t i = 0; i < S; ++i) {
                         const double v = static_cast<double>(static_cast<norm::calc_t<T>>(src[i]));
                         dst[i] = static_cast<T>(static_cast<norm::calc_t<T>>(
                             v / std::pow(bias_ + k * sq[i], static_cast<double>(beta_))));
                       }
                     }
                   });
      return Status::OK();
    });
  }

 private:
  float alpha_ = 1e-4f, beta_ = 0.75f, bias_ = 1.0f;
  int64_t size_ = 1;
};

}  // namespace

void register_lrn_kernels(KernelRegistry& r) {
  r.add_versions<Lrn, FloatTypes>("", "LRN", {1, 13});
}

}  // namespace onyx
