// The vision family: MaxUnpool, DeformConv, GridSample and AffineGrid.
#include "ops/vision/register.h"

#include "ops/registry.h"

namespace onyx {

void register_vision_ops(KernelRegistry& r) {
  register_max_unpool(r);
  register_deform_conv(r);
  register_grid_sample(r);
  register_affine_grid(r);
}

}  // namespace onyx
