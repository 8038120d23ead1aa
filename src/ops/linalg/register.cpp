// The linalg family: matrix products (MatMul, Gemm, Einsum).
#include "ops/linalg/register.h"

#include "ops/registry.h"

namespace onyx {

void register_linalg_ops(KernelRegistry& r) {
  register_matmul(r);
  register_gemm(r);
  register_einsum(r);
  register_fused_matmul(r);
}

}  // namespace onyx
