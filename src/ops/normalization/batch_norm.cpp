// BatchNormalization (versions 1, 6, 7, 9, 14, 15).
//
// Inference: y = (x - mean) / sqrt(var + eps) * scale + B per channel (dim 1), folded into
// y = x * a + b. Before opset 9, `spatial = 0` gives parameters per (C x D1 x ...) element:
// handled by accepting parameters of numel C or numel C*D1*... in every version.
// Training mode (training_mode = 1 from 14; before 14, when more than one output is requested,
// and is_test = 0 up to 6) normalizes with the batch statistics and also outputs
//   running_mean = mean * momentum + batch_mean * (1 - momentum) (same for var; population var),
//   and before 14 saved_mean = batch_mean, saved_var = batch variance.
// Scale/B and mean/var may each have another float type than X (T1, T2 from opset 14/15).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/normalization/norm_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class BatchNorm final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(epsilon_, info.attr_float("epsilon", 1e-5f));
    ONYX_ASSIGN_OR_RETURN(momentum_, info.attr_float("momentum", 0.9f));
    if (opset_ >= 14) {
      ONYX_ASSIGN_OR_RETURN(int64_t tm, info.attr_int("training_mode", 0));
      training_ = tm != 0;
    } else {
      int64_t is_test = 0;
      if (opset_ <= 6) {
        ONYX_ASSIGN_OR_RETURN(is_test, info.attr_int("is_test", 0));
      }
      bool extra = false;
      for (size_t i = 1; i < info.num_outputs(); ++i) extra = extra || info.has_output(i);
      training_ = extra && is_test == 0;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const Tensor* params[4];
    for (size_t i = 0; i < 4; ++i) {
      ONYX_ASSIGN_OR_RETURN(params[i], ctx.required_input(i + 1));
    }
    if (x->rank() < 2) return ctx.invalid_argument("X must have rank >= 2 (N x C x ...)");
    const int64_t N = x->dim(0), C = x->dim(1);
    const int64_t S = norm::span_numel(x->shape(), 2, x->rank());
    std::vector<double> p[4];
    for (size_t i = 0; i < 4; ++i) {
      auto v = norm::to_doubles(*params[i]);
      if (!v.ok()) return ctx.invalid_argument("parameter ", i + 1, ": ", v.status().message());
      p[i] = std::move(*v);
    }
    const int64_t pn = static_cast<int64_t>(p[0].size());
    const bool per_element = !training_ && pn == C * S && S != 1;
    const int64_t want = per_element ? C * S : C;
    for (size_t i = 0; i < 4; ++i) {
      if (static_cast<int64_t>(p[i].size()) != want) {
        return ctx.invalid_argument("input ", i + 1, " has ", p[i].size(), " elements, expected ", want);
      }
    }
    std::vector<double>& scale = p[0];
    std::vector<double>& bias = p[1];
    std::vector<double> mean = p[2], var = p[3];
    if (training_) {
      // Batch statistics per channel (population variance).
      std::vector<double> bm(C, 0.0), bv(C, 0.0);
      const double count = static_cast<double>(N * S);
      ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
        const T* in = x->data<T>();
        for (int64_t c = 0; c < C; ++c) {
          double s = 0, s2 = 0;
          for (int64_t n = 0; n < N; ++n) {
            const T* blk = in + (n * C + c) * S;
            for (int64_t i = 0; i < S; ++i) s += static_cast<double>(static_cast<norm::calc_t<T>>(blk[i]));
          }
          const double m = count > 0 ? s / count : 0.0;
          for (int64_t n = 0; n < N; ++n) {
            const T* blk = in + (n * C + c) * S;
            for (int64_t i = 0; i < S; ++i) {
              const double d = static_cast<double>(static_cast<norm::calc_t<T>>(blk[i])) - m;
              s2 += d * d;
            }
          }
          bm[c] = m;
          bv[c] = count > 0 ? s2 / count : 0.0;
        }
        return Status::OK();
      }));
      ONYX_RETURN_IF_ERROR(write_stats(ctx, *params[2], p[2], p[3], bm, bv));
      mean = bm;
      var = bv;
    }
    // y = x * a + b
    std::vector<double> a(want), b(want);
    for (int64_t i = 0; i < want; ++i) {
      a[i] = scale[i] / std::sqrt(var[i] + static_cast<double>(epsilon_));
      b[i] = bias[i] - mean[i] * a[i];
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      using Cc = norm::calc_t<T>;
      const T* in = x->data<T>();
      T* out = y.data<T>();
      parallel_for(ctx.pool(), N * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, S)),
                   [&](int64_t lo, int64_t hi) {
                     for (int64_t nc = lo; nc < hi; ++nc) {
                       const int64_t c = nc % C;
                       const T* src = in + nc * S;
                       T* dst = out + nc * S;
                       if (per_element) {
                         for (int64_t i = 0; i < S; ++i) {
                           dst[i] = static_cast<T>(static_cast<Cc>(static_cast<Cc>(src[i]) * a[c * S + i] + b[c * S + i]));
                         }
                       } else {
                         const Cc ac = static_cast<Cc>(a[c]), bc = static_cast<Cc>(b[c]);
                         for (int64_t i = 0; i < S; ++i) dst[i] = static_cast<T>(static_cast<Cc>(src[i]) * ac + bc);
                       }
                     }
                   });
      return Status::OK();
    });
  }

 private:
  // Outputs 1.. of training mode, in the dtype of the running mean input.
  Status write_stats(KernelContext& ctx, const Tensor& like, const std::vector<double>& run_mean,
                     const std::vector<double>& run_var, const std::vector<double>& bm,
                     const std::vector<double>& bv) const {
    const double mom = momentum_;
    // Output order: 1 running_mean, 2 running_var, 3 saved_mean, 4 saved_var.
    std::vector<double> outs[4];
    for (size_t c = 0; c < bm.size(); ++c) {
      outs[0].push_back(run_mean[c] * mom + bm[c] * (1 - mom));
      outs[1].push_back(run_var[c] * mom + bv[c] * (1 - mom));
    }
    outs[2] = bm;
    outs[3] = bv;
    for (size_t k = 0; k < 4; ++k) {
      if (!ctx.output_requested(k + 1)) continue;
      if (opset_ >= 14 && k >= 2) break;
      Tensor& t = ctx.allocate_output(k + 1, like.dtype(), {static_cast<int64_t>(bm.size())});
      ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(like.dtype(), [&]<typename T>() {
        for (size_t c = 0; c < bm.size(); ++c) {
          t.data<T>()[c] = static_cast<T>(static_cast<norm::calc_t<T>>(outs[k][c]));
        }
        return Status::OK();
      }));
    }
    return Status::OK();
  }

  int opset_ = 15;
  float epsilon_ = 1e-5f;
  float momentum_ = 0.9f;
  bool training_ = false;
};

}  // namespace

void register_batch_norm_kernels(KernelRegistry& r) {
  r.add_versions<BatchNorm, FloatTypes>("", "BatchNormalization", {1, 6, 7, 9, 14, 15});
}

}  // namespace onyx
