// The detection family: NonMaxSuppression and RoiAlign.
#include "ops/registry.h"

namespace onyx {

void register_non_max_suppression(KernelRegistry& r);
void register_roi_align(KernelRegistry& r);

void register_detection_ops(KernelRegistry& r) {
  register_non_max_suppression(r);
  register_roi_align(r);
}

}  // namespace onyx
