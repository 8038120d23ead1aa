// JPEG through libjpeg(-turbo), with its default (accurate integer IDCT, "fancy" chroma
// upsampling) decoding, which is what the ONNX spec prescribes and what PIL uses.
//
// libjpeg reports fatal errors through error_exit, which must not return: it longjmps back to
// decode_into(). Every object that must survive the jump (the decompressor, the error state)
// lives in JpegState in the caller's frame, and decode_into() keeps no locals that change
// after setjmp, so the jump skips no destructor and reads no clobbered variable. Warnings
// (corrupt or truncated data, which libjpeg would patch over with gray) are fatal too.
#include <csetjmp>
#include <cstdio>
#include <cstring>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

struct JpegState {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr err{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {0};
  Status failure;  // set by decode_into() when it refuses the image itself
  bool created = false;
  ~JpegState() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

JpegState* state_of(j_common_ptr c) {
  return static_cast<JpegState*>(c->client_data);
}

[[noreturn]] void on_error(j_common_ptr c) {
  JpegState* s = state_of(c);
  (*c->err->format_message)(c, s->message);
  std::longjmp(s->jump, 1);
}

void on_message(j_common_ptr c, int level) {
  if (level < 0) on_error(c);  // a warning: corrupt data
}

void on_output(j_common_ptr) {}

// 0 on success; 1 when libjpeg failed (message in s.message) or s.failure says why not.
int decode_into(JpegState& s, const uint8_t* data, size_t size, DecodedImage& out) {
  if (setjmp(s.jump) != 0) return 1;
  jpeg_create_decompress(&s.cinfo);
  s.created = true;
  jpeg_mem_src(&s.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&s.cinfo, TRUE);
  const J_COLOR_SPACE in = s.cinfo.jpeg_color_space;
  const bool cmyk = in == JCS_CMYK || in == JCS_YCCK;
  s.cinfo.out_color_space = in == JCS_GRAYSCALE ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
  // Checked before jpeg_start_decompress, which allocates buffers sized by the image.
  s.failure = check_image_size(s.cinfo.image_width, s.cinfo.image_height, "JPEG");
  if (!s.failure.ok()) return 1;
  jpeg_start_decompress(&s.cinfo);
  const auto w = static_cast<size_t>(s.cinfo.output_width);
  s.failure = allocate_image(out, s.cinfo.output_width, s.cinfo.output_height, "JPEG");
  if (!s.failure.ok()) return 1;
  // One decoded row, widest case (CMYK), before conversion to RGB.
  JSAMPARRAY row = (*s.cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&s.cinfo),
                                                JPOOL_IMAGE, static_cast<JDIMENSION>(w * 4), 1);
  const int comps = s.cinfo.output_components;
  // Adobe CMYK files store inverted values; then R = C' * K' / 255 with the stored C', K'.
  const bool inverted = s.cinfo.saw_Adobe_marker;
  while (s.cinfo.output_scanline < s.cinfo.output_height) {
    uint8_t* dst = out.rgb.data() + static_cast<size_t>(s.cinfo.output_scanline) * w * 3;
    jpeg_read_scanlines(&s.cinfo, row, 1);
    const JSAMPLE* src = row[0];
    for (size_t x = 0; x < w; ++x) {
      if (comps == 1) {
        dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
      } else if (comps == 3) {
        std::memcpy(dst + 3 * x, src + 3 * x, 3);
      } else {
        const JSAMPLE* p = src + 4 * x;
        for (int c = 0; c < 3; ++c) {
          const unsigned v = inverted ? p[c] : 255u - p[c];
          const unsigned k = inverted ? p[3] : 255u - p[3];
          dst[3 * x + static_cast<size_t>(c)] = static_cast<uint8_t>((v * k + 127) / 255);
        }
      }
    }
  }
  jpeg_finish_decompress(&s.cinfo);
  return 0;
}

}  // namespace

Status decode_jpeg(const uint8_t* data, size_t size, DecodedImage& out) {
  JpegState s;
  s.cinfo.client_data = &s;  // kept by jpeg_create_decompress
  s.cinfo.err = jpeg_std_error(&s.err);
  s.err.error_exit = on_error;
  s.err.emit_message = on_message;
  s.err.output_message = on_output;
  if (decode_into(s, data, size, out) != 0) {
    if (!s.failure.ok()) return s.failure;
    return InvalidArgument("JPEG decoding failed: ", s.message);
  }
  return Status::OK();
}

}  // namespace onyx::codecs
