#include "ops/registry.h"

namespace onyx {

void register_math_ops(KernelRegistry& r) { (void)r; }

}  // namespace onyx
