// The misc family: losses, Unique/Compress/ReverseSequence, Det, normalizations,
// BitCast, random generators, the preview-training optimizers and Gradient.
#include "ops/registry.h"

namespace onyx {

void register_loss(KernelRegistry& r);
void register_unique(KernelRegistry& r);
void register_compress(KernelRegistry& r);
void register_det(KernelRegistry& r);
void register_reverse_sequence(KernelRegistry& r);
void register_normalization(KernelRegistry& r);
void register_bit_cast(KernelRegistry& r);
void register_random(KernelRegistry& r);
void register_training(KernelRegistry& r);
void register_gradient(KernelRegistry& r);

void register_misc_ops(KernelRegistry& r) {
  register_loss(r);
  register_unique(r);
  register_compress(r);
  register_det(r);
  register_reverse_sequence(r);
  register_normalization(r);
  register_bit_cast(r);
  register_random(r);
  register_training(r);
  register_gradient(r);
}

}  // namespace onyx
