// ImageDecoder: every format against PIL's decoding (image_samples.h), the three pixel
// formats, hand-made BMP/PNM variants, and hostile input: truncation at every length, random
// byte flips, absurd header dimensions, wrong tensor types.
#include <algorithm>
#include <random>
#include <string>

#include "image_samples.h"
#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec dec(const std::vector<uint8_t>& bytes, const std::string& format = "RGB") {
  NodeSpec s;
  s.op = "ImageDecoder";
  s.opset = 20;
  s.inputs = {V(make<uint8_t>(bytes, {static_cast<int64_t>(bytes.size())}))};
  s.attributes = {attr_string("pixel_format", format)};
  return s;
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

uint8_t luma(const uint8_t* p) {
  return static_cast<uint8_t>((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u + 0x8000u) >> 16);
}

TEST(ImageDecoder, MatchesPilForEveryFormat) {
  using image_samples::kHeight, image_samples::kWidth;
  for (const auto& s : image_samples::samples()) {
    SCOPED_TRACE(s.name);
    expect_tensor<uint8_t>(run_ok(dec(s.encoded)), s.rgb, {kHeight, kWidth, 3});
    std::vector<uint8_t> bgr = s.rgb, gray;
    for (size_t i = 0; i < s.rgb.size(); i += 3) {
      std::swap(bgr[i], bgr[i + 2]);
      gray.push_back(luma(&s.rgb[i]));
    }
    expect_tensor<uint8_t>(run_ok(dec(s.encoded, "BGR")), bgr, {kHeight, kWidth, 3});
    expect_tensor<uint8_t>(run_ok(dec(s.encoded, "Grayscale")), gray, {kHeight, kWidth, 1});
  }
}

void put16(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  v[at] = static_cast<uint8_t>(x), v[at + 1] = static_cast<uint8_t>(x >> 8);
}
void put32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[at + static_cast<size_t>(i)] = static_cast<uint8_t>(x >> (8 * i));
}

// A BMP with a 40-byte header, `extra` bytes (masks or palette) and rows of `stride` bytes.
std::vector<uint8_t> bmp(int32_t w, int32_t h, uint16_t bpp, uint32_t compression,
                         const std::vector<uint8_t>& extra, const std::vector<uint8_t>& pixels) {
  // Sized once and filled in place: GCC 12 reports a false -Warray-bounds on inserting an
  // empty range at the end of a 54-byte vector.
  std::vector<uint8_t> v(54 + extra.size() + pixels.size(), 0);
  v[0] = 'B', v[1] = 'M';
  put32(v, 2, static_cast<uint32_t>(54 + extra.size() + pixels.size()));
  put32(v, 10, static_cast<uint32_t>(54 + extra.size()));
  put32(v, 14, 40);
  put32(v, 18, static_cast<uint32_t>(w));
  put32(v, 22, static_cast<uint32_t>(h));
  put16(v, 26, 1);
  put16(v, 28, bpp);
  put32(v, 30, compression);
  std::copy(extra.begin(), extra.end(), v.begin() + 54);
  std::copy(pixels.begin(), pixels.end(), v.begin() + 54 + static_cast<ptrdiff_t>(extra.size()));
  return v;
}

TEST(ImageDecoder, BmpVariants) {
  // 16-bit 5-6-5 bit fields, top-down (negative height), 2x2: rows of 4 bytes.
  std::vector<uint8_t> masks(12);
  put32(masks, 0, 0xF800), put32(masks, 4, 0x07E0), put32(masks, 8, 0x001F);
  const std::vector<uint8_t> px = {0x00, 0xF8, 0xE0, 0x07,   // red, green
                                   0x1F, 0x00, 0x10, 0x84};  // blue, (16, 32, 16)
  // Fields scale as v * 255 / max, truncated (PIL gives the same 131, 129, 131).
  expect_tensor<uint8_t>(run_ok(dec(bmp(2, -2, 16, 3, masks, px))),
                         {255, 0, 0, 0, 255, 0, 0, 0, 255, 131, 129, 131}, {2, 2, 3});
  // 16-bit default 5-5-5, bottom-up: the first stored row is the bottom one.
  expect_tensor<uint8_t>(run_ok(dec(bmp(1, 2, 16, 0, {}, {0x00, 0x7C, 0, 0, 0x1F, 0x00, 0, 0}))),
                         {0, 0, 255, 255, 0, 0}, {2, 1, 3});
  // 32-bit BGRX and 1-bit with a two-colour palette (BGRx entries).
  expect_tensor<uint8_t>(run_ok(dec(bmp(1, 1, 32, 0, {}, {1, 2, 3, 99}))), {3, 2, 1}, {1, 1, 3});
  const std::vector<uint8_t> pal = {0, 0, 0, 0, 10, 20, 30, 0};
  expect_tensor<uint8_t>(run_ok(dec(bmp(3, 1, 1, 0, pal, {0xA0, 0, 0, 0}))),
                         {30, 20, 10, 0, 0, 0, 30, 20, 10}, {1, 3, 3});
  // Refused: RLE, 0 width, truncated rows, huge dimensions (before allocating).
  EXPECT_FALSE(run_node(dec(bmp(1, 1, 8, 1, pal, {0, 0, 0, 0}))).ok());
  EXPECT_FALSE(run_node(dec(bmp(0, 1, 24, 0, {}, {0, 0, 0, 0}))).ok());
  EXPECT_FALSE(run_node(dec(bmp(2, 2, 24, 0, {}, std::vector<uint8_t>(15)))).ok());
  const auto huge = run_node(dec(bmp(100000, 100000, 24, 0, {}, {})));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("larger than"), std::string::npos)
      << huge.status().message();
}

TEST(ImageDecoder, PnmVariants) {
  // Plain bitmap without separators, with a comment; 1 is black.
  expect_tensor<uint8_t>(run_ok(dec(bytes_of("P1\n# c\n3 1\n101"))),
                         {0, 0, 0, 255, 255, 255, 0, 0, 0}, {1, 3, 3});
  // Plain gray and colour maps, maxval 4 scaled with rounding (2 -> 128, 1 -> 64).
  expect_tensor<uint8_t>(run_ok(dec(bytes_of("P2 2 1 4 2 4"))), {128, 128, 128, 255, 255, 255},
                         {1, 2, 3});
  expect_tensor<uint8_t>(run_ok(dec(bytes_of("P3\n1 1\n4\n1 2 4\n"))), {64, 128, 255}, {1, 1, 3});
  // Raw bitmap: rows padded to whole bytes.
  expect_tensor<uint8_t>(run_ok(dec(bytes_of(std::string("P4 2 2\n") + '\x80' + '\x40'))),
                         {0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0}, {2, 2, 3});
  // Raw 16-bit gray: big-endian samples, 1000 of 1000 -> 255, 500 -> 128.
  expect_tensor<uint8_t>(run_ok(dec(bytes_of(std::string("P5 2 1 1000\n") + "\x03\xE8\x01\xF4"))),
                         {255, 255, 255, 128, 128, 128}, {1, 2, 3});
  EXPECT_FALSE(run_node(dec(bytes_of("P2 2 1 4 2 5"))).ok());            // above maxval
  EXPECT_FALSE(run_node(dec(bytes_of("P2 2 1 4 2"))).ok());              // short
  EXPECT_FALSE(run_node(dec(bytes_of("P6 2 1 255\nabc"))).ok());         // short raw data
  EXPECT_FALSE(run_node(dec(bytes_of("P5 1 1 70000\n\0\0"))).ok());      // maxval
  EXPECT_FALSE(run_node(dec(bytes_of("P6 100000 100000 255\n"))).ok());  // huge
  EXPECT_FALSE(run_node(dec(bytes_of("P6 99999999999999999999 1 255\n"))).ok());
}

TEST(ImageDecoder, HugeDimensionsAreRefusedBeforeDecoding) {
  const auto& all = image_samples::samples();
  auto find = [&](const char* name) -> std::vector<uint8_t> {
    for (const auto& s : all) {
      if (std::string(s.name) == name) return s.encoded;
    }
    ADD_FAILURE() << "no sample " << name;
    return {};
  };
  // JPEG: the SOF marker's height and width (big-endian) set to 65000 x 65000.
  std::vector<uint8_t> jpeg = find("jpeg_rgb");
  for (size_t i = 0; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {
      jpeg[i + 5] = jpeg[i + 7] = 0xFD;
      jpeg[i + 6] = jpeg[i + 8] = 0xE8;
      break;
    }
  }
  const auto rj = run_node(dec(jpeg));
  ASSERT_FALSE(rj.ok());
  EXPECT_NE(rj.status().message().find("JPEG image of 65000x65000"), std::string::npos)
      << rj.status().message();
  // WebP lossless: the 14-bit width and height fields after the VP8L signature all ones.
  std::vector<uint8_t> webp = find("webp_lossless");
  const char tag[] = "VP8L";
  auto it = std::search(webp.begin(), webp.end(), tag, tag + 4);
  ASSERT_NE(it, webp.end());
  const size_t at = static_cast<size_t>(it - webp.begin()) + 9;  // tag, size, 0x2F
  webp[at] = webp[at + 1] = webp[at + 2] = 0xFF;
  webp[at + 3] |= 0x0F;
  EXPECT_FALSE(run_node(dec(webp)).ok());
}

TEST(ImageDecoder, TruncatedAndCorruptDataNeverCrash) {
  std::mt19937 rng(12345);
  for (const auto& s : image_samples::samples()) {
    SCOPED_TRACE(s.name);
    const std::string name = s.name;
    // Formats whose every proper prefix must be refused (JPEG 2000 and TIFF may legitimately
    // decode a prefix: OpenJPEG accepts truncated codestreams, TIFF data may precede the IFD).
    const bool prefix_must_fail =
        name.rfind("jp2", 0) != 0 && name.rfind("j2k", 0) != 0 && name.rfind("tiff", 0) != 0;
    for (size_t n = 0; n < s.encoded.size(); ++n) {
      const std::vector<uint8_t> cut(s.encoded.begin(), s.encoded.begin() + static_cast<long>(n));
      auto r = run_node(dec(cut));
      if (prefix_must_fail) {
        EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
      } else if (r.ok()) {
        EXPECT_EQ((*r)[0].tensor().shape(),
                  (Shape{image_samples::kHeight, image_samples::kWidth, 3}));
      }
    }
    for (int round = 0; round < 150; ++round) {
      std::vector<uint8_t> v = s.encoded;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f)
        v[rng() % v.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      auto r = run_node(dec(v, "Grayscale"));
      if (r.ok()) {
        const Tensor& t = (*r)[0].tensor();
        ASSERT_EQ(t.rank(), 3u);
        EXPECT_EQ(t.dim(2), 1);
      }
    }
  }
}

TEST(ImageDecoder, Errors) {
  EXPECT_FALSE(run_node(dec({})).ok());
  EXPECT_FALSE(run_node(dec(bytes_of("GIF89a......"))).ok());  // unsupported format
  EXPECT_FALSE(run_node(dec(image_samples::samples()[0].encoded, "HSV")).ok());
  NodeSpec s = dec({1, 2, 3});
  s.inputs[0] = V(make<int8_t>({1, 2, 3}, {3}));
  EXPECT_FALSE(run_node(s).ok());
  s.inputs[0] = V(make<uint8_t>({1, 2, 3, 4}, {2, 2}));
  EXPECT_FALSE(run_node(s).ok());
}

}  // namespace
}  // namespace onyx::test
