// The string family: StringNormalizer, StringConcat, StringSplit, RegexFullMatch (RE2) and
// TfIdfVectorizer. Shared UTF-8 decoding and Unicode case mapping live in utf8.h.
#include "ops/string/register.h"

#include "ops/registry.h"

namespace onyx {

void register_string_ops(KernelRegistry& r) {
  register_string_normalizer(r);
  register_string_concat(r);
  register_string_split(r);
  register_regex_full_match(r);
  register_tfidf_vectorizer(r);
}

}  // namespace onyx
