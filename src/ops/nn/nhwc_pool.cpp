// onyx NhwcMaxPool (docs/fused-ops.md): MaxPool over 2-D windows of an [N, H, W, C] tensor of
// 8-bit values, the int8 layout of optimizer/int8_layout.h (quantized CNNs pool between
// integer convolutions: ResNet's stem). Each output pixel is the element-wise maximum of the
// C-long rows under its window, which vectorizes along C. Padding never wins (MaxPool ignores
// it); a window entirely in padding gives the type's minimum (the reference MaxPool gives
// its lowest value too).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "ops/nn/geometry.h"
#include "ops/nn/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

template <typename T>
void max_rows(const T* __restrict in, T* __restrict out, int64_t C) {
  for (int64_t c = 0; c < C; ++c) out[c] = std::max(out[c], in[c]);
}

class NhwcMaxPool final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(attrs_.read(info));
    if (attrs_.kernel_shape.size() != 2) {
      return info.error(StatusCode::kInvalidArgument, "kernel_shape must have 2 values");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->rank() != 4) {
      return ctx.invalid_argument("X must be [N, H, W, C], got ", shape_to_string(x->shape()));
    }
    const int64_t N = x->dim(0), H = x->dim(1), W = x->dim(2), C = x->dim(3);
    auto win = nn::resolve_window(attrs_, {H, W}, attrs_.kernel_shape);
    if (!win.ok()) return ctx.invalid_argument(win.status().message());
    const int64_t OH = win->out[0], OW = win->out[1];
    Tensor& y = ctx.allocate_output(0, x->dtype(), {N, OH, OW, C});
    auto run = [&]<typename T>() -> Status {
      const T* xp = x->data<T>();
      T* yp = y.data<T>();
      parallel_for(ctx.pool(), N * OH, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t noh = lo; noh < hi; ++noh) {
          const int64_t n = noh / OH, oh = noh % OH;
          for (int64_t ow = 0; ow < OW; ++ow) {
            T* out = yp + ((n * OH + oh) * OW + ow) * C;
            std::fill(out, out + C, std::numeric_limits<T>::lowest());
            for (int64_t kh = 0; kh < win->kernel[0]; ++kh) {
              const int64_t ih = oh * win->strides[0] - win->pad_begin[0] + kh * win->dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < win->kernel[1]; ++kw) {
                const int64_t iw =
                    ow * win->strides[1] - win->pad_begin[1] + kw * win->dilations[1];
                if (iw < 0 || iw >= W) continue;
                max_rows(xp + ((n * H + ih) * W + iw) * C, out, C);
              }
            }
          }
        }
      });
      return Status::OK();
    };
    return dispatch<TypeList<int8_t, uint8_t>>(x->dtype(), run);
  }

 private:
  nn::WindowAttrs attrs_;
};

}  // namespace

void register_nhwc_pool(KernelRegistry& r) {
  r.add(KernelDef{"onyx", "NhwcMaxPool", 1, 1, {DataType::kUInt8, DataType::kInt8}, 0,
                  kernel_factory<NhwcMaxPool>()});
}

}  // namespace onyx
