// PNM (Netpbm): P1/P4 bitmaps, P2/P5 gray maps and P3/P6 pix maps, plain (ASCII) or raw,
// maxval 1..65535 (two big-endian bytes per raw sample above 255). Samples are scaled to 8 bits
// by rounding v * 255 / maxval, as PIL does; bitmaps give 0 (1 = black) or 255. The header is
// parsed with bounds checks, values above maxval and short data are errors.
#include <cctype>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

class Cursor {
 public:
  Cursor(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  size_t pos() const { return pos_; }
  size_t left() const { return n_ - pos_; }
  const uint8_t* here() const { return d_ + pos_; }
  void skip_space() {  // whitespace and '#' comments up to the end of the line
    while (pos_ < n_) {
      if (d_[pos_] == '#') {
        while (pos_ < n_ && d_[pos_] != '\n' && d_[pos_] != '\r') ++pos_;
      } else if (std::isspace(d_[pos_]) != 0) {
        ++pos_;
      } else {
        break;
      }
    }
  }
  // A decimal number; false when there is none or it exceeds `max`.
  bool number(int64_t max, int64_t& v) {
    skip_space();
    if (pos_ >= n_ || std::isdigit(d_[pos_]) == 0) return false;
    v = 0;
    while (pos_ < n_ && std::isdigit(d_[pos_]) != 0) {
      v = v * 10 + (d_[pos_++] - '0');
      if (v > max) return false;
    }
    return true;
  }
  // P1 allows digits without separators: one 0/1 digit.
  bool bit(int64_t& v) {
    skip_space();
    if (pos_ >= n_ || (d_[pos_] != '0' && d_[pos_] != '1')) return false;
    v = d_[pos_++] - '0';
    return true;
  }
  bool single_space() {
    if (pos_ >= n_ || std::isspace(d_[pos_]) == 0) return false;
    ++pos_;
    return true;
  }

 private:
  const uint8_t* d_;
  size_t n_, pos_ = 2;  // after the magic number
};

}  // namespace

Status decode_pnm(const uint8_t* data, size_t size, DecodedImage& out) {
  const int kind = data[1] - '0';  // 1..6, checked by the caller
  const bool bitmap = kind == 1 || kind == 4, raw = kind >= 4;
  const int channels = (kind == 3 || kind == 6) ? 3 : 1;
  Cursor c(data, size);
  int64_t w = 0, h = 0, maxval = 1;
  if (!c.number(kMaxImagePixels, w) || !c.number(kMaxImagePixels, h) ||
      (!bitmap && !c.number(65535, maxval))) {
    return InvalidArgument("PNM header is invalid or truncated");
  }
  if (maxval < 1) return InvalidArgument("PNM maxval must be at least 1");
  ONYX_RETURN_IF_ERROR(check_image_size(w, h, "PNM"));
  if (raw && !c.single_space()) return InvalidArgument("PNM header is invalid or truncated");
  const auto n = static_cast<size_t>(w * h);
  const int bps = maxval > 255 ? 2 : 1;
  {
    // Raw data has an exact size; plain data needs at least one character per sample, which
    // refuses a huge header on a short file before the image is allocated.
    const size_t need = !raw        ? n * static_cast<size_t>(channels)
                        : kind == 4 ? static_cast<size_t>((w + 7) / 8 * h)
                                    : n * static_cast<size_t>(channels * bps);
    if (c.left() < need) {
      return InvalidArgument("PNM pixel data is truncated (", c.left(), " of ", need, " bytes)");
    }
  }
  ONYX_RETURN_IF_ERROR(allocate_image(out, w, h, "PNM"));
  auto scale = [maxval](int64_t v) {
    return static_cast<uint8_t>(maxval == 255 ? v : (v * 255 + maxval / 2) / maxval);
  };
  const uint8_t* p = c.here();
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < channels; ++k) {
      int64_t v = 0;
      if (kind == 4) {
        const size_t x = i % static_cast<size_t>(w), y = i / static_cast<size_t>(w);
        v = (p[y * static_cast<size_t>((w + 7) / 8) + x / 8] >> (7 - x % 8)) & 1;
      } else if (raw) {
        const size_t at =
            (i * static_cast<size_t>(channels) + static_cast<size_t>(k)) * static_cast<size_t>(bps);
        v = bps == 2 ? (p[at] << 8) | p[at + 1] : p[at];
      } else if (!(kind == 1 ? c.bit(v) : c.number(65535, v))) {
        return InvalidArgument("PNM pixel data is invalid or truncated at sample ", i);
      }
      if (bitmap) {
        v = v != 0 ? 0 : 255;  // 1 is black
      } else if (v > maxval) {
        return InvalidArgument("PNM sample ", v, " exceeds maxval ", maxval);
      } else {
        v = scale(v);
      }
      const uint8_t u = static_cast<uint8_t>(v);
      if (channels == 1) {
        out.rgb[3 * i] = out.rgb[3 * i + 1] = out.rgb[3 * i + 2] = u;
      } else {
        out.rgb[3 * i + static_cast<size_t>(k)] = u;
      }
    }
  }
  return Status::OK();
}

}  // namespace onyx::codecs
