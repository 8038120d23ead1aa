// Registration entry points of the string family's files.
#pragma once

namespace onyx {
class KernelRegistry;
void register_string_normalizer(KernelRegistry& r);
void register_string_concat(KernelRegistry& r);
void register_string_split(KernelRegistry& r);
void register_regex_full_match(KernelRegistry& r);
void register_tfidf_vectorizer(KernelRegistry& r);
}  // namespace onyx
