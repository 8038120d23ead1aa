// StringNormalizer: stop words (case-sensitive or not), case changes over UTF-8, the locale
// tailoring, the all-dropped shapes and the error cases.
#include "string_test_util.h"

namespace onyx::test {
namespace {

using strings::attr_strs;
using strings::expect_fails;
using strings::S;

NodeSpec normalizer(Value x, std::vector<ir::Attribute> attrs) {
  return NodeSpec{"StringNormalizer", 10, {std::move(x)}, std::move(attrs)};
}

TEST(StringNormalizer, DropsStopWordsCaseInsensitivelyByDefault) {
  expect_tensor<std::string>(run_ok(normalizer(S({"Monday", "tuesday", "MONDAY", "mondays"}, {4}),
                                               {attr_strs("stopwords", {"monday"})})),
                             {"tuesday", "mondays"}, {2});
  // Case-sensitive: only the exact spelling is a stop word.
  expect_tensor<std::string>(
      run_ok(normalizer(S({"Monday", "tuesday", "monday"}, {1, 3}),
                        {attr_strs("stopwords", {"monday"}), attr_int("is_case_sensitive", 1)})),
      {"Monday", "tuesday"}, {1, 2});
}

TEST(StringNormalizer, ChangesCase) {
  const Value x = S({"Hello", "wOrLd", "42!"}, {3});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "UPPER")})),
                             {"HELLO", "WORLD", "42!"}, {3});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "LOWER")})),
                             {"hello", "world", "42!"}, {3});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "NONE")})),
                             {"Hello", "wOrLd", "42!"}, {3});
  expect_tensor<std::string>(run_ok(normalizer(x, {})), {"Hello", "wOrLd", "42!"}, {3});
}

TEST(StringNormalizer, Utf8CaseChangesAndStopWords) {
  // привет, straße, éàü, 中文
  const Value x = S({"\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
                     "stra\xC3\x9F"
                     "e",
                     "\xC3\xA9\xC3\xA0\xC3\xBC", "\xE4\xB8\xAD\xE6\x96\x87"},
                    {4});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "UPPER")})),
                             {"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2",
                              "STRA\xC3\x9F"
                              "E",
                              "\xC3\x89\xC3\x80\xC3\x9C", "\xE4\xB8\xAD\xE6\x96\x87"},
                             {4});
  // ΣΟΦΊΑ matches the stop word σοφία; οδος (final ς) matches ΟΔΟΣ: case folding merges σ/ς.
  expect_tensor<std::string>(
      run_ok(normalizer(
          S({"\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x8A\xCE\x91", "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82", "x"},
            {3}),
          {attr_strs("stopwords", {"\xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1",
                                   "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"})})),
      {"x"}, {1});
}

TEST(StringNormalizer, Locale) {
  const Value x = S({"istanbul", "ISPARTA"}, {2});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "UPPER"),
                                                   attr_string("locale", "tr_TR.UTF-8")})),
                             {"\xC4\xB0STANBUL", "ISPARTA"}, {2});
  expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "LOWER"),
                                                   attr_string("locale", "tr-TR")})),
                             {"istanbul", "\xC4\xB1sparta"}, {2});
  for (const char* locale :
       {"en_US", "en_US.UTF-8", "en_US.utf8", "C", "C.UTF-8", "de_DE@euro", "fr"}) {
    expect_tensor<std::string>(run_ok(normalizer(x, {attr_string("case_change_action", "UPPER"),
                                                     attr_string("locale", locale)})),
                               {"ISTANBUL", "ISPARTA"}, {2});
  }
  expect_fails(normalizer(x, {attr_string("locale", "de_DE.ISO-8859-1")}), "only UTF-8");
  expect_fails(normalizer(x, {attr_string("locale", "not a locale")}), "not a locale name");
  expect_fails(normalizer(x, {attr_string("locale", "en_")}), "not a locale name");
}

TEST(StringNormalizer, EverythingDroppedLeavesOneEmptyString) {
  const auto stop = attr_strs("stopwords", {"a", "b"});
  expect_tensor<std::string>(run_ok(normalizer(S({"a", "B", "a"}, {3}), {stop})), {""}, {1});
  expect_tensor<std::string>(run_ok(normalizer(S({"a", "b"}, {1, 2}), {stop})), {""}, {1, 1});
  // An empty input has nothing left either.
  expect_tensor<std::string>(run_ok(normalizer(S({}, {0}), {stop})), {""}, {1});
  expect_tensor<std::string>(run_ok(normalizer(S({}, {1, 0}), {})), {""}, {1, 1});
  // An empty string that is not a stop word is kept as it is.
  expect_tensor<std::string>(run_ok(normalizer(S({"", "a"}, {2}), {stop})), {""}, {1});
}

TEST(StringNormalizer, InvalidUtf8) {
  const Value bad = S({"ok", "\xC3("}, {2});
  expect_fails(normalizer(bad, {attr_string("case_change_action", "UPPER")}),
               "X[1] is not valid UTF-8");
  expect_fails(normalizer(bad, {attr_strs("stopwords", {"x"})}), "X[1] is not valid UTF-8");
  expect_fails(normalizer(S({"a"}, {1}), {attr_strs("stopwords", {"\xFF"})}), "stop word");
  // Nothing to decode: bytes pass through.
  expect_tensor<std::string>(
      run_ok(normalizer(bad, {attr_strs("stopwords", {"ok"}), attr_int("is_case_sensitive", 1)})),
      {"\xC3("}, {1});
}

TEST(StringNormalizer, Errors) {
  expect_fails(normalizer(S({"a", "b"}, {2, 1}), {}), "[C] or [1, C]");
  expect_fails(normalizer(S({"a"}, {1, 1, 1}), {}), "[C] or [1, C]");
  expect_fails(normalizer(S({"a"}, {}), {}), "[C] or [1, C]");
  expect_fails(normalizer(S({"a"}, {1}), {attr_string("case_change_action", "lower")}),
               "case_change_action 'lower'");
  expect_fails(normalizer(V(make<int64_t>({1}, {1})), {}), "string");
}

}  // namespace
}  // namespace onyx::test
