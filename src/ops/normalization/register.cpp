#include "ops/registry.h"

namespace onyx {

void register_softmax_kernels(KernelRegistry& r);              // softmax.cpp
void register_batch_norm_kernels(KernelRegistry& r);           // batch_norm.cpp
void register_instance_group_norm_kernels(KernelRegistry& r);  // instance_group_norm.cpp
void register_layer_norm_kernels(KernelRegistry& r);           // layer_norm.cpp
void register_add_layer_norm_kernels(KernelRegistry& r);       // add_layer_norm.cpp
void register_lrn_kernels(KernelRegistry& r);                  // lrn.cpp
void register_dropout_kernels(KernelRegistry& r);              // dropout.cpp

void register_normalization_ops(KernelRegistry& r) {
  register_softmax_kernels(r);
  register_batch_norm_kernels(r);
  register_instance_group_norm_kernels(r);
  register_layer_norm_kernels(r);
  register_add_layer_norm_kernels(r);
  register_lrn_kernels(r);
  register_dropout_kernels(r);
}

}  // namespace onyx
