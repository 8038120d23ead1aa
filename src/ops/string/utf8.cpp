#include "ops/string/utf8.h"

#include <algorithm>
#include <iterator>

namespace onyx::utf8 {
namespace {

struct CaseRange {
  uint32_t first;
  uint32_t last;
  int32_t delta;
  uint32_t stride;
};

#include "ops/string/unicode_case_data.inc"

template <size_t N>
char32_t lookup(const CaseRange (&table)[N], char32_t cp) {
  // The last range whose first code point is <= cp is the only one that can hold it.
  const CaseRange* it =
      std::upper_bound(std::begin(table), std::end(table), cp,
                       [](char32_t v, const CaseRange& r) { return v < r.first; });
  if (it == std::begin(table)) return cp;
  --it;
  if (cp > it->last || (cp - it->first) % it->stride != 0) return cp;
  return static_cast<char32_t>(static_cast<int64_t>(cp) + it->delta);
}

}  // namespace

char32_t decode(std::string_view s, size_t& pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  size_t len;
  char32_t cp;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++pos;  // a continuation byte or 0xF8..0xFF cannot start a sequence
    return kInvalid;
  }
  if (s.size() - pos < len) {
    ++pos;
    return kInvalid;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return kInvalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kInvalid;
  }
  pos += len;
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool valid(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    if (decode(s, pos) == kInvalid) return false;
  }
  return true;
}

bool is_space(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

char32_t map_case(char32_t cp, Case c, Tailoring t) {
  if (t == Tailoring::kTurkic) {
    // Turkish and Azeri pair dotted i with dotted capital I and dotless ı with plain I.
    switch (cp) {
      case U'i':
        return c == Case::kUpper ? U'\u0130' : cp;
      case U'I':
        return c == Case::kUpper ? cp : U'\u0131';
      case U'\u0130':
        return c == Case::kUpper ? cp : U'i';
      case U'\u0131':
        return c == Case::kUpper ? U'I' : cp;
      default:
        break;
    }
  }
  switch (c) {
    case Case::kUpper:
      return lookup(kUpperRanges, cp);
    case Case::kLower:
      return lookup(kLowerRanges, cp);
    case Case::kFold:
      return lookup(kFoldRanges, cp);
  }
  return cp;
}

std::optional<std::string> convert(std::string_view s, Case c, Tailoring t) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    const auto b = static_cast<unsigned char>(s[pos]);
    if (b < 0x80 && t == Tailoring::kNone) {
      // ASCII fast path: the tables agree with this for every ASCII letter.
      char ch = static_cast<char>(b);
      if (c == Case::kUpper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
      if (c != Case::kUpper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      out.push_back(ch);
      ++pos;
      continue;
    }
    const char32_t cp = decode(s, pos);
    if (cp == kInvalid) return std::nullopt;
    append(out, map_case(cp, c, t));
  }
  return out;
}

}  // namespace onyx::utf8
