#include "ops/registry.h"

namespace onyx {

void register_reduce_kernels(KernelRegistry& r);      // reduce_ops.cpp
void register_arg_reduce_kernels(KernelRegistry& r);  // arg_reduce.cpp

void register_reduce_ops(KernelRegistry& r) {
  register_reduce_kernels(r);
  register_arg_reduce_kernels(r);
}

}  // namespace onyx
