// RegexFullMatch: whole-string matching with RE2 syntax over UTF-8, and the pattern errors that
// must stop session creation.
#include "string_test_util.h"

namespace onyx::test {
namespace {

using strings::expect_fails;
using strings::S;

NodeSpec regex(Value x, const std::string& pattern) {
  return NodeSpec{"RegexFullMatch", 20, {std::move(x)}, {attr_string("pattern", pattern)}};
}

TEST(RegexFullMatch, MatchesWholeStringsOnly) {
  expect_tensor<bool>(run_ok(regex(S({"b", "abc", "bb", ""}, {2, 2}), "b+")),
                      {true, false, true, false}, {2, 2});
  expect_tensor<bool>(run_ok(regex(S({"", "x"}, {2}), "")), {true, false}, {2});
  expect_tensor<bool>(run_ok(regex(S({"www.example.com", "www.bbc.co.uk", "wwwXexample.com"}, {3}),
                                   R"(www\.[\w.-]+\.\bcom\b)")),
                      {true, false, false}, {3});
  expect_tensor<bool>(run_ok(regex(S({"HeLLo", "help"}, {2}), "(?i)hello")), {true, false}, {2});
  expect_tensor<bool>(run_ok(regex(S({"2024-01-31", "2024-1-31"}, {2}), R"(\d{4}-\d{2}-\d{2})")),
                      {true, false}, {2});
}

TEST(RegexFullMatch, Utf8) {
  // "." is one code point, not one byte; \p{Greek} is a Unicode class.
  expect_tensor<bool>(run_ok(regex(S({"\xC3\xA9", "ab", "\xE4\xB8\xAD"}, {3}), ".")),
                      {true, false, true}, {3});
  expect_tensor<bool>(run_ok(regex(S({"\xCE\xB1\xCE\xB2\xCE\xB3", "abc"}, {2}), R"(\p{Greek}+)")),
                      {true, false}, {2});
}

TEST(RegexFullMatch, EmptyAndScalar) {
  expect_tensor<bool>(run_ok(regex(S({}, {2, 0}), "a")), {}, {2, 0});
  expect_tensor<bool>(run_ok(regex(S({"aaa"}, {}), "a*")), {true}, {});
}

TEST(RegexFullMatch, BadPatternsFailAtSessionCreation) {
  expect_fails(regex(S({"a"}, {1}), "(ab"), "is not a valid RE2 regular expression: missing )");
  // Perl look-ahead and back-references are not RE2 syntax.
  expect_fails(regex(S({"a"}, {1}), "(?=a)a"), "not a valid RE2");
  expect_fails(regex(S({"aa"}, {1}), R"((a)\1)"), "not a valid RE2");
  expect_fails(NodeSpec{"RegexFullMatch", 20, {S({"a"}, {1})}}, "pattern");
  expect_fails(regex(V(make<int64_t>({1}, {1})), "a"), "string");
}

}  // namespace
}  // namespace onyx::test
