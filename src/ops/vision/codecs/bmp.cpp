// BMP (Windows / OS/2 bitmaps), uncompressed only: 1/4/8-bit palette, 16/32-bit with default
// or explicit bit masks (BI_BITFIELDS / BI_ALPHABITFIELDS), 24-bit BGR; bottom-up or top-down.
// RLE and embedded JPEG/PNG are refused (NotImplemented). Every read is checked against the
// buffer: the header fields, the palette and all rows must lie inside it. Palette indices past
// the palette read black. Mask fields are scaled to 8 bits as PIL does (v * 255 / max, or the
// top 8 bits of wider fields).
#include <bit>
#include <cstring>
#include <vector>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool has(uint64_t off, uint64_t len) const { return off <= n_ && len <= n_ - off; }
  uint32_t u16(size_t off) const { return d_[off] | (d_[off + 1] << 8); }
  uint32_t u32(size_t off) const {
    return d_[off] | (d_[off + 1] << 8) | (d_[off + 2] << 16) |
           (static_cast<uint32_t>(d_[off + 3]) << 24);
  }
  const uint8_t* at(size_t off) const { return d_ + off; }

 private:
  const uint8_t* d_;
  size_t n_;
};

// One colour field of a 16/32-bit pixel.
struct Field {
  uint32_t mask = 0;
  int shift = 0, bits = 0;
  explicit Field(uint32_t m) : mask(m) {
    if (m == 0) return;
    shift = std::countr_zero(m);
    bits = std::popcount(m);
  }
  uint8_t get(uint32_t px) const {
    if (bits == 0) return 0;
    const uint32_t v = (px & mask) >> shift;
    if (bits >= 8) return static_cast<uint8_t>(v >> (bits - 8));
    return static_cast<uint8_t>(v * 255u / ((1u << bits) - 1));
  }
};

}  // namespace

Status decode_bmp(const uint8_t* data, size_t size, DecodedImage& out) {
  const Bytes b(data, size);
  if (!b.has(0, 18)) return InvalidArgument("BMP header is truncated");
  const uint32_t data_off = b.u32(10), hsize = b.u32(14);
  if ((hsize != 12 && (hsize < 40 || hsize > 124)) || !b.has(14, hsize)) {
    return InvalidArgument("BMP header size ", hsize, " is invalid or truncated");
  }
  int64_t w = 0, h = 0;
  uint32_t bpp = 0, compression = 0, colors = 0, entry = 4;
  bool top_down = false;
  uint64_t pal_off = 14 + static_cast<uint64_t>(hsize);
  if (hsize == 12) {  // OS/2 BITMAPCOREHEADER
    w = b.u16(18);
    h = b.u16(20);
    bpp = b.u16(24);
    entry = 3;
  } else {
    w = static_cast<int32_t>(b.u32(18));
    const int64_t hr = static_cast<int32_t>(b.u32(22));
    top_down = hr < 0;
    h = top_down ? -hr : hr;
    bpp = b.u16(28);
    compression = b.u32(30);
    colors = b.u32(46);
  }
  ONYX_RETURN_IF_ERROR(check_image_size(w, h, "BMP"));
  uint32_t masks[3] = {0, 0, 0};
  if (compression == 3 || compression == 6) {  // BI_BITFIELDS, BI_ALPHABITFIELDS
    if (bpp != 16 && bpp != 32)
      return InvalidArgument("BMP bit masks need 16 or 32 bits per pixel");
    // Masks sit inside V2+ headers, or follow a 40-byte header.
    if (hsize == 40) {
      if (!b.has(54, 12)) return InvalidArgument("BMP bit masks are truncated");
      pal_off += compression == 6 ? 16 : 12;
    }
    for (int i = 0; i < 3; ++i) masks[i] = b.u32(54 + 4 * static_cast<size_t>(i));
  } else if (compression == 0) {
    if (bpp == 16) {
      masks[0] = 0x7C00, masks[1] = 0x03E0, masks[2] = 0x001F;
    } else if (bpp == 32) {
      masks[0] = 0xFF0000, masks[1] = 0xFF00, masks[2] = 0xFF;
    }
  } else {
    return NotImplemented("BMP compression ", compression, " (RLE, JPEG or PNG) is not supported");
  }
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
    return InvalidArgument("BMP with ", bpp, " bits per pixel is not supported");
  }
  // Palette: BGR(x) entries, black past its end.
  std::vector<uint8_t> pal(256 * 3, 0);
  if (bpp <= 8) {
    uint32_t n = colors == 0 ? (1u << bpp) : std::min(colors, 1u << bpp);
    if (!b.has(pal_off, static_cast<uint64_t>(n) * entry))
      return InvalidArgument("BMP palette is truncated");
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t* p = b.at(pal_off + static_cast<uint64_t>(i) * entry);
      pal[3 * i] = p[2], pal[3 * i + 1] = p[1], pal[3 * i + 2] = p[0];
    }
  }
  const uint64_t stride = (static_cast<uint64_t>(w) * bpp + 31) / 32 * 4;
  if (!b.has(data_off, stride * static_cast<uint64_t>(h))) {
    return InvalidArgument("BMP pixel data is truncated (", size, " bytes for ", w, "x", h, "x",
                           bpp, " bits at offset ", data_off, ")");
  }
  ONYX_RETURN_IF_ERROR(allocate_image(out, w, h, "BMP"));
  const Field fr(masks[0]), fg(masks[1]), fb(masks[2]);
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* row = b.at(data_off + static_cast<uint64_t>(y) * stride);
    uint8_t* dst = out.rgb.data() + static_cast<size_t>((top_down ? y : h - 1 - y) * w * 3);
    for (int64_t x = 0; x < w; ++x, dst += 3) {
      if (bpp <= 8) {
        const int64_t bit = x * bpp;
        const uint32_t idx = (row[bit / 8] >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
        std::memcpy(dst, &pal[3 * idx], 3);
      } else if (bpp == 24) {
        const uint8_t* p = row + 3 * x;
        dst[0] = p[2], dst[1] = p[1], dst[2] = p[0];
      } else {
        const uint8_t* p = row + x * (bpp / 8);
        const uint32_t px = bpp == 16 ? static_cast<uint32_t>(p[0] | (p[1] << 8))
                                      : static_cast<uint32_t>(p[0] | (p[1] << 8) | (p[2] << 16)) |
                                            (static_cast<uint32_t>(p[3]) << 24);
        dst[0] = fr.get(px), dst[1] = fg.get(px), dst[2] = fb.get(px);
      }
    }
  }
  return Status::OK();
}

}  // namespace onyx::codecs
