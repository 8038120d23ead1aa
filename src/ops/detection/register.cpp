// The detection family: NonMaxSuppression, RoiAlign and MaxRoiPool.
#include "ops/registry.h"

namespace onyx {

void register_non_max_suppression(KernelRegistry& r);
void register_roi_align(KernelRegistry& r);
void register_max_roi_pool(KernelRegistry& r);

void register_detection_ops(KernelRegistry& r) {
  register_non_max_suppression(r);
  register_roi_align(r);
  register_max_roi_pool(r);
}

}  // namespace onyx
