#include "ops/registry.h"

namespace onyx {

void register_control_if(KernelRegistry& r);
void register_control_loop(KernelRegistry& r);
void register_control_scan(KernelRegistry& r);

void register_control_ops(KernelRegistry& r) {
  register_control_if(r);
  register_control_loop(r);
  register_control_scan(r);
}

}  // namespace onyx
