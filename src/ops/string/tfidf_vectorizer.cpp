// TfIdfVectorizer: counts the pool's n-grams in each row of X ([C] or [N, C]; int32/int64 with
// pool_int64s, strings with pool_strings) and writes them, weighted by `mode`, to output
// coordinate ngram_indexes[i] of the i-th pool n-gram. An n-gram with skip s takes every (s+1)-th
// item; all skips 0..max_skip_count are counted, unigrams only once (skips do not change them).
//
// The pool is built into a trie at session creation, so a row is scanned by walking the trie from
// each start position: the walk stops at the first item that continues no pool n-gram.
// `weights` are indexed by output coordinate, as ONNX Runtime and ONNX's reference do (and as
// scikit-learn's converter writes them: idf_ in column order); the spec's wording, "the i-th
// n-gram in pool", agrees whenever ngram_indexes is the identity.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ops/registry.h"
#include "ops/string/register.h"

namespace onyx {
namespace {

enum class Weighting { kTF, kIDF, kTFIDF };

// Whether an n-gram of `len` items `step` apart, starting at `start`, fits in a row of `n` items
// (by division, so that no product can overflow).
bool fits(int64_t start, int64_t step, int64_t len, int64_t n) {
  return start < n && (n - 1 - start) / step >= len - 1;
}

template <typename Key>
class NgramTrie {
 public:
  NgramTrie() : nodes_(1) {}

  // Adds the n-gram keys[0..n) ending at output coordinate `coord`. The same n-gram may appear
  // twice in a pool; each of its coordinates is counted.
  void insert(const Key* keys, size_t n, int64_t coord) {
    int32_t node = 0;
    for (size_t k = 0; k < n; ++k) {
      auto [it, added] = nodes_[node].children.try_emplace(keys[k], 0);
      if (added) {
        it->second = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
      }
      node = it->second;
    }
    nodes_[node].coords.push_back(coord);
  }

  // The child of `node` along `key`, or -1.
  int32_t child(int32_t node, const Key& key) const {
    const auto& c = nodes_[node].children;
    auto it = c.find(key);
    return it == c.end() ? -1 : it->second;
  }
  const std::vector<int64_t>& coords(int32_t node) const { return nodes_[node].coords; }

 private:
  struct Node {
    std::unordered_map<Key, int32_t> children;
    std::vector<int64_t> coords;  // output coordinates of the pool n-grams ending here
  };
  std::vector<Node> nodes_;
};

class TfIdfVectorizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const std::string mode, info.required_string("mode"));
    if (mode == "TF") {
      weighting_ = Weighting::kTF;
    } else if (mode == "IDF") {
      weighting_ = Weighting::kIDF;
    } else if (mode == "TFIDF") {
      weighting_ = Weighting::kTFIDF;
    } else {
      return info.error(StatusCode::kInvalidArgument, "mode '", mode,
                        "' is not one of TF, IDF, TFIDF");
    }
    ONYX_ASSIGN_OR_RETURN(min_gram_, info.required_int("min_gram_length"));
    ONYX_ASSIGN_OR_RETURN(max_gram_, info.required_int("max_gram_length"));
    ONYX_ASSIGN_OR_RETURN(max_skip_, info.required_int("max_skip_count"));
    if (min_gram_ < 1 || max_gram_ < min_gram_) {
      return info.error(StatusCode::kInvalidArgument, "gram lengths must satisfy 1 <= ",
                        "min_gram_length <= max_gram_length, got ", min_gram_, " and ", max_gram_);
    }
    if (max_skip_ < 0) {
      return info.error(StatusCode::kInvalidArgument, "max_skip_count must be >= 0, got ",
                        max_skip_);
    }
    ONYX_ASSIGN_OR_RETURN(const std::vector<int64_t> counts, info.required_ints("ngram_counts"));
    ONYX_ASSIGN_OR_RETURN(const std::vector<int64_t> indexes, info.required_ints("ngram_indexes"));
    ONYX_ASSIGN_OR_RETURN(weights_, info.attr_floats("weights"));

    const bool has_ints = info.has_attr("pool_int64s");
    const bool has_strings = info.has_attr("pool_strings");
    if (has_ints == has_strings) {
      return info.error(StatusCode::kInvalidArgument,
                        "exactly one of pool_int64s and pool_strings must be set");
    }
    std::vector<int64_t> pool_ints;
    std::vector<std::string> pool_strings;
    if (has_ints) {
      ONYX_ASSIGN_OR_RETURN(pool_ints, info.attr_ints("pool_int64s"));
    } else {
      ONYX_ASSIGN_OR_RETURN(pool_strings, info.attr_strings("pool_strings"));
    }
    const auto pool_size = static_cast<int64_t>(has_ints ? pool_ints.size() : pool_strings.size());

    for (int64_t v : indexes) {
      if (v < 0 || v == std::numeric_limits<int64_t>::max()) {
        return info.error(StatusCode::kInvalidArgument, "ngram_indexes holds ", v,
                          ", not a valid output coordinate");
      }
      output_size_ = std::max(output_size_, v + 1);
    }
    if (!weights_.empty() && static_cast<int64_t>(weights_.size()) < output_size_) {
      return info.error(StatusCode::kInvalidArgument, "weights has ", weights_.size(),
                        " entries but ngram_indexes reaches output coordinate ", output_size_ - 1,
                        " (weights are indexed by output coordinate)");
    }

    // ngram_counts[k] is where the (k+1)-grams start in the pool; they run to the next level's
    // start (the last level to the pool's end), each taking k+1 items.
    if (has_ints) {
      ints_.emplace();
    } else {
      strings_.emplace();
    }
    size_t id = 0;  // running n-gram number: the index into ngram_indexes
    for (size_t k = 0; k < counts.size(); ++k) {
      const int64_t begin = counts[k];
      const int64_t end = k + 1 < counts.size() ? counts[k + 1] : pool_size;
      if (begin < 0 || begin > end || end > pool_size) {
        return info.error(StatusCode::kInvalidArgument, "ngram_counts ", k, " (", begin,
                          ") must be non-decreasing and within the pool of ", pool_size, " items");
      }
      const auto n = static_cast<int64_t>(k + 1);
      if ((end - begin) % n != 0) {
        return info.error(StatusCode::kInvalidArgument, "the ", n, "-grams of the pool (items ",
                          begin, "..", end, ") are not a whole number of ", n, "-grams");
      }
      for (int64_t at = begin; at < end; at += n, ++id) {
        if (id >= indexes.size()) continue;            // reported below with the total
        if (n < min_gram_ || n > max_gram_) continue;  // never counted
        if (has_ints) {
          ints_->insert(pool_ints.data() + at, static_cast<size_t>(n), indexes[id]);
        } else {
          strings_->insert(pool_strings.data() + at, static_cast<size_t>(n), indexes[id]);
        }
      }
    }
    if (id != indexes.size()) {
      return info.error(StatusCode::kInvalidArgument, "the pool holds ", id,
                        " n-grams but ngram_indexes has ", indexes.size(), " entries");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const DataType dt = x->dtype();
    if (ints_ && dt != DataType::kInt32 && dt != DataType::kInt64) {
      return ctx.invalid_argument("X must be int32 or int64 with pool_int64s, got ",
                                  data_type_name(dt));
    }
    if (strings_ && dt != DataType::kString) {
      return ctx.invalid_argument("X must be a string tensor with pool_strings, got ",
                                  data_type_name(dt));
    }
    if (x->rank() > 2) {
      return ctx.invalid_argument("X must have shape [C] or [N, C], got ",
                                  shape_to_string(x->shape()));
    }
    const int64_t rows = x->rank() == 2 ? x->dim(0) : 1;
    const int64_t cols = x->rank() == 2 ? x->dim(1) : x->numel();
    Tensor& y = ctx.allocate_output(
        0, DataType::kFloat, x->rank() == 2 ? Shape{rows, output_size_} : Shape{output_size_});
    float* out = y.data<float>();
    std::vector<int64_t> freq(static_cast<size_t>(output_size_));
    for (int64_t r = 0; r < rows; ++r) {
      std::fill(freq.begin(), freq.end(), 0);
      if (dt == DataType::kInt32) {
        count_row(*ints_, x->data<int32_t>() + r * cols, cols, freq);
      } else if (dt == DataType::kInt64) {
        count_row(*ints_, x->data<int64_t>() + r * cols, cols, freq);
      } else {
        count_row(*strings_, x->data<std::string>() + r * cols, cols, freq);
      }
      float* row = out + r * output_size_;
      for (int64_t c = 0; c < output_size_; ++c) {
        const auto f = static_cast<float>(freq[static_cast<size_t>(c)]);
        const float w = weights_.empty() ? 1.f : weights_[static_cast<size_t>(c)];
        switch (weighting_) {
          case Weighting::kTF:
            row[c] = f;
            break;
          case Weighting::kIDF:
            row[c] = f > 0 ? w : 0.f;
            break;
          case Weighting::kTFIDF:
            row[c] = f * w;
            break;
        }
      }
    }
    return Status::OK();
  }

 private:
  template <typename Key, typename T>
  void count_row(const NgramTrie<Key>& trie, const T* items, int64_t n,
                 std::vector<int64_t>& freq) const {
    for (int64_t skip = 0; skip <= max_skip_; ++skip) {
      const int64_t step = skip + 1;
      // Unigrams are the same for every skip: count them at skip 0 only.
      const int64_t smallest = skip > 0 ? std::max<int64_t>(min_gram_, 2) : min_gram_;
      if (smallest > max_gram_) break;
      // Past this, not even the smallest n-gram fits (nor with a longer skip), so `step` stays
      // below n + 2.
      if (!fits(0, step, smallest, n)) break;
      for (int64_t start = 0; fits(start, step, smallest, n); ++start) {
        int32_t node = 0;
        int64_t pos = start;
        for (int64_t len = 1; len <= max_gram_ && pos < n; ++len, pos += step) {
          const Key& key = items[pos];  // int32 converts to a temporary; strings are not copied
          node = trie.child(node, key);
          if (node < 0) break;
          if (len < smallest) continue;
          for (int64_t c : trie.coords(node)) ++freq[static_cast<size_t>(c)];
        }
      }
    }
  }

  Weighting weighting_ = Weighting::kTF;
  int64_t min_gram_ = 1, max_gram_ = 1, max_skip_ = 0;
  int64_t output_size_ = 0;
  std::vector<float> weights_;
  // Exactly one is set, by the pool attribute the model has.
  std::optional<NgramTrie<int64_t>> ints_;
  std::optional<NgramTrie<std::string>> strings_;
};

}  // namespace

void register_tfidf_vectorizer(KernelRegistry& r) {
  r.add_versions<TfIdfVectorizer, TypeList<std::string, int32_t, int64_t>>("", "TfIdfVectorizer",
                                                                           {9});
}

}  // namespace onyx
