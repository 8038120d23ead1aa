// The attention family: Attention and the kernels around it in transformer decoders
// (RotaryEmbedding, the KV-cache update TensorScatter, LinearAttention with its companion
// CausalConvWithState), the ai.onnx.preview FlexAttention and the optimizer's onyx
// FusedAttention. The scaled dot-product core they share is sdpa.h.
#include "ops/registry.h"

namespace onyx {

void register_attention_op(KernelRegistry& r);
void register_rotary_embedding(KernelRegistry& r);
void register_tensor_scatter(KernelRegistry& r);
void register_linear_attention(KernelRegistry& r);
void register_causal_conv_with_state(KernelRegistry& r);
void register_flex_attention(KernelRegistry& r);
void register_fused_attention(KernelRegistry& r);

void register_attention_ops(KernelRegistry& r) {
  register_attention_op(r);
  register_rotary_embedding(r);
  register_tensor_scatter(r);
  register_linear_attention(r);
  register_causal_conv_with_state(r);
  register_flex_attention(r);
  register_fused_attention(r);
}

}  // namespace onyx
