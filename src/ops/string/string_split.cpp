// StringSplit: splits every element of X on `delimiter` (at most `maxsplit` times, from the left).
// Y has X's shape plus one last dim, as long as the longest split, shorter splits padded with
// empty strings; Z holds each element's number of substrings.
//
// With a delimiter, consecutive delimiters delimit empty strings and "" splits into [""] (as
// Python's str.split(sep) and ONNX's reference do). Without one (unset or ""), runs of whitespace
// separate and leading/trailing whitespace is dropped, so "" and "  " give no substrings; the
// remainder after the last allowed split is trimmed on both sides, as the spec says.
#include <algorithm>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ops/registry.h"
#include "ops/string/register.h"
#include "ops/string/utf8.h"

namespace onyx {
namespace {

// The code point at s[pos] when it is whitespace: its byte length; else 0. Invalid UTF-8 bytes
// are not whitespace (they stay inside a substring).
size_t space_at(std::string_view s, size_t pos) {
  const auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return utf8::is_space(b) ? 1 : 0;
  size_t next = pos;
  const char32_t cp = utf8::decode(s, next);
  return cp != utf8::kInvalid && utf8::is_space(cp) ? next - pos : 0;
}

size_t skip_spaces(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    const size_t n = space_at(s, pos);
    if (n == 0) break;
    pos += n;
  }
  return pos;
}

// End of `s` with trailing whitespace removed (whitespace is decoded from the left so that a
// multi-byte space is never cut in the middle).
size_t trimmed_end(std::string_view s, size_t begin) {
  size_t end = begin;
  for (size_t pos = begin; pos < s.size();) {
    const size_t n = space_at(s, pos);
    if (n == 0) {
      size_t next = pos;
      utf8::decode(s, next);
      pos = next;
      end = pos;
    } else {
      pos += n;
    }
  }
  return end;
}

void split_whitespace(std::string_view s, int64_t maxsplit, std::vector<std::string_view>& out) {
  size_t pos = skip_spaces(s, 0);
  int64_t splits = 0;
  while (pos < s.size()) {
    if (splits == maxsplit) {
      out.push_back(s.substr(pos, trimmed_end(s, pos) - pos));
      return;
    }
    size_t end = pos;
    while (end < s.size() && space_at(s, end) == 0) {
      size_t next = end;
      utf8::decode(s, next);
      end = next;
    }
    out.push_back(s.substr(pos, end - pos));
    ++splits;
    pos = skip_spaces(s, end);
  }
}

void split_delimiter(std::string_view s, std::string_view delim, int64_t maxsplit,
                     std::vector<std::string_view>& out) {
  size_t pos = 0;
  for (int64_t splits = 0; splits != maxsplit; ++splits) {
    const size_t at = s.find(delim, pos);
    if (at == std::string_view::npos) break;
    out.push_back(s.substr(pos, at - pos));
    pos = at + delim.size();
  }
  out.push_back(s.substr(pos));
}

class StringSplit final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(delimiter_, info.attr_string("delimiter", ""));
    ONYX_ASSIGN_OR_RETURN(auto maxsplit, info.attr_optional_int("maxsplit"));
    // Unset or negative (Python's -1): as many splits as there are.
    maxsplit_ = maxsplit && *maxsplit >= 0 ? *maxsplit : -1;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kString) {
      return ctx.invalid_argument("X must be a string tensor, got ", data_type_name(x->dtype()));
    }
    const std::string* in = x->data<std::string>();
    const auto n = static_cast<size_t>(x->numel());
    // Substrings of all elements back to back, and where each element's run starts.
    std::vector<std::string_view> parts;
    std::vector<size_t> starts(n + 1, 0);
    int64_t longest = 0;
    for (size_t i = 0; i < n; ++i) {
      starts[i] = parts.size();
      if (delimiter_.empty()) {
        split_whitespace(in[i], maxsplit_, parts);
      } else {
        split_delimiter(in[i], delimiter_, maxsplit_, parts);
      }
      longest = std::max(longest, static_cast<int64_t>(parts.size() - starts[i]));
    }
    starts[n] = parts.size();
    Shape y_shape = x->shape();
    y_shape.push_back(longest);
    Tensor& y = ctx.allocate_output(0, DataType::kString, y_shape);
    std::string* out = y.data<std::string>();
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = starts[i]; k < starts[i + 1]; ++k) {
        out[i * static_cast<size_t>(longest) + (k - starts[i])] = std::string(parts[k]);
      }
    }
    if (ctx.output_requested(1)) {
      Tensor& z = ctx.allocate_output(1, DataType::kInt64, x->shape());
      for (size_t i = 0; i < n; ++i) {
        z.data<int64_t>()[i] = static_cast<int64_t>(starts[i + 1] - starts[i]);
      }
    }
    return Status::OK();
  }

 private:
  std::string delimiter_;
  int64_t maxsplit_ = -1;  // -1: unlimited
};

}  // namespace

void register_string_split(KernelRegistry& r) {
  r.add_versions<StringSplit, TypeList<std::string>>("", "StringSplit", {20});
}

}  // namespace onyx
