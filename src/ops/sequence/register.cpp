#include "ops/registry.h"

namespace onyx {

void register_sequence_basic(KernelRegistry& r);
void register_sequence_split_concat(KernelRegistry& r);
void register_sequence_optional(KernelRegistry& r);
void register_sequence_map(KernelRegistry& r);

void register_sequence_ops(KernelRegistry& r) {
  register_sequence_basic(r);
  register_sequence_split_concat(r);
  register_sequence_optional(r);
  register_sequence_map(r);
}

}  // namespace onyx
