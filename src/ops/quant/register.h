// Registration entry points of the quant family's files.
#pragma once

namespace onyx {
class KernelRegistry;
void register_quantize_linear(KernelRegistry& r);
void register_integer_matmul(KernelRegistry& r);
void register_integer_conv(KernelRegistry& r);
void register_dynamic_quantize_matmul(KernelRegistry& r);
void register_qlinear_add(KernelRegistry& r);
}  // namespace onyx
