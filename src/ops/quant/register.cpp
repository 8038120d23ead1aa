// The quant family: QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear and the integer
// matmul / conv ops (MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv), and onyx
// DynamicQuantizeMatMul, the fused dynamic quantization of a float matrix product, and onyx
// QLinearAdd, the residual sum of QDQ graphs.
// Uses the nn family's window geometry and im2col (ops/nn/geometry.h, ops/nn/im2col.h).
#include "ops/quant/register.h"

#include "ops/registry.h"

namespace onyx {

void register_quant_ops(KernelRegistry& r) {
  register_quantize_linear(r);
  register_integer_matmul(r);
  register_integer_conv(r);
  register_dynamic_quantize_matmul(r);
  register_qlinear_add(r);
}

}  // namespace onyx
