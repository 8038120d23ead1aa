// ImageDecoder: decodes one encoded image (a 1-D uint8 tensor holding a BMP, JPEG, JPEG 2000,
// PNG, PNM, TIFF or WebP file) to (H, W, 3) uint8 in RGB or BGR order, or (H, W, 1) gray.
//
// The format is detected from the data's signature (codecs/image_codecs.cpp); the decoders
// produce RGB and this kernel reorders or converts it. Gray is PIL's ITU-R 601-2 luma with the
// same fixed-point rounding (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16), which is what the
// conformance data was made with. The spec says undecodable data "returns an empty matrix";
// we return an InvalidArgument naming the format and the reason instead, so bad input is not
// mistaken for an empty image.
#include <cstring>

#include "ops/registry.h"
#include "ops/vision/codecs/image_codecs.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

enum class PixelFormat { kRGB, kBGR, kGray };

class ImageDecoder final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::string f, info.attr_string("pixel_format", "RGB"));
    if (f == "RGB") {
      format_ = PixelFormat::kRGB;
    } else if (f == "BGR") {
      format_ = PixelFormat::kBGR;
    } else if (f == "Grayscale") {
      format_ = PixelFormat::kGray;
    } else {
      return info.error(StatusCode::kInvalidGraph,
                        "pixel_format must be RGB, BGR or Grayscale, got '", f, "'");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* in, ctx.required_input(0));
    if (in->dtype() != DataType::kUInt8 || in->rank() != 1) {
      return ctx.invalid_argument("encoded_stream must be a 1-D uint8 tensor, got ",
                                  data_type_name(in->dtype()), " ", shape_to_string(in->shape()));
    }
    codecs::DecodedImage img;
    Status s = codecs::decode_image(in->data<uint8_t>(), static_cast<size_t>(in->numel()), img);
    if (!s.ok()) return ctx.error(s.code(), s.message());
    const int64_t n = img.height * img.width;
    const uint8_t* rgb = img.rgb.data();
    if (format_ == PixelFormat::kGray) {
      Tensor& y = ctx.allocate_output(0, DataType::kUInt8, {img.height, img.width, 1});
      uint8_t* out = y.data<uint8_t>();
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        out[i] = static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
      }
      return Status::OK();
    }
    Tensor& y = ctx.allocate_output(0, DataType::kUInt8, {img.height, img.width, 3});
    uint8_t* out = y.data<uint8_t>();
    if (format_ == PixelFormat::kRGB) {
      std::memcpy(out, rgb, static_cast<size_t>(n * 3));
    } else {
      for (int64_t i = 0; i < n; ++i) {
        out[3 * i] = rgb[3 * i + 2];
        out[3 * i + 1] = rgb[3 * i + 1];
        out[3 * i + 2] = rgb[3 * i];
      }
    }
    return Status::OK();
  }

 private:
  PixelFormat format_ = PixelFormat::kRGB;
};

}  // namespace

void register_image_decoder(KernelRegistry& r) {
  r.add_versions<ImageDecoder, TypeList<uint8_t>>("", "ImageDecoder", {20});
}

}  // namespace onyx
