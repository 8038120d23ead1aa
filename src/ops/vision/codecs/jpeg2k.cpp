// JPEG 2000 (JP2 files and raw J2K codestreams) through OpenJPEG, read from memory.
//
// The header gives the canvas size and components, checked before opj_decode allocates tiles.
// Accepted: 1-2 components (gray, gray + alpha) or 3-4 (RGB, RGBA) in an RGB-like colour space,
// all at full resolution (no subsampling), up to 16 bits; alpha is dropped. Samples are moved
// to unsigned and scaled to 8 bits (shifted down when wider, stretched when narrower). OpenJPEG
// reports errors through a per-codec callback, so nothing is printed.
#include <openjpeg.h>

#include <algorithm>

#include "ops/vision/codecs/image_codecs.h"

namespace onyx::codecs {
namespace {

using Memory = MemoryStream;

OPJ_SIZE_T on_read(void* buf, OPJ_SIZE_T n, void* user) {
  auto* m = static_cast<Memory*>(user);
  if (m->left() == 0) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  return m->read(buf, n);
}

OPJ_OFF_T on_skip(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<Memory*>(user);
  if (n < 0) {
    const size_t back = std::min(static_cast<size_t>(-n), m->pos);
    m->pos -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const size_t k = std::min(static_cast<size_t>(n), m->size - m->pos);
  m->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL on_seek(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<Memory*>(user);
  if (n < 0 || static_cast<size_t>(n) > m->size) return OPJ_FALSE;
  m->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

void on_error(const char* msg, void* user) {
  static_cast<Memory*>(user)->set_message(msg);
}

void on_quiet(const char*, void*) {}

struct Handles {
  opj_codec_t* codec = nullptr;
  opj_stream_t* stream = nullptr;
  opj_image_t* image = nullptr;
  ~Handles() {
    if (image != nullptr) opj_image_destroy(image);
    if (stream != nullptr) opj_stream_destroy(stream);
    if (codec != nullptr) opj_destroy_codec(codec);
  }
};

}  // namespace

Status decode_jpeg2k(const uint8_t* data, size_t size, DecodedImage& out) {
  Memory m{data, size};
  const bool jp2 = size >= 4 && data[0] == 0 && data[1] == 0;  // a box, not FF 4F
  Handles h;
  h.codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
  if (h.codec == nullptr) return RuntimeError("JPEG 2000: cannot create the decoder");
  opj_set_error_handler(h.codec, on_error, &m);
  opj_set_warning_handler(h.codec, on_quiet, nullptr);
  opj_set_info_handler(h.codec, on_quiet, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (opj_setup_decoder(h.codec, &params) == OPJ_FALSE) {
    return InvalidArgument("JPEG 2000 decoder setup failed: ", m.message);
  }
  h.stream = opj_stream_create(64 * 1024, OPJ_TRUE);
  if (h.stream == nullptr) return RuntimeError("JPEG 2000: cannot create the stream");
  opj_stream_set_user_data(h.stream, &m, nullptr);
  opj_stream_set_user_data_length(h.stream, size);
  opj_stream_set_read_function(h.stream, on_read);
  opj_stream_set_skip_function(h.stream, on_skip);
  opj_stream_set_seek_function(h.stream, on_seek);
  if (opj_read_header(h.stream, h.codec, &h.image) == OPJ_FALSE || h.image == nullptr) {
    return InvalidArgument("JPEG 2000 header is invalid: ", m.message);
  }
  const opj_image_t& img = *h.image;
  if (img.x1 <= img.x0 || img.y1 <= img.y0) return InvalidArgument("JPEG 2000 image is empty");
  const int64_t w = static_cast<int64_t>(img.x1) - img.x0,
                ht = static_cast<int64_t>(img.y1) - img.y0;
  ONYX_RETURN_IF_ERROR(check_image_size(w, ht, "JPEG 2000"));
  const OPJ_UINT32 nc = img.numcomps;
  if (nc < 1 || nc > 4) {
    return InvalidArgument("JPEG 2000 image has ", nc, " components (1 to 4 are supported)");
  }
  if (img.color_space != OPJ_CLRSPC_UNKNOWN && img.color_space != OPJ_CLRSPC_UNSPECIFIED &&
      img.color_space != OPJ_CLRSPC_SRGB && img.color_space != OPJ_CLRSPC_GRAY) {
    return InvalidArgument("JPEG 2000 colour space ", static_cast<int>(img.color_space),
                           " is not supported (only RGB and gray)");
  }
  const OPJ_UINT32 used = nc >= 3 ? 3 : 1;
  for (OPJ_UINT32 c = 0; c < used; ++c) {
    const opj_image_comp_t& comp = img.comps[c];
    if (comp.dx != 1 || comp.dy != 1) {
      return InvalidArgument("JPEG 2000 subsampled components are not supported");
    }
    if (comp.prec < 1 || comp.prec > 16) {
      return InvalidArgument("JPEG 2000 component precision ", comp.prec, " is not supported");
    }
  }
  if (opj_decode(h.codec, h.stream, h.image) == OPJ_FALSE ||
      opj_end_decompress(h.codec, h.stream) == OPJ_FALSE) {
    return InvalidArgument("JPEG 2000 decoding failed: ", m.message);
  }
  ONYX_RETURN_IF_ERROR(allocate_image(out, w, ht, "JPEG 2000"));
  for (OPJ_UINT32 c = 0; c < used; ++c) {
    const opj_image_comp_t& comp = img.comps[c];
    if (comp.data == nullptr || comp.w != static_cast<OPJ_UINT32>(w) ||
        comp.h != static_cast<OPJ_UINT32>(ht)) {
      return InvalidArgument("JPEG 2000 component ", c, " does not cover the image");
    }
  }
  const auto n = static_cast<size_t>(w * ht);
  for (OPJ_UINT32 c = 0; c < 3; ++c) {
    const opj_image_comp_t& comp = img.comps[used == 3 ? c : 0];
    const int prec = static_cast<int>(comp.prec);
    const int64_t bias = comp.sgnd != 0 ? int64_t{1} << (prec - 1) : 0;
    const int64_t maxv = (int64_t{1} << prec) - 1;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = std::clamp<int64_t>(static_cast<int64_t>(comp.data[i]) + bias, 0, maxv);
      v = prec >= 8 ? v >> (prec - 8) : (v * 255 + maxv / 2) / maxv;
      out.rgb[3 * i + c] = static_cast<uint8_t>(v);
    }
  }
  return Status::OK();
}

}  // namespace onyx::codecs
