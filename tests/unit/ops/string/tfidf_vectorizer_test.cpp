// TfIdfVectorizer: n-gram counting with skips over int and string pools, the three weighting
// modes, 1-D / 2-D / empty inputs, and the attribute and input errors.
#include "string_test_util.h"

namespace onyx::test {
namespace {

using strings::attr_strs;
using strings::expect_fails;
using strings::S;

struct Tfidf {
  std::string mode = "TF";
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  std::vector<int64_t> counts, indexes;
  std::vector<int64_t> pool_ints;
  std::vector<std::string> pool_strings;
  std::vector<float> weights;
};

NodeSpec tfidf(Value x, const Tfidf& t) {
  std::vector<ir::Attribute> a = {attr_string("mode", t.mode),
                                  attr_int("min_gram_length", t.min_gram),
                                  attr_int("max_gram_length", t.max_gram),
                                  attr_int("max_skip_count", t.max_skip),
                                  attr_ints("ngram_counts", t.counts),
                                  attr_ints("ngram_indexes", t.indexes)};
  if (!t.pool_ints.empty()) a.push_back(attr_ints("pool_int64s", t.pool_ints));
  if (!t.pool_strings.empty()) a.push_back(attr_strs("pool_strings", t.pool_strings));
  if (!t.weights.empty()) a.push_back(attr_floats("weights", t.weights));
  return NodeSpec{"TfIdfVectorizer", 9, {std::move(x)}, std::move(a)};
}

Value ints(std::vector<int64_t> v, Shape s) {
  return V(make<int64_t>(std::move(v), std::move(s)));
}

TEST(TfIdfVectorizer, SpecExamples) {
  // Pool [94, 17], [17, 36] (bigrams only); ngram_indexes [1, 0] sends them to Y[1] and Y[0].
  Tfidf t;
  t.min_gram = t.max_gram = 2;
  t.counts = {0, 0};
  t.pool_ints = {94, 17, 17, 36};
  t.indexes = {1, 0};
  expect_tensor<float>(run_ok(tfidf(ints({94, 17, 36, 12, 28}, {5}), t)), {1, 1}, {2});
  // With skip 2 the bigrams of [94, 17, 36, 12, 28] include [94, 12] and [17, 28].
  Tfidf s;
  s.min_gram = s.max_gram = 2;
  s.counts = {0, 0};
  s.pool_ints = {94, 12, 17, 28, 36, 94};
  s.indexes = {0, 1, 2};
  const Value x = ints({94, 17, 36, 12, 28}, {5});
  s.max_skip = 1;
  expect_tensor<float>(run_ok(tfidf(x, s)), {0, 0, 0}, {3});
  s.max_skip = 2;
  expect_tensor<float>(run_ok(tfidf(x, s)), {1, 1, 0}, {3});
}

TEST(TfIdfVectorizer, UnigramsCountOnceWhateverTheSkip) {
  Tfidf t;
  t.max_gram = 2;
  t.max_skip = 3;
  t.counts = {0, 1};
  t.pool_ints = {5, 5, 5};  // unigram 5, bigram (5, 5)
  t.indexes = {0, 1};
  // [5, 5, 5, 7]: unigram 5 three times; bigram (5, 5) at skip 0: 2, skip 1: 1, skip 2+: 0.
  expect_tensor<float>(run_ok(tfidf(V(make<int32_t>({5, 5, 5, 7}, {4})), t)), {3, 3}, {2});
}

TEST(TfIdfVectorizer, StringPoolWithTrigramsAndModes) {
  Tfidf t;
  t.max_gram = 3;
  t.counts = {0, 2, 2};  // unigrams a, b; no bigrams; trigram a b c
  t.pool_strings = {"a", "b", "a", "b", "c"};
  t.indexes = {0, 1, 2};
  const Value x = S({"a", "b", "c", "a", "b", "c", "\xC3\xA9"}, {7});
  expect_tensor<float>(run_ok(tfidf(x, t)), {2, 2, 2}, {3});
  t.min_gram = 3;  // the unigrams are no longer counted
  expect_tensor<float>(run_ok(tfidf(x, t)), {0, 0, 2}, {3});
  t.min_gram = 1;
  t.weights = {0.5f, 2.f, 1.5f};
  t.mode = "TFIDF";
  expect_tensor<float>(run_ok(tfidf(x, t)), {1, 4, 3}, {3});
  t.mode = "IDF";
  expect_tensor<float>(run_ok(tfidf(x, t)), {0.5f, 2, 1.5f}, {3});
  t.weights.clear();  // IDF without weights: presence as 1
  expect_tensor<float>(run_ok(tfidf(S({"b", "b", "z"}, {3}), t)), {0, 1, 0}, {3});
}

TEST(TfIdfVectorizer, WeightsFollowOutputCoordinates) {
  // Pool unigrams 10, 20 go to coordinates 1 and 0; weights[c] scales coordinate c.
  Tfidf t;
  t.mode = "TFIDF";
  t.counts = {0};
  t.pool_ints = {10, 20};
  t.indexes = {1, 0};
  t.weights = {3, 5};
  expect_tensor<float>(run_ok(tfidf(ints({10, 10, 20}, {3}), t)), {3, 10}, {2});
}

TEST(TfIdfVectorizer, RowsAreIndependent) {
  Tfidf t;
  t.min_gram = t.max_gram = 2;
  t.counts = {0, 0};
  t.pool_strings = {"a", "b"};
  t.indexes = {0};
  // The bigram (a, b) spans the two rows only when flattened.
  expect_tensor<float>(run_ok(tfidf(S({"x", "a", "b", "y"}, {2, 2}), t)), {0, 0}, {2, 1});
  expect_tensor<float>(run_ok(tfidf(S({"x", "a", "b", "y"}, {4}), t)), {1}, {1});
}

TEST(TfIdfVectorizer, DuplicatesGapsAndEmptyInputs) {
  Tfidf t;
  t.counts = {0};
  t.pool_ints = {7, 8, 7};  // 7 twice: both of its coordinates count
  t.indexes = {0, 4, 2};    // coordinates 1 and 3 belong to no n-gram
  expect_tensor<float>(run_ok(tfidf(ints({7, 8, 8, 1}, {4}), t)), {1, 0, 1, 0, 2}, {5});
  expect_tensor<float>(run_ok(tfidf(ints({}, {0}), t)), {0, 0, 0, 0, 0}, {5});
  expect_tensor<float>(run_ok(tfidf(ints({}, {2, 0}), t)), std::vector<float>(10, 0.f), {2, 5});
  expect_tensor<float>(run_ok(tfidf(ints({}, {0, 3}), t)), {}, {0, 5});
  expect_tensor<float>(run_ok(tfidf(ints({7}, {}), t)), {1, 0, 1, 0, 0}, {5});
  // Levels past max_gram_length are not counted; a huge skip just stops when nothing fits.
  Tfidf big;
  big.max_gram = 2;
  big.max_skip = std::numeric_limits<int64_t>::max();
  big.counts = {0, 1};
  big.pool_ints = {1, 1, 2};
  big.indexes = {0, 1};
  expect_tensor<float>(run_ok(tfidf(ints({1, 0, 0, 2}, {4}), big)), {1, 1}, {2});
}

TEST(TfIdfVectorizer, Errors) {
  Tfidf t;
  t.counts = {0};
  t.pool_ints = {1, 2};
  t.indexes = {0, 1};
  const Value x = ints({1}, {1});
  expect_fails(tfidf(S({"a"}, {1}), t), "int32 or int64 with pool_int64s");
  expect_fails(tfidf(V(make<float>({1}, {1})), t), "TfIdfVectorizer");
  expect_fails(tfidf(ints({1}, {1, 1, 1}), t), "[C] or [N, C]");
  Tfidf bad = t;
  bad.mode = "BM25";
  expect_fails(tfidf(x, bad), "mode 'BM25'");
  bad = t;
  bad.min_gram = 2;
  expect_fails(tfidf(x, bad), "min_gram_length <= max_gram_length");
  bad = t;
  bad.max_skip = -1;
  expect_fails(tfidf(x, bad), "max_skip_count");
  bad = t;
  bad.indexes = {0};
  expect_fails(tfidf(x, bad), "the pool holds 2 n-grams but ngram_indexes has 1");
  bad = t;
  bad.indexes = {0, -1};
  expect_fails(tfidf(x, bad), "not a valid output coordinate");
  bad = t;
  bad.counts = {0, 1};  // one bigram would need 2 items, only 1 left
  expect_fails(tfidf(x, bad), "not a whole number of 2-grams");
  bad = t;
  bad.counts = {0, 5};
  expect_fails(tfidf(x, bad), "ngram_counts");
  bad = t;
  bad.weights = {1};
  expect_fails(tfidf(x, bad), "weights has 1 entries");
  bad = t;
  bad.pool_strings = {"a", "b"};
  expect_fails(tfidf(x, bad), "exactly one of pool_int64s and pool_strings");
  bad = t;
  bad.pool_ints.clear();
  expect_fails(tfidf(x, bad), "exactly one of pool_int64s and pool_strings");
  Tfidf strs;
  strs.counts = {0};
  strs.pool_strings = {"a"};
  strs.indexes = {0};
  expect_fails(tfidf(x, strs), "string tensor with pool_strings");
}

}  // namespace
}  // namespace onyx::test
