// Image decoders behind ImageDecoder: each turns an encoded file held in memory into 8-bit RGB,
// rows top to bottom, pixels interleaved (H * W * 3 bytes).
//
// Every decoder validates the header's dimensions with check_image_size() before it allocates
// the image, refuses truncated or corrupt data with an InvalidArgument naming the format, and
// never reads outside [data, data + size). Gray sources are replicated to three channels and
// alpha is dropped (not composited), as PIL's conversion to RGB does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace onyx::codecs {

struct DecodedImage {
  int64_t height = 0, width = 0;
  std::vector<uint8_t> rgb;  // height * width * 3
};

// A read cursor over the encoded bytes for the libraries' I/O callbacks; `message` keeps the
// first error a library reports.
struct MemoryStream {
  const uint8_t* data = nullptr;
  size_t size = 0, pos = 0;
  char message[256] = {0};
  MemoryStream(const uint8_t* d, size_t n) : data(d), size(n) {}
  size_t left() const { return size - pos; }
  // Copies min(n, left()) bytes to `out` and advances; returns the count.
  size_t read(void* out, size_t n);
  // Keeps the first message only, without a trailing newline.
  void set_message(const char* text);
};

// Largest image accepted, in pixels (2^27: 134 megapixels, 402 MB as RGB).
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 27;

// OK when width x height is a plausible image size: both positive, at most kMaxImagePixels,
// and the RGB buffer fits the allocation limit. `format` names the decoder in the message.
Status check_image_size(int64_t width, int64_t height, const char* format);

// Sizes `img` for width x height after check_image_size().
Status allocate_image(DecodedImage& img, int64_t width, int64_t height, const char* format);

// Detects the format from the leading bytes and decodes.
Status decode_image(const uint8_t* data, size_t size, DecodedImage& out);

Status decode_jpeg(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_png(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_tiff(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_webp(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_jpeg2k(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_bmp(const uint8_t* data, size_t size, DecodedImage& out);
Status decode_pnm(const uint8_t* data, size_t size, DecodedImage& out);

}  // namespace onyx::codecs
