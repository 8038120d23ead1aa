#include "ops/registry.h"

namespace onyx {

void register_pad(KernelRegistry& r);
void register_resize(KernelRegistry& r);
void register_depth_to_space(KernelRegistry& r);

void register_image_ops(KernelRegistry& r) {
  register_pad(r);
  register_resize(r);
  register_depth_to_space(r);
}

}  // namespace onyx
