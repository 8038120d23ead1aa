// Registration entry points of the linalg family's files.
#pragma once

namespace onyx {
class KernelRegistry;
void register_matmul(KernelRegistry& r);
void register_gemm(KernelRegistry& r);
void register_einsum(KernelRegistry& r);
void register_fused_matmul(KernelRegistry& r);
}  // namespace onyx
