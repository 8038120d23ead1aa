// Tree ensembles: TreeEnsembleClassifier / TreeEnsembleRegressor (ml opsets 1 and 3, deprecated
// in 5) and TreeEnsemble (ml opset 5).
//
// At init the attribute tuples are validated (every node reference, feature id, target/class
// id) and compiled into one flat node array in depth-first order (true child next to its
// parent), with leaf weights in a side array. Rows are evaluated in parallel.
//
// Semantics (as in the spec and onnxruntime):
//  - A NaN feature goes to the true branch when missing_value_tracks_true is set; otherwise the
//    comparison decides (NaN compares false, except BRANCH_NEQ).
//  - Regressor: per target, SUM / AVERAGE (sum / number of trees) / MIN / MAX over the leaves
//    reached; targets no leaf wrote are 0; then + base_values, then post_transform.
//  - Classifier: per class, the sum of leaf weights (+ base_values), label = first arg-max, then
//    post_transform over the classes. Binary special case (two labels, leaves voting for one
//    class id only, at most one base value): s = summed score; with all weights >= 0 the label
//    is labels[1] when s > 0.5 and Z = [1 - s, s]; with mixed signs the label is labels[1] when
//    s > 0 and Z = [-s, s] (LOGISTIC: [logistic(-s), logistic(s)]); PROBIT: p = probit(s),
//    Z = [1 - p, p].
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

enum Mode : uint8_t { kLeq = 0, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };
enum class Aggregate { kAverage = 0, kSum = 1, kMin = 2, kMax = 3 };

struct FlatNode {
  double value = 0;      // split threshold
  int32_t feature = 0;
  uint8_t mode = kLeaf;
  uint8_t missing_true = 0;
  int32_t t = 0, f = 0;  // children (flat indices); leaves: weights [t, f)
  int32_t set = -1;      // MEMBER: index into Forest::sets
};

// The description the builders fill: nodes (interior and leaves) referring to each other by index.
struct RawNode {
  int64_t feature = 0;
  uint8_t mode = kLeaf;
  double value = 0;
  bool missing_true = false;
  int64_t t = -1, f = -1;
  std::vector<double> set;
  std::vector<std::pair<int64_t, double>> weights;  // leaves: (target or class, weight)
};

struct Forest {
  std::vector<FlatNode> nodes;
  std::vector<int32_t> roots;
  std::vector<int32_t> weight_ids;
  std::vector<double> weights;
  std::vector<std::vector<double>> sets;  // sorted
  int64_t max_feature = -1;

  const FlatNode& leaf(const double* row, int32_t root) const {
    const FlatNode* n = &nodes[static_cast<size_t>(root)];
    while (n->mode != kLeaf) {
      const double x = row[n->feature];
      bool go;
      if (n->missing_true && std::isnan(x)) {
        go = true;
      } else {
        switch (n->mode) {
          case kLeq: go = x <= n->value; break;
          case kLt: go = x < n->value; break;
          case kGte: go = x >= n->value; break;
          case kGt: go = x > n->value; break;
          case kEq: go = x == n->value; break;
          case kNeq: go = x != n->value; break;
          default: {
            const auto& s = sets[static_cast<size_t>(n->set)];
            go = std::binary_search(s.begin(), s.end(), x);
          }
        }
      }
      n = &nodes[static_cast<size_t>(go ? n->t : n->f)];
    }
    return *n;
  }
};

// Compiles raw nodes into `out`. Interior nodes may be reached once only (no cycles, no
// sharing); leaves may be shared.
Status flatten(const KernelInfo& info, const std::vector<RawNode>& raw, const std::vector<int64_t>& roots,
               int64_t n_ids, Forest* out) {
  if (raw.size() >= static_cast<size_t>(INT32_MAX)) return info.error(StatusCode::kInvalidArgument, "too many nodes");
  std::vector<int32_t> flat_of(raw.size(), -1);
  std::vector<int64_t> stack;
  for (int64_t root : roots) {
    if (root < 0 || root >= static_cast<int64_t>(raw.size())) {
      return info.error(StatusCode::kInvalidArgument, "tree root ", root, " out of range");
    }
    if (flat_of[root] >= 0 && raw[root].mode != kLeaf) {
      return info.error(StatusCode::kInvalidArgument, "tree root ", root, " is shared with another tree");
    }
    stack.push_back(root);
    while (!stack.empty()) {
      const int64_t r = stack.back();
      stack.pop_back();
      const RawNode& rn = raw[static_cast<size_t>(r)];
      if (flat_of[r] >= 0) {
        if (rn.mode == kLeaf) continue;
        return info.error(StatusCode::kInvalidArgument, "node ", r,
                          " is reached twice (the trees have a cycle or share a node)");
      }
      flat_of[r] = static_cast<int32_t>(out->nodes.size());
      FlatNode fn;
      fn.mode = rn.mode;
      if (rn.mode == kLeaf) {
        fn.t = static_cast<int32_t>(out->weights.size());
        for (const auto& [id, w] : rn.weights) {
          if (id < 0 || id >= n_ids) {
            return info.error(StatusCode::kInvalidArgument, "leaf target/class id ", id, " out of range [0, ",
                              n_ids, ")");
          }
          out->weight_ids.push_back(static_cast<int32_t>(id));
          out->weights.push_back(w);
        }
        fn.f = static_cast<int32_t>(out->weights.size());
      } else {
        if (rn.feature < 0 || rn.feature >= INT32_MAX) {
          return info.error(StatusCode::kInvalidArgument, "feature id ", rn.feature, " out of range");
        }
        for (int64_t c : {rn.t, rn.f}) {
          if (c < 0 || c >= static_cast<int64_t>(raw.size())) {
            return info.error(StatusCode::kInvalidArgument, "node ", r, " has a child that does not exist");
          }
        }
        fn.feature = static_cast<int32_t>(rn.feature);
        fn.value = rn.value;
        fn.missing_true = rn.missing_true ? 1 : 0;
        out->max_feature = std::max(out->max_feature, rn.feature);
        if (rn.mode == kMember) {
          fn.set = static_cast<int32_t>(out->sets.size());
          std::vector<double> s = rn.set;
          std::sort(s.begin(), s.end());
          out->sets.push_back(std::move(s));
        }
        stack.push_back(rn.f);
        stack.push_back(rn.t);  // popped first: laid out right after its parent
      }
      out->nodes.push_back(fn);
    }
    out->roots.push_back(flat_of[root]);
  }
  // Resolve children to flat indices.
  for (size_t r = 0; r < raw.size(); ++r) {
    if (flat_of[r] < 0 || raw[r].mode == kLeaf) continue;
    FlatNode& fn = out->nodes[static_cast<size_t>(flat_of[r])];
    fn.t = flat_of[static_cast<size_t>(raw[r].t)];
    fn.f = flat_of[static_cast<size_t>(raw[r].f)];
  }
  return Status::OK();
}

// ---- legacy attributes (TreeEnsembleClassifier / TreeEnsembleRegressor) ---------------------

Result<uint8_t> parse_mode(const KernelInfo& info, const std::string& s) {
  if (s == "BRANCH_LEQ") return static_cast<uint8_t>(kLeq);
  if (s == "BRANCH_LT") return static_cast<uint8_t>(kLt);
  if (s == "BRANCH_GTE") return static_cast<uint8_t>(kGte);
  if (s == "BRANCH_GT") return static_cast<uint8_t>(kGt);
  if (s == "BRANCH_EQ") return static_cast<uint8_t>(kEq);
  if (s == "BRANCH_NEQ") return static_cast<uint8_t>(kNeq);
  if (s == "LEAF") return static_cast<uint8_t>(kLeaf);
  return info.error(StatusCode::kInvalidArgument, "unknown node mode '", s, "'");
}

// `prefix` is "class" or "target".
Status build_legacy(const KernelInfo& info, const std::string& prefix, int64_t n_ids, Forest* out,
                    std::set<int64_t>* used_ids, bool* all_positive) {
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> treeids, info.attr_ints("nodes_treeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> nodeids, info.attr_ints("nodes_nodeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> featureids, info.attr_ints("nodes_featureids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<std::string> modes, info.attr_strings("nodes_modes"));
  ONYX_ASSIGN_OR_RETURN(std::vector<double> values, floats_or_tensor(info, "nodes_values"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> trueids, info.attr_ints("nodes_truenodeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> falseids, info.attr_ints("nodes_falsenodeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> missing, info.attr_ints("nodes_missing_value_tracks_true"));
  const size_t n = nodeids.size();
  if (n == 0) return info.error(StatusCode::kInvalidArgument, "the ensemble has no nodes");
  auto check_len = [&](size_t len, const char* name, bool optional) -> Status {
    if (len == n || (optional && len == 0)) return Status::OK();
    return info.error(StatusCode::kInvalidArgument, name, " has ", len, " entries, nodes_nodeids ", n);
  };
  ONYX_RETURN_IF_ERROR(check_len(treeids.size(), "nodes_treeids", false));
  ONYX_RETURN_IF_ERROR(check_len(featureids.size(), "nodes_featureids", false));
  ONYX_RETURN_IF_ERROR(check_len(modes.size(), "nodes_modes", false));
  ONYX_RETURN_IF_ERROR(check_len(values.size(), "nodes_values", false));
  ONYX_RETURN_IF_ERROR(check_len(trueids.size(), "nodes_truenodeids", false));
  ONYX_RETURN_IF_ERROR(check_len(falseids.size(), "nodes_falsenodeids", false));
  ONYX_RETURN_IF_ERROR(check_len(missing.size(), "nodes_missing_value_tracks_true", true));

  std::map<std::pair<int64_t, int64_t>, int64_t> index;
  std::vector<RawNode> raw(n);
  for (size_t i = 0; i < n; ++i) {
    if (!index.emplace(std::make_pair(treeids[i], nodeids[i]), static_cast<int64_t>(i)).second) {
      return info.error(StatusCode::kInvalidArgument, "node (tree ", treeids[i], ", id ", nodeids[i],
                        ") is defined twice");
    }
  }
  std::vector<bool> referenced(n, false);
  for (size_t i = 0; i < n; ++i) {
    RawNode& r = raw[i];
    ONYX_ASSIGN_OR_RETURN(r.mode, parse_mode(info, modes[i]));
    if (r.mode == kLeaf) continue;
    r.feature = featureids[i];
    r.value = values[i];
    r.missing_true = !missing.empty() && missing[i] != 0;
    for (auto [child, dst] : {std::make_pair(trueids[i], &r.t), std::make_pair(falseids[i], &r.f)}) {
      auto it = index.find({treeids[i], child});
      if (it == index.end()) {
        return info.error(StatusCode::kInvalidArgument, "node (tree ", treeids[i], ", id ", nodeids[i],
                          ") refers to missing child ", child);
      }
      *dst = it->second;
      referenced[static_cast<size_t>(it->second)] = true;
    }
  }
  // Leaf weights.
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> wtree, info.attr_ints(prefix + "_treeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> wnode, info.attr_ints(prefix + "_nodeids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> wid, info.attr_ints(prefix + "_ids"));
  ONYX_ASSIGN_OR_RETURN(std::vector<double> w, floats_or_tensor(info, prefix + "_weights"));
  if (wtree.size() != wnode.size() || wid.size() != wnode.size() || w.size() != wnode.size()) {
    return info.error(StatusCode::kInvalidArgument, prefix, "_treeids/_nodeids/_ids/_weights differ in length");
  }
  *all_positive = true;
  for (size_t i = 0; i < wnode.size(); ++i) {
    auto it = index.find({wtree[i], wnode[i]});
    if (it == index.end() || raw[static_cast<size_t>(it->second)].mode != kLeaf) {
      return info.error(StatusCode::kInvalidArgument, prefix, " weight ", i, " refers to (tree ", wtree[i],
                        ", id ", wnode[i], ") which is not a leaf");
    }
    if (wid[i] < 0 || wid[i] >= n_ids) {
      return info.error(StatusCode::kInvalidArgument, prefix, "_ids[", i, "] = ", wid[i], " out of range [0, ",
                        n_ids, ")");
    }
    raw[static_cast<size_t>(it->second)].weights.emplace_back(wid[i], w[i]);
    used_ids->insert(wid[i]);
    if (w[i] < 0) *all_positive = false;
  }
  // Roots: per tree (in order of first appearance), the node no other node refers to.
  std::vector<int64_t> roots;
  std::map<int64_t, int64_t> root_of;
  std::vector<int64_t> tree_order;
  for (size_t i = 0; i < n; ++i) {
    if (root_of.find(treeids[i]) == root_of.end()) {
      root_of[treeids[i]] = -1;
      tree_order.push_back(treeids[i]);
    }
    if (referenced[i]) continue;
    int64_t& slot = root_of[treeids[i]];
    if (slot >= 0) {
      return info.error(StatusCode::kInvalidArgument, "tree ", treeids[i], " has more than one root");
    }
    slot = static_cast<int64_t>(i);
  }
  for (int64_t t : tree_order) {
    if (root_of[t] < 0) return info.error(StatusCode::kInvalidArgument, "tree ", t, " has no root (cycle)");
    roots.push_back(root_of[t]);
  }
  return flatten(info, raw, roots, n_ids, out);
}

Status check_features(const KernelContext& ctx, const Forest& forest, int64_t f) {
  if (forest.max_feature >= f) {
    return ctx.invalid_argument("the model reads feature ", forest.max_feature, " but the input has ", f,
                                " features");
  }
  return Status::OK();
}

// Aggregates the leaves reached by one row into `s` / `has` (n_targets each).
void aggregate_row(const Forest& forest, Aggregate agg, const double* row, double* s, unsigned char* has,
                   int64_t n_targets) {
  std::fill(s, s + n_targets, 0.0);
  std::fill(has, has + n_targets, 0);
  for (int32_t root : forest.roots) {
    const FlatNode& leaf = forest.leaf(row, root);
    for (int32_t k = leaf.t; k < leaf.f; ++k) {
      const int32_t id = forest.weight_ids[static_cast<size_t>(k)];
      const double w = forest.weights[static_cast<size_t>(k)];
      switch (agg) {
        case Aggregate::kMin:
          s[id] = has[id] ? std::min(s[id], w) : w;
          break;
        case Aggregate::kMax:
          s[id] = has[id] ? std::max(s[id], w) : w;
          break;
        default:
          s[id] += w;
      }
      has[id] = 1;
    }
  }
  if (agg == Aggregate::kAverage && !forest.roots.empty()) {
    for (int64_t t = 0; t < n_targets; ++t) s[t] /= static_cast<double>(forest.roots.size());
  }
}

Result<Aggregate> parse_aggregate(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(std::string a, info.attr_string("aggregate_function", "SUM"));
  if (a == "SUM") return Aggregate::kSum;
  if (a == "AVERAGE") return Aggregate::kAverage;
  if (a == "MIN") return Aggregate::kMin;
  if (a == "MAX") return Aggregate::kMax;
  return info.error(StatusCode::kInvalidArgument, "unknown aggregate_function '", a, "'");
}

// Regression core shared by TreeEnsembleRegressor and TreeEnsemble: writes [N, n_targets].
template <typename Out>
Status regress(KernelContext& ctx, const Forest& forest, Aggregate agg, PostTransform post,
               const std::vector<double>& base, int64_t n_targets, DataType out_type) {
  ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
  int64_t n = 0, f = 0;
  ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
  ONYX_RETURN_IF_ERROR(check_features(ctx, forest, f));
  ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
  Tensor& y = ctx.allocate_output(0, out_type, {n, n_targets});
  Out* out = y.data<Out>();
  parallel_for(ctx.pool(), n, 8, [&](int64_t b, int64_t e) {
    std::vector<double> s(static_cast<size_t>(n_targets));
    std::vector<unsigned char> has(static_cast<size_t>(n_targets));
    for (int64_t i = b; i < e; ++i) {
      aggregate_row(forest, agg, xs.data() + i * f, s.data(), has.data(), n_targets);
      if (!base.empty()) {
        for (int64_t t = 0; t < n_targets; ++t) s[t] += base[t];
      }
      apply_post_transform(post, s.data(), n_targets);
      for (int64_t t = 0; t < n_targets; ++t) out[i * n_targets + t] = static_cast<Out>(s[t]);
    }
  });
  return Status::OK();
}

class TreeEnsembleRegressor final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(n_targets_, info.attr_int("n_targets", 1));
    if (n_targets_ < 1 || n_targets_ > INT32_MAX) {
      return info.error(StatusCode::kInvalidArgument, "n_targets must be positive, got ", n_targets_);
    }
    ONYX_ASSIGN_OR_RETURN(agg_, parse_aggregate(info));
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    ONYX_ASSIGN_OR_RETURN(base_, floats_or_tensor(info, "base_values"));
    if (!base_.empty() && static_cast<int64_t>(base_.size()) != n_targets_) {
      return info.error(StatusCode::kInvalidArgument, "base_values has ", base_.size(), " values for ",
                        n_targets_, " targets");
    }
    std::set<int64_t> used;
    bool all_positive = true;
    return build_legacy(info, "target", n_targets_, &forest_, &used, &all_positive);
  }
  Status compute(KernelContext& ctx) const override {
    return regress<float>(ctx, forest_, agg_, post_, base_, n_targets_, DataType::kFloat);
  }

 private:
  Forest forest_;
  int64_t n_targets_ = 1;
  Aggregate agg_ = Aggregate::kSum;
  PostTransform post_ = PostTransform::kNone;
  std::vector<double> base_;
};

class TreeEnsembleClassifier final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(labels_, read_class_labels(info, "classlabels_int64s", "classlabels_strings"));
    if (labels_.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "one of classlabels_int64s / classlabels_strings is required");
    }
    classes_ = static_cast<int64_t>(labels_.size());
    ONYX_ASSIGN_OR_RETURN(post_, parse_post_transform(info));
    ONYX_ASSIGN_OR_RETURN(base_, floats_or_tensor(info, "base_values"));
    std::set<int64_t> used;
    ONYX_RETURN_IF_ERROR(build_legacy(info, "class", classes_, &forest_, &used, &all_positive_));
    binary_ = classes_ == 2 && used.size() == 1 && base_.size() <= 1;
    if (!binary_ && !base_.empty() && static_cast<int64_t>(base_.size()) != classes_) {
      return info.error(StatusCode::kInvalidArgument, "base_values has ", base_.size(), " values for ",
                        classes_, " classes");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    int64_t n = 0, f = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
    ONYX_RETURN_IF_ERROR(check_features(ctx, forest_, f));
    ONYX_ASSIGN_OR_RETURN(std::vector<double> xs, tensor_to_doubles(*x));
    Tensor& y = ctx.allocate_output(0, labels_.dtype(), {n});
    Tensor* z = ctx.output_requested(1) ? &ctx.allocate_output(1, DataType::kFloat, {n, classes_}) : nullptr;
    parallel_for(ctx.pool(), n, 8, [&](int64_t b, int64_t e) {
      std::vector<double> s(static_cast<size_t>(classes_));
      std::vector<unsigned char> has(static_cast<size_t>(classes_));
      for (int64_t i = b; i < e; ++i) {
        aggregate_row(forest_, Aggregate::kSum, xs.data() + i * f, s.data(), has.data(), classes_);
        size_t label = 0;
        if (binary_) {
          double v = 0;
          for (int64_t c = 0; c < classes_; ++c) v += s[c];
          if (!base_.empty()) v += base_[0];
          if (post_ == PostTransform::kProbit) {
            const double p = probit(v);
            label = p > 0.5 ? 1 : 0;
            s[0] = 1 - p;
            s[1] = p;
          } else if (all_positive_) {
            label = v > 0.5 ? 1 : 0;
            s[0] = 1 - v;
            s[1] = v;
          } else {
            label = v > 0 ? 1 : 0;
            const bool lg = post_ == PostTransform::kLogistic;
            s[0] = lg ? logistic(-v) : -v;
            s[1] = lg ? logistic(v) : v;
          }
        } else {
          if (!base_.empty()) {
            for (int64_t c = 0; c < classes_; ++c) {
              s[c] += base_[c];
              has[c] = 1;
            }
          }
          int64_t best = -1;
          for (int64_t c = 0; c < classes_; ++c) {
            if (has[c] && (best < 0 || s[c] > s[best])) best = c;
          }
          label = best < 0 ? 0 : static_cast<size_t>(best);
          apply_post_transform(post_, s.data(), classes_);
        }
        labels_.write(y, i, label);
        if (z != nullptr) {
          for (int64_t c = 0; c < classes_; ++c) z->data<float>()[i * classes_ + c] = static_cast<float>(s[c]);
        }
      }
    });
    return Status::OK();
  }

 private:
  Forest forest_;
  ClassLabels labels_;
  int64_t classes_ = 0;
  PostTransform post_ = PostTransform::kNone;
  std::vector<double> base_;
  bool binary_ = false, all_positive_ = true;
};

// ---- TreeEnsemble (ml opset 5) ---------------------------------------------------------------

class TreeEnsemble final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(n_targets_, info.required_int("n_targets"));
    if (n_targets_ < 1 || n_targets_ > INT32_MAX) {
      return info.error(StatusCode::kInvalidArgument, "n_targets must be positive, got ", n_targets_);
    }
    ONYX_ASSIGN_OR_RETURN(int64_t agg, info.attr_int("aggregate_function", 1));
    if (agg < 0 || agg > 3) return info.error(StatusCode::kInvalidArgument, "aggregate_function ", agg, " out of range");
    agg_ = static_cast<Aggregate>(agg);
    ONYX_ASSIGN_OR_RETURN(int64_t pt, info.attr_int("post_transform", 0));
    ONYX_ASSIGN_OR_RETURN(post_, post_transform_from_int(info, pt));

    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> feat, info.attr_ints("nodes_featureids"));
    ONYX_ASSIGN_OR_RETURN(Tensor splits_t, info.required_tensor("nodes_splits"));
    ONYX_ASSIGN_OR_RETURN(Tensor modes_t, info.required_tensor("nodes_modes"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> tid, info.attr_ints("nodes_truenodeids"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> tleaf, info.attr_ints("nodes_trueleafs"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> fid, info.attr_ints("nodes_falsenodeids"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> fleaf, info.attr_ints("nodes_falseleafs"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> missing, info.attr_ints("nodes_missing_value_tracks_true"));
    ONYX_ASSIGN_OR_RETURN(const Tensor* member_t, optional_tensor_attr(info, "membership_values"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> roots, info.required_ints("tree_roots"));
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> ltarget, info.attr_ints("leaf_targetids"));
    ONYX_ASSIGN_OR_RETURN(Tensor lweights_t, info.required_tensor("leaf_weights"));

    split_type_ = splits_t.dtype();
    if (split_type_ != DataType::kFloat && split_type_ != DataType::kDouble && split_type_ != DataType::kFloat16) {
      return info.error(StatusCode::kInvalidArgument, "nodes_splits must be float, double or float16");
    }
    if (lweights_t.dtype() != split_type_ || (member_t != nullptr && member_t->dtype() != split_type_)) {
      return info.error(StatusCode::kInvalidArgument,
                        "leaf_weights and membership_values must have the type of nodes_splits");
    }
    if (modes_t.dtype() != DataType::kUInt8) {
      return info.error(StatusCode::kInvalidArgument, "nodes_modes must be a uint8 tensor");
    }
    const size_t n = feat.size();
    for (auto [len, name] : {std::make_pair(static_cast<size_t>(splits_t.numel()), "nodes_splits"),
                             std::make_pair(static_cast<size_t>(modes_t.numel()), "nodes_modes"),
                             std::make_pair(tid.size(), "nodes_truenodeids"),
                             std::make_pair(tleaf.size(), "nodes_trueleafs"),
                             std::make_pair(fid.size(), "nodes_falsenodeids"),
                             std::make_pair(fleaf.size(), "nodes_falseleafs")}) {
      if (len != n) {
        return info.error(StatusCode::kInvalidArgument, name, " has ", len, " entries, nodes_featureids ", n);
      }
    }
    if (!missing.empty() && missing.size() != n) {
      return info.error(StatusCode::kInvalidArgument, "nodes_missing_value_tracks_true has ", missing.size(),
                        " entries, nodes_featureids ", n);
    }
    const size_t nl = ltarget.size();
    if (static_cast<size_t>(lweights_t.numel()) != nl) {
      return info.error(StatusCode::kInvalidArgument, "leaf_weights has ", lweights_t.numel(),
                        " entries, leaf_targetids ", nl);
    }
    ONYX_ASSIGN_OR_RETURN(std::vector<double> splits, tensor_to_doubles(splits_t));
    ONYX_ASSIGN_OR_RETURN(std::vector<double> lweights, tensor_to_doubles(lweights_t));
    std::vector<double> members;
    if (member_t != nullptr) {
      ONYX_ASSIGN_OR_RETURN(members, tensor_to_doubles(*member_t));
    }
    // Raw nodes: interior [0, n), leaves [n, n + nl).
    std::vector<RawNode> raw(n + nl);
    size_t mpos = 0;
    for (size_t i = 0; i < n; ++i) {
      RawNode& r = raw[i];
      const uint8_t m = modes_t.data<uint8_t>()[i];
      if (m > kMember) return info.error(StatusCode::kInvalidArgument, "nodes_modes[", i, "] = ", int{m}, " is unknown");
      r.mode = m;
      r.feature = feat[i];
      r.value = splits[i];
      r.missing_true = !missing.empty() && missing[i] != 0;
      if (m == kMember) {
        if (member_t == nullptr) {
          return info.error(StatusCode::kInvalidArgument, "BRANCH_MEMBER node ", i, " needs membership_values");
        }
        // This node's set: the next values up to a NaN terminator (the last may omit it).
        while (mpos < members.size() && !std::isnan(members[mpos])) r.set.push_back(members[mpos++]);
        ++mpos;
      }
      for (auto [id, is_leaf, dst] : {std::make_tuple(tid[i], tleaf[i], &r.t), std::make_tuple(fid[i], fleaf[i], &r.f)}) {
        const size_t limit = is_leaf ? nl : n;
        if (id < 0 || static_cast<size_t>(id) >= limit) {
          return info.error(StatusCode::kInvalidArgument, "node ", i, " refers to ", is_leaf ? "leaf " : "node ", id,
                            " out of range [0, ", limit, ")");
        }
        *dst = is_leaf ? static_cast<int64_t>(n) + id : id;
      }
    }
    for (size_t j = 0; j < nl; ++j) {
      if (ltarget[j] < 0 || ltarget[j] >= n_targets_) {
        return info.error(StatusCode::kInvalidArgument, "leaf_targetids[", j, "] = ", ltarget[j],
                          " out of range [0, ", n_targets_, ")");
      }
      raw[n + j].weights.emplace_back(ltarget[j], lweights[j]);
    }
    for (int64_t r : roots) {
      if (r < 0 || static_cast<size_t>(r) >= n) {
        return info.error(StatusCode::kInvalidArgument, "tree root ", r, " out of range [0, ", n, ")");
      }
    }
    return flatten(info, raw, roots, n_targets_, &forest_);
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != split_type_) {
      return ctx.invalid_argument("input is ", data_type_name(x->dtype()), " but nodes_splits are ",
                                  data_type_name(split_type_));
    }
    static const std::vector<double> kNoBase;
    return dispatch<TypeList<float, double, float16>>(x->dtype(), [&]<typename T>() -> Status {
      return regress<T>(ctx, forest_, agg_, post_, kNoBase, n_targets_, x->dtype());
    });
  }

 private:
  Forest forest_;
  int64_t n_targets_ = 1;
  Aggregate agg_ = Aggregate::kSum;
  PostTransform post_ = PostTransform::kNone;
  DataType split_type_ = DataType::kFloat;
};

}  // namespace

void register_tree(KernelRegistry& r) {
  // Deprecated in ml opset 5 (replaced by TreeEnsemble): served for opsets 1-4.
  r.add_versions<TreeEnsembleClassifier, MlNumericTypes>(kOnnxMlDomain, "TreeEnsembleClassifier", {1, 3}, 4);
  r.add_versions<TreeEnsembleRegressor, MlNumericTypes>(kOnnxMlDomain, "TreeEnsembleRegressor", {1, 3}, 4);
  r.add_versions<TreeEnsemble, TypeList<float, double, float16>>(kOnnxMlDomain, "TreeEnsemble", {5}, kMl);
}

}  // namespace onyx::ml
