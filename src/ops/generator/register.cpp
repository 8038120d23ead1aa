#include "ops/registry.h"

namespace onyx {

void register_constant(KernelRegistry& r);
void register_range(KernelRegistry& r);
void register_one_hot(KernelRegistry& r);
void register_non_zero(KernelRegistry& r);
void register_top_k(KernelRegistry& r);
void register_cumulative(KernelRegistry& r);
void register_trilu(KernelRegistry& r);

void register_generator_ops(KernelRegistry& r) {
  register_constant(r);
  register_range(r);
  register_one_hot(r);
  register_non_zero(r);
  register_top_k(r);
  register_cumulative(r);
  register_trilu(r);
}

}  // namespace onyx
