// StringConcat (broadcasting, UTF-8, empty) and StringSplit (delimiters, whitespace, maxsplit,
// padding, shapes).
#include "string_test_util.h"

namespace onyx::test {
namespace {

using strings::expect_fails;
using strings::outputs;
using strings::S;

NodeSpec concat(Value x, Value y) {
  return NodeSpec{"StringConcat", 20, {std::move(x), std::move(y)}};
}

TEST(StringConcat, ElementwiseAndBroadcast) {
  expect_tensor<std::string>(run_ok(concat(S({"ab", ""}, {2}), S({"c", "d"}, {2}))), {"abc", "d"},
                             {2});
  // [2, 1] with [3]: every row prefix with every suffix.
  expect_tensor<std::string>(run_ok(concat(S({"x", "y"}, {2, 1}), S({"1", "2", "3"}, {3}))),
                             {"x1", "x2", "x3", "y1", "y2", "y3"}, {2, 3});
  expect_tensor<std::string>(run_ok(concat(S({"cat"}, {}), S({"s"}, {}))), {"cats"}, {});
  // 中 + 文, é + a: byte concatenation keeps UTF-8 intact.
  expect_tensor<std::string>(
      run_ok(concat(S({"\xE4\xB8\xAD", "\xC3\xA9"}, {2}), S({"\xE6\x96\x87", "a"}, {2}))),
      {"\xE4\xB8\xAD\xE6\x96\x87",
       "\xC3\xA9"
       "a"},
      {2});
}

TEST(StringConcat, EmptyAndErrors) {
  expect_tensor<std::string>(run_ok(concat(S({}, {0, 2}), S({"a"}, {1}))), {}, {0, 2});
  expect_fails(concat(S({"a", "b"}, {2}), S({"a", "b", "c"}, {3})), "StringConcat");
  expect_fails(concat(S({"a"}, {1}), V(make<int64_t>({1}, {1}))), "string");
}

NodeSpec split(Value x, std::vector<ir::Attribute> attrs) {
  return NodeSpec{"StringSplit", 20, {std::move(x)}, std::move(attrs), 2};
}

// Runs StringSplit and checks both outputs.
void expect_split(const NodeSpec& spec, const std::vector<std::string>& y, const Shape& y_shape,
                  const std::vector<int64_t>& z, const Shape& z_shape) {
  auto out = outputs(spec);
  ASSERT_EQ(out.size(), 2u);
  expect_tensor<std::string>(out[0].tensor(), y, y_shape);
  expect_tensor<int64_t>(out[1].tensor(), z, z_shape);
}

TEST(StringSplit, Delimiter) {
  expect_split(split(S({"a.b.c", "d", "e."}, {3}), {attr_string("delimiter", ".")}),
               {"a", "b", "c", "d", "", "", "e", "", ""}, {3, 3}, {3, 1, 2}, {3});
  // Multi-byte delimiter, consecutive delimiters delimit empty strings.
  expect_split(split(S({"1::2::::3", "::"}, {2}), {attr_string("delimiter", "::")}),
               {"1", "2", "", "3", "", "", "", ""}, {2, 4}, {4, 2}, {2});
  // A UTF-8 delimiter (→).
  expect_split(split(S({"a\xE2\x86\x92\xC3\xA9\xE2\x86\x92"}, {1}),
                     {attr_string("delimiter", "\xE2\x86\x92")}),
               {"a", "\xC3\xA9", ""}, {1, 3}, {3}, {1});
  // An empty string is one empty substring, as str.split(sep) gives.
  expect_split(split(S({"", "x"}, {2}), {attr_string("delimiter", ",")}), {"", "x"}, {2, 1}, {1, 1},
               {2});
}

TEST(StringSplit, Whitespace) {
  // Unset and "" both split on runs of whitespace and drop it at both ends.
  for (auto attrs : {std::vector<ir::Attribute>{}, {attr_string("delimiter", "")}}) {
    expect_split(split(S({" a\t\tb \n c ", "", "   ", "one"}, {2, 2}), attrs),
                 {"a", "b", "c", "", "", "", "", "", "", "one", "", ""}, {2, 2, 3}, {3, 0, 0, 1},
                 {2, 2});
  }
  // Unicode spaces (ideographic space, no-break space) separate too; invalid bytes do not.
  expect_split(split(S({"\xE4\xB8\xAD\xE3\x80\x80\xE6\x96\x87\xC2\xA0x", "a\xFF b"}, {2}), {}),
               {"\xE4\xB8\xAD", "\xE6\x96\x87", "x", "a\xFF", "b", ""}, {2, 3}, {3, 2}, {2});
}

TEST(StringSplit, MaxSplit) {
  const Value x = S({"a,b,c,d", "a"}, {2});
  expect_split(split(x, {attr_string("delimiter", ","), attr_int("maxsplit", 2)}),
               {"a", "b", "c,d", "a", "", ""}, {2, 3}, {3, 1}, {2});
  expect_split(split(x, {attr_string("delimiter", ","), attr_int("maxsplit", 0)}), {"a,b,c,d", "a"},
               {2, 1}, {1, 1}, {2});
  // Negative: unlimited, as Python's -1.
  expect_split(split(x, {attr_string("delimiter", ","), attr_int("maxsplit", -1)}),
               {"a", "b", "c", "d", "a", "", "", ""}, {2, 4}, {4, 1}, {2});
  // Whitespace: the remainder is trimmed on both sides.
  expect_split(split(S({"  the quick  brown fox  ", "   "}, {2}), {attr_int("maxsplit", 1)}),
               {"the", "quick  brown fox", "", ""}, {2, 2}, {2, 0}, {2});
  expect_split(split(S({"  a b  "}, {1}), {attr_int("maxsplit", 0)}), {"a b"}, {1, 1}, {1}, {1});
}

TEST(StringSplit, Shapes) {
  // A scalar gains one dim; Z stays a scalar.
  expect_split(split(S({"x y"}, {}), {}), {"x", "y"}, {2}, {2}, {});
  expect_split(split(S({}, {0}), {}), {}, {0, 0}, {}, {0});
  expect_split(split(S({}, {2, 0}), {attr_string("delimiter", ",")}), {}, {2, 0, 0}, {}, {2, 0});
  // Only Y requested.
  auto spec = split(S({"a b"}, {1}), {});
  spec.num_outputs = 1;
  expect_tensor<std::string>(run_ok(spec), {"a", "b"}, {1, 2});
  expect_fails(split(V(make<int64_t>({1}, {1})), {}), "string");
}

}  // namespace
}  // namespace onyx::test
