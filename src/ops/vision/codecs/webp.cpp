// WebP (lossy and lossless still images) through libwebp: the header gives the size, which is
// checked before the RGB buffer is allocated, then libwebp decodes straight into it (its
// default, "fancy" chroma upsampling, as PIL uses). Animated files are refused by libwebp.
#include <webp/decode.h>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {

Status decode_webp(const uint8_t* data, size_t size, DecodedImage& out) {
  int w = 0, h = 0;
  if (WebPGetInfo(data, size, &w, &h) == 0) return InvalidArgument("WebP header is invalid");
  ONYX_RETURN_IF_ERROR(allocate_image(out, w, h, "WebP"));
  const int stride = w * 3;
  if (WebPDecodeRGBInto(data, size, out.rgb.data(), out.rgb.size(), stride) == nullptr) {
    return InvalidArgument("WebP decoding failed (corrupt, truncated or animated data)");
  }
  return Status::OK();
}

}  // namespace onyx::codecs
