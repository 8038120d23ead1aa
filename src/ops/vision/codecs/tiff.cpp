// TIFF through libtiff, reading the first image (directory) from memory.
//
// TIFFReadRGBAImageOriented converts every photometric/compression/bit-depth combination libtiff
// understands to 8-bit RGBA, top row first; alpha is then dropped. Errors and warnings go to
// per-handle handlers (libtiff 4.5 TIFFOpenOptions), so concurrent decodes do not share state
// and nothing is printed. libtiff's own allocations are capped, and the image size is checked
// before the raster is allocated.
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <vector>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

using Memory = MemoryStream;

tmsize_t on_read(thandle_t h, void* buf, tmsize_t n) {
  if (n <= 0) return 0;
  return static_cast<tmsize_t>(static_cast<Memory*>(h)->read(buf, static_cast<size_t>(n)));
}

tmsize_t on_write(thandle_t, void*, tmsize_t) {
  return 0;
}

toff_t on_seek(thandle_t h, toff_t off, int whence) {
  auto* m = static_cast<Memory*>(h);
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
    return static_cast<toff_t>(-1);
  const toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  // Offsets are unsigned: a "negative" relative seek wraps; refuse anything past the end.
  const toff_t target = base + off;
  if (target > m->size) return static_cast<toff_t>(-1);
  m->pos = target;
  return target;
}

int on_close(thandle_t) {
  return 0;
}
toff_t on_size(thandle_t h) {
  return static_cast<Memory*>(h)->size;
}
int on_map(thandle_t, void**, toff_t*) {
  return 0;
}
void on_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char text[200], line[256];
  std::vsnprintf(text, sizeof text, fmt, ap);
  std::snprintf(line, sizeof line, "%s: %s", module != nullptr ? module : "", text);
  static_cast<Memory*>(user)->set_message(line);
  return 1;  // handled: libtiff's global handler is not called
}

int on_warning(TIFF*, void*, const char*, const char*, va_list) {
  return 1;
}

}  // namespace

Status decode_tiff(const uint8_t* data, size_t size, DecodedImage& out) {
  Memory m{data, size};
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  if (opts == nullptr) return RuntimeError("TIFF: cannot create the decoder");
  TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &m);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &m);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts, static_cast<tmsize_t>(1) << 30);
  // "m": no memory mapping (the callbacks say there is none anyway).
  TIFF* tif = TIFFClientOpenExt("memory", "rm", &m, on_read, on_write, on_seek, on_close, on_size,
                                on_map, on_unmap, opts);
  TIFFOpenOptionsFree(opts);
  if (tif == nullptr) return InvalidArgument("TIFF decoding failed: ", m.message);
  struct Closer {
    TIFF* t;
    ~Closer() { TIFFClose(t); }
  } closer{tif};
  uint32_t w = 0, h = 0;
  if (TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) != 1 ||
      TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) != 1) {
    return InvalidArgument("TIFF image has no dimensions");
  }
  ONYX_RETURN_IF_ERROR(check_image_size(w, h, "TIFF"));
  char why[1024] = {0};
  if (TIFFRGBAImageOK(tif, why) != 1) {
    return InvalidArgument("TIFF image cannot be converted to RGB: ", why);
  }
  std::vector<uint32_t> raster(static_cast<size_t>(w) * h);
  if (TIFFReadRGBAImageOriented(tif, w, h, raster.data(), ORIENTATION_TOPLEFT, 1) != 1) {
    return InvalidArgument("TIFF decoding failed: ", m.message);
  }
  ONYX_RETURN_IF_ERROR(allocate_image(out, w, h, "TIFF"));
  for (size_t i = 0; i < raster.size(); ++i) {
    out.rgb[3 * i] = static_cast<uint8_t>(TIFFGetR(raster[i]));
    out.rgb[3 * i + 1] = static_cast<uint8_t>(TIFFGetG(raster[i]));
    out.rgb[3 * i + 2] = static_cast<uint8_t>(TIFFGetB(raster[i]));
  }
  return Status::OK();
}

}  // namespace onyx::codecs
