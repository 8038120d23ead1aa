// MaxPool (with Indices), AveragePool and LpPool over 1-D/2-D/3-D windows.
//
// Spatial dims are left-padded to 3-D (size-1 dims with a trivial window), and for every output
// coordinate of every dim the list of in-bounds input coordinates is precomputed once per call,
// so the inner loops never test bounds. Planes (n, c) run in parallel on the thread pool.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/nn/geometry.h"
#include "ops/nn/pool_taps.h"
#include "ops/nn/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using nn::Window;

enum class PoolKind { kMax, kAverage, kLp };

struct PoolParams {
  bool count_include_pad = false;
  float p = 2.f;
  int64_t storage_order = 0;
};

template <typename T, PoolKind Kind>
void pool_planes(const T* X, T* Y, int64_t* indices, int64_t planes, const Window& w3,
                 const PoolParams& pp, ThreadPool* pool) {
  using C = compute_t<T>;
  [[maybe_unused]] const bool p2 = pp.p == 2.f, p1 = pp.p == 1.f;
  DimTaps taps[3];
  for (size_t d = 0; d < 3; ++d) {
    taps[d] = make_taps(w3.in[d], w3.out[d], w3.kernel[d], w3.strides[d], w3.dilations[d],
                        w3.pad_begin[d], w3.pad_end[d]);
  }
  const int64_t I = w3.in_numel(), O = w3.out_numel();
  const int64_t in1 = w3.in[1], in2 = w3.in[2];
  const int64_t cm1 = w3.in[0], cm2 = w3.in[0] * w3.in[1];  // column-major strides of dims 1, 2
  parallel_for(pool, planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const T* x = X + plane * I;
      T* y = Y + plane * O;
      int64_t oi = 0;
      for (int64_t o0 = 0; o0 < w3.out[0]; ++o0) {
        for (int64_t o1 = 0; o1 < w3.out[1]; ++o1) {
          for (int64_t o2 = 0; o2 < w3.out[2]; ++o2, ++oi) {
            C acc = Kind == PoolKind::kMax ? std::numeric_limits<C>::lowest() : C(0);
            int64_t best = -1;
            int64_t valid = 0;
            for (int64_t a = taps[0].begin[o0]; a < taps[0].begin[o0 + 1]; ++a) {
              const int64_t i0 = taps[0].pos[a];
              for (int64_t bb = taps[1].begin[o1]; bb < taps[1].begin[o1 + 1]; ++bb) {
                const int64_t i1 = taps[1].pos[bb];
                const int64_t row = (i0 * in1 + i1) * in2;
                for (int64_t c = taps[2].begin[o2]; c < taps[2].begin[o2 + 1]; ++c) {
                  const int64_t i2 = taps[2].pos[c];
                  const C v = static_cast<C>(x[row + i2]);
                  if constexpr (Kind == PoolKind::kMax) {
                    if (best < 0 || v > acc) {
                      acc = v;
                      best = pp.storage_order == 0 ? row + i2 : i0 + i1 * cm1 + i2 * cm2;
                    }
                  } else if constexpr (Kind == PoolKind::kAverage) {
                    acc += v;
                  } else if (p2) {
                    acc += v * v;
                  } else if (p1) {
                    acc += std::abs(v);
                  } else {
                    acc += static_cast<C>(std::pow(std::abs(static_cast<double>(v)), pp.p));
                  }
                  ++valid;
                }
              }
            }
            if constexpr (std::is_floating_point_v<C>) {
              if constexpr (Kind == PoolKind::kAverage) {
                const int64_t count = pp.count_include_pad ? taps[0].padded[o0] *
                                                                 taps[1].padded[o1] *
                                                                 taps[2].padded[o2]
                                                           : valid;
                acc = count > 0 ? acc / static_cast<C>(count) : C(0);
              } else if constexpr (Kind == PoolKind::kLp) {
                if (p2) acc = std::sqrt(acc);
                else if (!p1) acc = static_cast<C>(std::pow(static_cast<double>(acc), 1.0 / pp.p));
              }
            }
            y[oi] = static_cast<T>(acc);
            if (indices != nullptr) indices[plane * O + oi] = best < 0 ? -1 : plane * I + best;
          }
        }
      }
    }
  });
}

template <PoolKind Kind>
class Pool final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    if (attrs_.kernel_shape.empty()) {
      return info.error(StatusCode::kInvalidArgument, "kernel_shape is required");
    }
    if constexpr (Kind == PoolKind::kAverage) {
      ONYX_ASSIGN_OR_RETURN(int64_t cip, info.attr_int("count_include_pad", 0));
      params_.count_include_pad = cip != 0;
    }
    if constexpr (Kind == PoolKind::kMax) {
      ONYX_ASSIGN_OR_RETURN(params_.storage_order, info.attr_int("storage_order", 0));
    }
    if constexpr (Kind == PoolKind::kLp) {
      // LpPool-1 had a float `p`; from opset 2 it is an int.
      if (info.opset() < 2) {
        ONYX_ASSIGN_OR_RETURN(params_.p, info.attr_float("p", 2.f));
      } else {
        ONYX_ASSIGN_OR_RETURN(int64_t p, info.attr_int("p", 2));
        params_.p = static_cast<float>(p);
      }
      if (!(params_.p > 0)) return info.error(StatusCode::kInvalidArgument, "p must be > 0");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() < 3) {
      return ctx.invalid_argument("X must have rank >= 3, got ", shape_to_string(x->shape()));
    }
    const size_t r = x->rank() - 2;
    if (r > 3) return ctx.error(StatusCode::kNotImplemented, "pooling over more than 3 dims");
    const Shape in(x->shape().begin() + 2, x->shape().end());
    auto win = nn::resolve_window(attrs_, in, attrs_.kernel_shape);
    if (!win.ok()) return ctx.invalid_argument(win.status().message());
    Shape out_shape{x->dim(0), x->dim(1)};
    out_shape.insert(out_shape.end(), win->out.begin(), win->out.end());
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    int64_t* indices = nullptr;
    if (Kind == PoolKind::kMax && ctx.output_requested(1)) {
      indices = ctx.allocate_output(1, DataType::kInt64, out_shape).data<int64_t>();
    }
    // Left-pad the spatial dims to 3 with trivial windows.
    Window w3 = *win;
    while (w3.rank() < 3) {
      for (auto* v : {&w3.in, &w3.kernel, &w3.strides, &w3.dilations, &w3.out}) {
        v->insert(v->begin(), 1);
      }
      w3.pad_begin.insert(w3.pad_begin.begin(), 0);
      w3.pad_end.insert(w3.pad_end.begin(), 0);
    }
    const int64_t planes = x->dim(0) * x->dim(1);
    auto run = [&]<typename T>() -> Status {
      pool_planes<T, Kind>(x->data<T>(), y.data<T>(), indices, planes, w3, params_, ctx.pool());
      return Status::OK();
    };
    if constexpr (Kind == PoolKind::kMax) {
      return dispatch<TypeList<float, double, float16, bfloat16, int8_t, uint8_t>>(x->dtype(), run);
    } else {
      return dispatch<FloatTypes>(x->dtype(), run);
    }
  }

 private:
  nn::WindowAttrs attrs_;
  PoolParams params_;
};

}  // namespace

void register_pool(KernelRegistry& r) {
  r.add_versions<Pool<PoolKind::kMax>, TypeList<float, double, float16, bfloat16, int8_t, uint8_t>>(
      "", "MaxPool", {1, 8, 10, 11, 12, 22});
  r.add_versions<Pool<PoolKind::kAverage>, FloatTypes>("", "AveragePool", {1, 7, 10, 11, 19, 22});
  r.add_versions<Pool<PoolKind::kLp>, FloatTypes>("", "LpPool", {1, 2, 11, 18, 22});
}

}  // namespace onyx
