// Registration entry points of the vision family's files.
#pragma once

namespace onyx {
class KernelRegistry;
void register_max_unpool(KernelRegistry& r);
void register_deform_conv(KernelRegistry& r);
void register_grid_sample(KernelRegistry& r);
void register_affine_grid(KernelRegistry& r);
void register_col2im(KernelRegistry& r);
void register_center_crop_pad(KernelRegistry& r);
void register_image_decoder(KernelRegistry& r);
}  // namespace onyx
