// Registration entry points of the nn family's files.
#pragma once

namespace onyx {
class KernelRegistry;
void register_conv(KernelRegistry& r);
void register_conv_transpose(KernelRegistry& r);
void register_pool(KernelRegistry& r);
void register_global_pool(KernelRegistry& r);
void register_nchwc_ops(KernelRegistry& r);
void register_nhwc_pool(KernelRegistry& r);
}  // namespace onyx
