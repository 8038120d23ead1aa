// StringNormalizer: drops the stop words from a [C] or [1, C] string tensor, then upper- or
// lower-cases what is left (or leaves it). When every element is dropped the output is one empty
// string, of shape [1] or [1, 1], as the spec says.
//
// Case changes and the case-insensitive stop-word match decode UTF-8 and use the Unicode simple
// mappings (utf8.h), tailored for Turkish and Azeri when `locale` names them; other locales get
// the default mappings, which is what en_US and C.UTF-8 do.
#include <string>
#include <unordered_set>
#include <vector>

#include "ops/registry.h"
#include "ops/string/register.h"
#include "ops/string/utf8.h"

namespace onyx {
namespace {

enum class CaseAction { kNone, kLower, kUpper };

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Parses a POSIX ("en_US.UTF-8@euro") or BCP 47 ("en-US") locale name into its language. Empty,
// "C" and "POSIX" are the default. A codeset other than UTF-8 is refused: ONNX strings are UTF-8.
Result<std::string> locale_language(const KernelInfo& info, std::string_view locale) {
  if (locale.empty() || locale == "C" || locale == "POSIX" || ascii_iequals(locale, "C.UTF-8") ||
      ascii_iequals(locale, "C.utf8")) {
    return std::string();
  }
  std::string_view rest = locale;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) rest = rest.substr(0, at);
  if (const size_t dot = rest.find('.'); dot != std::string_view::npos) {
    const std::string_view codeset = rest.substr(dot + 1);
    if (!ascii_iequals(codeset, "UTF-8") && !ascii_iequals(codeset, "utf8")) {
      return info.error(StatusCode::kInvalidArgument, "locale '", locale,
                        "': only UTF-8 codesets are supported (string tensors hold UTF-8)");
    }
    rest = rest.substr(0, dot);
  }
  const size_t sep = rest.find_first_of("_-");
  const std::string_view lang = rest.substr(0, sep);
  bool ok = lang.size() >= 2 && lang.size() <= 3;
  for (char ch : lang) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
  if (sep != std::string_view::npos) {
    const std::string_view region = rest.substr(sep + 1);
    ok = ok && !region.empty();
    for (char ch : region) {
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-');
    }
  }
  if (!ok) {
    return info.error(StatusCode::kInvalidArgument, "locale '", locale,
                      "' is not a locale name (expected e.g. en_US, en_US.UTF-8 or tr-TR)");
  }
  std::string out(lang);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  }
  return out;
}

class StringNormalizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const std::string action, info.attr_string("case_change_action", "NONE"));
    if (action == "NONE") {
      action_ = CaseAction::kNone;
    } else if (action == "LOWER") {
      action_ = CaseAction::kLower;
    } else if (action == "UPPER") {
      action_ = CaseAction::kUpper;
    } else {
      return info.error(StatusCode::kInvalidArgument, "case_change_action '", action,
                        "' is not one of LOWER, UPPER, NONE");
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t sensitive, info.attr_int("is_case_sensitive", 0));
    case_sensitive_ = sensitive != 0;
    ONYX_ASSIGN_OR_RETURN(const std::string locale, info.attr_string("locale", ""));
    ONYX_ASSIGN_OR_RETURN(const std::string lang, locale_language(info, locale));
    tailoring_ = lang == "tr" || lang == "az" ? utf8::Tailoring::kTurkic : utf8::Tailoring::kNone;
    ONYX_ASSIGN_OR_RETURN(const std::vector<std::string> stopwords, info.attr_strings("stopwords"));
    for (const std::string& w : stopwords) {
      if (case_sensitive_) {
        stopwords_.insert(w);
        continue;
      }
      auto folded = utf8::convert(w, utf8::Case::kFold, tailoring_);
      if (!folded) {
        return info.error(StatusCode::kInvalidArgument, "stop word '", w, "' is not valid UTF-8");
      }
      stopwords_.insert(std::move(*folded));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kString) {
      return ctx.invalid_argument("X must be a string tensor, got ", data_type_name(x->dtype()));
    }
    const bool two_d = x->rank() == 2;
    if (!(x->rank() == 1 || (two_d && x->dim(0) == 1))) {
      return ctx.invalid_argument("X must have shape [C] or [1, C], got ",
                                  shape_to_string(x->shape()));
    }
    const std::string* in = x->data<std::string>();
    std::vector<std::string> kept;
    for (int64_t i = 0; i < x->numel(); ++i) {
      const std::string& s = in[i];
      if (!stopwords_.empty()) {
        bool stop;
        if (case_sensitive_) {
          stop = stopwords_.count(s) > 0;
        } else {
          auto folded = utf8::convert(s, utf8::Case::kFold, tailoring_);
          if (!folded) return ctx.invalid_argument("X[", i, "] is not valid UTF-8");
          stop = stopwords_.count(*folded) > 0;
        }
        if (stop) continue;
      }
      if (action_ == CaseAction::kNone) {
        kept.push_back(s);
        continue;
      }
      auto changed = utf8::convert(
          s, action_ == CaseAction::kUpper ? utf8::Case::kUpper : utf8::Case::kLower, tailoring_);
      if (!changed) return ctx.invalid_argument("X[", i, "] is not valid UTF-8");
      kept.push_back(std::move(*changed));
    }
    // Nothing left: one empty string, so the output keeps the input's rank.
    if (kept.empty()) kept.emplace_back();
    const auto c = static_cast<int64_t>(kept.size());
    Tensor& y = ctx.allocate_output(0, DataType::kString, two_d ? Shape{1, c} : Shape{c});
    std::string* out = y.data<std::string>();
    for (size_t i = 0; i < kept.size(); ++i) out[i] = std::move(kept[i]);
    return Status::OK();
  }

 private:
  CaseAction action_ = CaseAction::kNone;
  bool case_sensitive_ = false;
  utf8::Tailoring tailoring_ = utf8::Tailoring::kNone;
  // Case-folded unless case_sensitive_.
  std::unordered_set<std::string> stopwords_;
};

}  // namespace

void register_string_normalizer(KernelRegistry& r) {
  r.add_versions<StringNormalizer, TypeList<std::string>>("", "StringNormalizer", {10});
}

}  // namespace onyx
