// The tensor family: shape and indexing ops.
#include "ops/registry.h"

namespace onyx {

void register_reshape_ops(KernelRegistry& r);
void register_transpose(KernelRegistry& r);
void register_concat_split(KernelRegistry& r);
void register_slice(KernelRegistry& r);
void register_gather(KernelRegistry& r);
void register_gather_nd(KernelRegistry& r);
void register_scatter(KernelRegistry& r);
void register_expand_tile(KernelRegistry& r);
void register_shape_size(KernelRegistry& r);

void register_tensor_ops(KernelRegistry& r) {
  register_reshape_ops(r);
  register_transpose(r);
  register_concat_split(r);
  register_slice(r);
  register_gather(r);
  register_gather_nd(r);
  register_scatter(r);
  register_expand_tile(r);
  register_shape_size(r);
}

}  // namespace onyx
