// Format detection by signature and the size checks shared by the decoders.
#include "ops/vision/codecs/image_codecs.h"

#include <cstdio>
#include <cstring>

#include "core/tensor.h"

namespace onyx::codecs {

Status check_image_size(int64_t width, int64_t height, const char* format) {
  if (width <= 0 || height <= 0) {
    return InvalidArgument(format, " image has invalid dimensions ", width, "x", height);
  }
  if (width > kMaxImagePixels / height) {
    return InvalidArgument(format, " image of ", width, "x", height, " pixels is larger than the ",
                           kMaxImagePixels, " pixels accepted");
  }
  if (static_cast<size_t>(width * height) > max_allocation_bytes() / 4) {
    return InvalidArgument(format, " image of ", width, "x", height,
                           " pixels exceeds the memory limit");
  }
  return Status::OK();
}

Status allocate_image(DecodedImage& img, int64_t width, int64_t height, const char* format) {
  ONYX_RETURN_IF_ERROR(check_image_size(width, height, format));
  img.width = width;
  img.height = height;
  img.rgb.assign(static_cast<size_t>(width * height * 3), 0);
  return Status::OK();
}

size_t MemoryStream::read(void* out, size_t n) {
  const size_t k = n < left() ? n : left();
  if (k > 0) std::memcpy(out, data + pos, k);
  pos += k;
  return k;
}

void MemoryStream::set_message(const char* text) {
  if (message[0] != '\0') return;
  std::snprintf(message, sizeof message, "%s", text != nullptr ? text : "");
  const size_t len = std::strlen(message);
  if (len > 0 && message[len - 1] == '\n') message[len - 1] = '\0';
}

namespace {
bool starts_with(const uint8_t* data, size_t size, const char* sig, size_t n) {
  return size >= n && std::memcmp(data, sig, n) == 0;
}
}  // namespace

Status decode_image(const uint8_t* data, size_t size, DecodedImage& out) {
  if (starts_with(data, size, "\xFF\xD8\xFF", 3)) return decode_jpeg(data, size, out);
  if (starts_with(data, size, "\x89PNG\r\n\x1A\n", 8)) return decode_png(data, size, out);
  if (starts_with(data, size, "II*\0", 4) || starts_with(data, size, "MM\0*", 4)) {
    return decode_tiff(data, size, out);
  }
  if (starts_with(data, size, "RIFF", 4) && size >= 12 && std::memcmp(data + 8, "WEBP", 4) == 0) {
    return decode_webp(data, size, out);
  }
  if (starts_with(data, size, "\0\0\0\x0CjP  \r\n\x87\n", 12) ||
      starts_with(data, size, "\xFF\x4F\xFF\x51", 4)) {
    return decode_jpeg2k(data, size, out);
  }
  if (starts_with(data, size, "BM", 2)) return decode_bmp(data, size, out);
  if (size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6') {
    return decode_pnm(data, size, out);
  }
  return InvalidArgument("unrecognized image format (", size, " bytes; supported: BMP, JPEG, ",
                         "JPEG 2000, PNG, PNM, TIFF, WebP)");
}

}  // namespace onyx::codecs
