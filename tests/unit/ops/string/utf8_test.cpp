// UTF-8 decoding, whitespace and the Unicode case tables of the string family (ops/string/utf8.h).
#include "ops/string/utf8.h"

#include <gtest/gtest.h>

namespace onyx::utf8 {
namespace {

TEST(StringUtf8, DecodesAndEncodesEveryLength) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";  // a é 中 😀
  size_t pos = 0;
  EXPECT_EQ(decode(s, pos), U'a');
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(decode(s, pos), U'\u00E9');
  EXPECT_EQ(pos, 3u);
  EXPECT_EQ(decode(s, pos), U'\u4E2D');
  EXPECT_EQ(pos, 6u);
  EXPECT_EQ(decode(s, pos), U'\U0001F600');
  EXPECT_EQ(pos, 10u);
  std::string out;
  for (char32_t cp : {U'a', U'\u00E9', U'\u4E2D', U'\U0001F600'}) append(out, cp);
  EXPECT_EQ(out, s);
  EXPECT_TRUE(valid(s));
  EXPECT_TRUE(valid(""));
}

TEST(StringUtf8, RejectsMalformedSequences) {
  for (const std::string& bad : {
           std::string("\x80"),              // stray continuation byte
           std::string("\xC3"),              // truncated
           std::string("\xE4\xB8"),          // truncated
           std::string("\xC3\x28"),          // continuation byte missing
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xE0\x80\xAF"),      // overlong '/'
           std::string("\xED\xA0\x80"),      // surrogate U+D800
           std::string("\xF4\x90\x80\x80"),  // past U+10FFFF
           std::string("\xFF"),
       }) {
    size_t pos = 0;
    EXPECT_EQ(decode(bad, pos), kInvalid) << "bytes of length " << bad.size();
    EXPECT_EQ(pos, 1u);  // skips one byte, so a caller can always make progress
    EXPECT_FALSE(valid(bad));
    EXPECT_FALSE(convert(bad, Case::kUpper).has_value());
  }
}

TEST(StringUtf8, SimpleCaseMappings) {
  EXPECT_EQ(map_case(U'a', Case::kUpper), U'A');
  EXPECT_EQ(map_case(U'Z', Case::kLower), U'z');
  EXPECT_EQ(map_case(U'1', Case::kUpper), U'1');
  EXPECT_EQ(map_case(U'\u00E9', Case::kUpper), U'\u00C9');  // é É
  EXPECT_EQ(map_case(U'\u00FF', Case::kUpper), U'\u0178');  // ÿ Ÿ
  EXPECT_EQ(map_case(U'\u0101', Case::kUpper), U'\u0100');  // ā Ā (an every-other-code-point run)
  EXPECT_EQ(map_case(U'\u0100', Case::kUpper), U'\u0100');
  EXPECT_EQ(map_case(U'\u0100', Case::kLower), U'\u0101');
  EXPECT_EQ(map_case(U'\u03C3', Case::kUpper), U'\u03A3');          // σ Σ
  EXPECT_EQ(map_case(U'\u03C2', Case::kUpper), U'\u03A3');          // final ς Σ
  EXPECT_EQ(map_case(U'\u0436', Case::kUpper), U'\u0416');          // ж Ж
  EXPECT_EQ(map_case(U'\u0561', Case::kUpper), U'\u0531');          // Armenian ա Ա
  EXPECT_EQ(map_case(U'\U00010428', Case::kUpper), U'\U00010400');  // Deseret, 4-byte
  EXPECT_EQ(map_case(U'\uFF41', Case::kUpper), U'\uFF21');          // fullwidth a
  // No one-to-one upper case: unchanged (the full mapping "SS" is not applied).
  EXPECT_EQ(map_case(U'\u00DF', Case::kUpper), U'\u00DF');
  EXPECT_EQ(map_case(U'\u4E2D', Case::kUpper), U'\u4E2D');
  EXPECT_EQ(map_case(U'\u0130', Case::kLower), U'i');  // İ i
}

TEST(StringUtf8, CaseFoldingMergesVariants) {
  EXPECT_EQ(map_case(U'\u03C2', Case::kFold), U'\u03C3');  // ς σ
  EXPECT_EQ(map_case(U'\u03A3', Case::kFold), U'\u03C3');  // Σ σ
  EXPECT_EQ(map_case(U'\u212A', Case::kFold), U'k');       // Kelvin sign
  EXPECT_EQ(map_case(U'\u017F', Case::kFold), U's');       // long s
  EXPECT_EQ(map_case(U'\u00B5', Case::kFold), U'\u03BC');  // micro sign μ
}

TEST(StringUtf8, TurkicTailoring) {
  const auto tr = Tailoring::kTurkic;
  EXPECT_EQ(map_case(U'i', Case::kUpper, tr), U'\u0130');
  EXPECT_EQ(map_case(U'I', Case::kLower, tr), U'\u0131');
  EXPECT_EQ(map_case(U'\u0131', Case::kUpper, tr), U'I');
  EXPECT_EQ(map_case(U'I', Case::kFold, tr), U'\u0131');
  EXPECT_EQ(map_case(U'\u0130', Case::kFold, tr), U'i');
  EXPECT_EQ(map_case(U'a', Case::kUpper, tr), U'A');
  EXPECT_EQ(*convert("istanbul", Case::kUpper, tr), "\xC4\xB0STANBUL");
  EXPECT_EQ(*convert("istanbul", Case::kUpper), "ISTANBUL");
}

TEST(StringUtf8, ConvertsStrings) {
  EXPECT_EQ(*convert("Hello, World!", Case::kUpper), "HELLO, WORLD!");
  EXPECT_EQ(*convert("Hello, World!", Case::kLower), "hello, world!");
  EXPECT_EQ(*convert("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82", Case::kUpper),
            "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2");  // привет ПРИВЕТ
  EXPECT_EQ(*convert("stra\xC3\x9F"
                     "e",
                     Case::kUpper),
            "STRA\xC3\x9F"
            "E");  // straße STRAßE
  EXPECT_EQ(*convert("", Case::kLower), "");
  EXPECT_EQ(*convert(std::string("a\0B", 3), Case::kLower), std::string("a\0b", 3));
}

TEST(StringUtf8, Whitespace) {
  for (char32_t cp :
       {U' ', U'\t', U'\n', U'\v', U'\f', U'\r', U'\x1C', U'\x1F', U'\u0085', U'\u00A0', U'\u1680',
        U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u202F', U'\u205F', U'\u3000'}) {
    EXPECT_TRUE(is_space(cp)) << static_cast<uint32_t>(cp);
  }
  for (char32_t cp : {U'a', U'\0', U'\x08', U'\x7F', U'\u200B', U'\u00E9', U'\uFEFF'}) {
    EXPECT_FALSE(is_space(cp)) << static_cast<uint32_t>(cp);
  }
}

}  // namespace
}  // namespace onyx::utf8
