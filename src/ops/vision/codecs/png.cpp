// PNG through libpng's progressive-free "low level" reader, with transforms that give 8-bit RGB
// the way PIL converts: palette expanded, 16-bit samples cut to their high byte, alpha (and
// tRNS) dropped, gray replicated. gAMA/iCCP are ignored, like PIL does (libpng's simplified API
// would apply them, so it is not used).
//
// libpng reports errors by longjmp to png_jmpbuf: the structs live in PngState in the caller's
// frame and decode_into() reads no local after the jump (see jpeg.cpp for the same pattern).
// Reading past the end of the buffer is a libpng error (truncated file), never a read outside.
#include <png.h>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

struct PngState {
  explicit PngState(const uint8_t* data, size_t size) : in(data, size) {}
  MemoryStream in;
  png_structp png = nullptr;
  png_infop info = nullptr;
  Status failure;
  ~PngState() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

void on_error(png_structp png, png_const_charp msg) {
  static_cast<PngState*>(png_get_error_ptr(png))->in.set_message(msg);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (e.g. odd ancillary chunks)

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > s->in.left()) png_error(png, "truncated PNG data");
  s->in.read(out, n);
}

int decode_into(PngState& s, DecodedImage& out) {
  if (setjmp(png_jmpbuf(s.png)) != 0) return 1;
  png_set_read_fn(s.png, &s, on_read);
  // libpng refuses larger headers itself; check_image_size() below is the real bound.
  png_set_user_limits(s.png, 1u << 24, 1u << 24);
  png_read_info(s.png, s.info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0;
  png_get_IHDR(s.png, s.info, &w, &h, &depth, &color, nullptr, nullptr, nullptr);
  s.failure = check_image_size(w, h, "PNG");
  if (!s.failure.ok()) return 1;
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(s.png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(s.png);
  if (depth == 16) png_set_strip_16(s.png);
  // Palette expansion turns tRNS into an alpha channel; strip that one too.
  if ((color & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(s.png, s.info, PNG_INFO_tRNS) != 0) {
    png_set_strip_alpha(s.png);
  }
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_gray_to_rgb(s.png);
  }
  const int passes = png_set_interlace_handling(s.png);
  png_read_update_info(s.png, s.info);
  if (png_get_rowbytes(s.png, s.info) != static_cast<size_t>(w) * 3) {
    png_error(s.png, "unexpected row layout after conversion to RGB");
  }
  s.failure = allocate_image(out, w, h, "PNG");
  if (!s.failure.ok()) return 1;
  for (int p = 0; p < passes; ++p) {
    for (png_uint_32 y = 0; y < h; ++y) {
      png_read_row(s.png, out.rgb.data() + static_cast<size_t>(y) * w * 3, nullptr);
    }
  }
  png_read_end(s.png, nullptr);
  return 0;
}

}  // namespace

Status decode_png(const uint8_t* data, size_t size, DecodedImage& out) {
  PngState s(data, size);
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
  if (s.png == nullptr) return RuntimeError("PNG: cannot create the decoder");
  s.info = png_create_info_struct(s.png);
  if (s.info == nullptr) return RuntimeError("PNG: cannot create the decoder");
  if (decode_into(s, out) != 0) {
    if (!s.failure.ok()) return s.failure;
    return InvalidArgument("PNG decoding failed: ", s.in.message);
  }
  return Status::OK();
}

}  // namespace onyx::codecs
