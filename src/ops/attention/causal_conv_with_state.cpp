// CausalConvWithState (ai.onnx 27): causal depthwise 1-D convolution that carries its left
// context between calls, as the short convolution of Gated DeltaNet / Mamba blocks.
//
// input [batch, channels, length], weight [channels, 1, k], bias [channels], past_state
// [batch, channels, k - 1] (zeros when absent). With padded = past_state ++ input along length:
//   output[b, c, t] = bias[c] + sum_i weight[c, 0, i] * padded[b, c, t + i]
// optionally followed by SiLU (activation "silu" or its alias "swish": y * sigmoid(y));
// present_state = the last k - 1 positions of padded.
#include <cmath>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

class CausalConvWithState final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::string act, info.attr_string("activation", "none"));
    if (act != "none" && act != "silu" && act != "swish") {
      return info.error(StatusCode::kInvalidArgument,
                        "activation must be 'none', 'silu' or 'swish', got '", act, "'");
    }
    silu_ = act != "none";
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() { return run<T>(ctx, *x); });
  }

 private:
  template <typename T>
  Status run(KernelContext& ctx, const Tensor& x) const;

  bool silu_ = false;
};

template <typename T>
Status CausalConvWithState::run(KernelContext& ctx, const Tensor& x) const {
  using C = compute_t<T>;
  ONYX_ASSIGN_OR_RETURN(const Tensor* w, ctx.required_input(1));
  const Tensor* bias = ctx.input(2);
  const Tensor* past = ctx.input(3);
  if (x.rank() != 3) {
    return ctx.invalid_argument("input must be [batch, channels, length], got ",
                                shape_to_string(x.shape()));
  }
  const int64_t batch = x.dim(0), channels = x.dim(1), len = x.dim(2);
  if (w->dtype() != x.dtype() || w->rank() != 3 || w->dim(0) != channels || w->dim(1) != 1 ||
      w->dim(2) < 1) {
    return ctx.invalid_argument("weight must be [", channels, ", 1, k] with k >= 1 of the input's ",
                                "element type, got ", ctx.input_value(1)->describe());
  }
  const int64_t k = w->dim(2), carry = k - 1;
  if (bias && (bias->dtype() != x.dtype() || bias->shape() != Shape{channels})) {
    return ctx.invalid_argument("bias must be [", channels, "], got ",
                                ctx.input_value(2)->describe());
  }
  if (past && (past->dtype() != x.dtype() || past->shape() != Shape{batch, channels, carry})) {
    return ctx.invalid_argument("past_state must be [", batch, ", ", channels, ", ", carry,
                                "], got ", ctx.input_value(3)->describe());
  }
  Tensor& y = ctx.allocate_output(0, x.dtype(), x.shape());
  Tensor* state = ctx.output_requested(1)
                      ? &ctx.allocate_output(1, x.dtype(), {batch, channels, carry})
                      : nullptr;
  const T* in = x.data<T>();
  const T* wt = w->data<T>();
  parallel_for(ctx.pool(), batch * channels, 4, [&](int64_t begin, int64_t end) {
    std::vector<C> padded(static_cast<size_t>(carry + len));
    for (int64_t bc = begin; bc < end; ++bc) {
      const int64_t c = bc % channels;
      for (int64_t i = 0; i < carry; ++i) {
        padded[i] = past ? static_cast<C>(past->data<T>()[bc * carry + i]) : C(0);
      }
      for (int64_t t = 0; t < len; ++t) padded[carry + t] = static_cast<C>(in[bc * len + t]);
      const C b0 = bias ? static_cast<C>(bias->data<T>()[c]) : C(0);
      T* out = y.data<T>() + bc * len;
      for (int64_t t = 0; t < len; ++t) {
        C acc = b0;
        for (int64_t i = 0; i < k; ++i) acc += static_cast<C>(wt[c * k + i]) * padded[t + i];
        if (silu_) {
          // The convolution's result is a T tensor before the activation (as in the ONNX
          // function body); rounding here keeps 16-bit results on the same values.
          acc = static_cast<C>(static_cast<T>(acc));
          acc = acc / (C(1) + std::exp(-acc));
        }
        out[t] = static_cast<T>(acc);
      }
      if (state) {
        T* st = state->data<T>() + bc * carry;
        for (int64_t i = 0; i < carry; ++i) st[i] = static_cast<T>(padded[len + i]);
      }
    }
  });
  return Status::OK();
}

}  // namespace

void register_causal_conv_with_state(KernelRegistry& r) {
  r.add_versions<CausalConvWithState, FloatTypes>("", "CausalConvWithState", {27});
}

}  // namespace onyx
