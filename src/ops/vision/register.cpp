// The vision family: MaxUnpool and DeformConv.
#include "ops/vision/register.h"

#include "ops/registry.h"

namespace onyx {

void register_vision_ops(KernelRegistry& r) {
  register_max_unpool(r);
  register_deform_conv(r);
}

}  // namespace onyx
