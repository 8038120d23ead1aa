// The vision family: MaxUnpool, DeformConv, GridSample, AffineGrid, Col2Im, CenterCropPad and
// ImageDecoder (whose format decoders live in codecs/).
#include "ops/vision/register.h"

#include "ops/registry.h"

namespace onyx {

void register_vision_ops(KernelRegistry& r) {
  register_max_unpool(r);
  register_deform_conv(r);
  register_grid_sample(r);
  register_affine_grid(r);
  register_col2im(r);
  register_center_crop_pad(r);
  register_image_decoder(r);
}

}  // namespace onyx
