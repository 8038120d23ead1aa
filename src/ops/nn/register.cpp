// The nn family: convolutions and pooling.
#include "ops/nn/register.h"

#include "ops/registry.h"

namespace onyx {

void register_nn_ops(KernelRegistry& r) {
  register_conv(r);
  register_conv_transpose(r);
  register_pool(r);
  register_global_pool(r);
  register_nchwc_ops(r);
  register_nhwc_pool(r);
}

}  // namespace onyx
