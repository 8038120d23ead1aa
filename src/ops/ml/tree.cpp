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
#include <limits>
#include <set>
#include <type_traits>
#include <unordered_map>

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

// The node of the fast path, indexed like Forest::nodes: the threshold in the type rows are
// compared in, and both children. A leaf points to itself twice, so a block of rows can
// descend a tree in lockstep for the tree's depth without testing for leaves.
template <typename T>
struct FastNode {
  T value = 0;
  int32_t feature = 0;
  int32_t child[2] = {0, 0};  // [comparison false, comparison true]
};

// The description the builders fill: nodes (interior and leaves) referring to each other by index.
struct RawNode {
  int64_t feature = 0;
  uint8_t mode = kLeaf;
  double value = 0;
  bool missing_true = false;
  int64_t t = -1, f = -1;
  std::vector<double> set;
  int64_t w_begin = 0, w_end = 0;  // leaves: range of RawWeights
};
// Leaf weights (target or class, weight), grouped by leaf.
using RawWeights = std::vector<std::pair<int64_t, double>>;

struct Forest {
  std::vector<FlatNode> nodes;
  std::vector<int32_t> roots;
  std::vector<int32_t> weight_ids;
  std::vector<double> weights;
  // Per node (and one past the last): the weights of the nodes before it, so a leaf i's weights
  // are [weight_begin[i], weight_begin[i + 1]) in a compact array (interior nodes have none).
  std::vector<int32_t> weight_begin;
  // When every leaf holds exactly one weight, for target 0 of a single target: that weight per
  // node, read with one load per (row, tree).
  std::vector<double> leaf_value;
  std::vector<std::vector<double>> sets;  // sorted
  int64_t max_feature = -1;

  // Fast path (see compile_fast): set when every interior node has the same mode, not MEMBER.
  uint8_t uniform_mode = kLeaf;  // kLeaf: no fast path
  bool any_missing_true = false;
  std::vector<int32_t> depths;  // per tree: levels from the root to its deepest leaf
  std::vector<FastNode<float>> fast_float;
  std::vector<FastNode<double>> fast_double;

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

// The float threshold that makes comparing a float x with it agree with comparing double(x)
// with `v`, for every x (NaN included): the largest float <= v for x <= v and x > v, the
// smallest float >= v for x < v and x >= v. For EQ / NEQ a v that no float equals becomes NaN,
// which no x equals. A v that is a float (any float attribute) is kept as is.
float float_threshold(double v, uint8_t mode) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr double kMax = std::numeric_limits<float>::max();
  if (std::isnan(v) || std::isinf(v)) return static_cast<float>(v);
  float down, up;
  if (v > kMax) {
    down = static_cast<float>(kMax);
    up = kInf;
  } else if (v < -kMax) {
    down = -kInf;
    up = -static_cast<float>(kMax);
  } else {
    const float r = static_cast<float>(v);
    if (static_cast<double>(r) == v) return r;
    down = static_cast<double>(r) < v ? r : std::nextafter(r, -kInf);
    up = static_cast<double>(r) > v ? r : std::nextafter(r, kInf);
  }
  switch (mode) {
    case kLeq:
    case kGt: return down;
    case kLt:
    case kGte: return up;
    default: return std::numeric_limits<float>::quiet_NaN();
  }
}

template <typename T>
T fast_threshold(double v, uint8_t mode) {
  if constexpr (std::is_same_v<T, float>) {
    return float_threshold(v, mode);
  } else {
    (void)mode;
    return v;
  }
}

// Levels from each root to its deepest leaf.
std::vector<int32_t> tree_depths(const Forest& forest) {
  std::vector<int32_t> depths;
  std::vector<std::pair<int32_t, int32_t>> stack;
  for (int32_t root : forest.roots) {
    int32_t depth = 0;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      const auto [i, d] = stack.back();
      stack.pop_back();
      const FlatNode& n = forest.nodes[static_cast<size_t>(i)];
      if (n.mode == kLeaf) {
        depth = std::max(depth, d);
      } else {
        stack.emplace_back(n.t, d + 1);
        stack.emplace_back(n.f, d + 1);
      }
    }
    depths.push_back(depth);
  }
  return depths;
}

template <typename T>
std::vector<FastNode<T>> fast_nodes(const Forest& forest) {
  std::vector<FastNode<T>> out(forest.nodes.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const FlatNode& n = forest.nodes[i];
    FastNode<T>& o = out[i];
    if (n.mode == kLeaf) {
      o.child[0] = o.child[1] = static_cast<int32_t>(i);
    } else {
      o.value = fast_threshold<T>(n.value, n.mode);
      o.feature = n.feature;
      o.child[0] = n.f;
      o.child[1] = n.t;
    }
  }
  return out;
}

// See Forest::leaf_value; empty when some leaf has another number of weights or another target.
std::vector<double> single_leaf_values(const Forest& forest) {
  std::vector<double> values(forest.nodes.size(), 0.0);
  for (size_t i = 0; i < forest.nodes.size(); ++i) {
    if (forest.nodes[i].mode != kLeaf) continue;
    const int32_t b = forest.weight_begin[i];
    if (forest.weight_begin[i + 1] != b + 1 || forest.weight_ids[static_cast<size_t>(b)] != 0) return {};
    values[i] = forest.weights[static_cast<size_t>(b)];
  }
  return values;
}

// Prepares the fast path when every interior node has the same comparison mode (not MEMBER):
// the kernel then compares without a per-node switch. `want_float` / `want_double`: which
// input types the node may see (float and float16 compare in float, the others in double).
void compile_fast(Forest* forest, bool want_float, bool want_double) {
  forest->leaf_value = single_leaf_values(*forest);
  uint8_t mode = kLeaf;
  for (const FlatNode& n : forest->nodes) {
    if (n.mode == kLeaf) continue;
    if (n.mode == kMember || (mode != kLeaf && n.mode != mode)) return;
    mode = n.mode;
    forest->any_missing_true |= n.missing_true != 0;
  }
  forest->uniform_mode = mode == kLeaf ? static_cast<uint8_t>(kLeq) : mode;  // leaves only: any mode will do
  forest->depths = tree_depths(*forest);
  if (want_float) forest->fast_float = fast_nodes<float>(*forest);
  if (want_double) forest->fast_double = fast_nodes<double>(*forest);
}

// Compiles raw nodes into `out`. Interior nodes may be reached once only (no cycles, no
// sharing); leaves may be shared.
Status flatten(const KernelInfo& info, const std::vector<RawNode>& raw, const RawWeights& raw_weights,
               const std::vector<int64_t>& roots, int64_t n_ids, Forest* out) {
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
      out->weight_begin.push_back(static_cast<int32_t>(out->weights.size()));
      FlatNode fn;
      fn.mode = rn.mode;
      if (rn.mode == kLeaf) {
        fn.t = static_cast<int32_t>(out->weights.size());
        for (int64_t k = rn.w_begin; k < rn.w_end; ++k) {
          const auto& [id, w] = raw_weights[static_cast<size_t>(k)];
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
  out->weight_begin.push_back(static_cast<int32_t>(out->weights.size()));
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

// Position of each (tree id, node id) among the legacy attribute tuples, built in linear time
// (models have hundreds of thousands of nodes). Trees are numbered densely in order of first
// appearance; within a tree, node ids that are nearly dense (the usual 0..n-1) are looked up
// in a table, others in a hash map.
class NodeIndex {
 public:
  Status build(const KernelInfo& info, const std::vector<int64_t>& treeids, const std::vector<int64_t>& nodeids) {
    tree_of_.resize(treeids.size());
    for (size_t i = 0; i < treeids.size(); ++i) {
      int32_t t = tree_number(treeids[i]);
      if (t < 0) {
        t = static_cast<int32_t>(trees_.size());
        number_.emplace(treeids[i], t);
        trees_.push_back(Tree{treeids[i], nodeids[i], nodeids[i], 0, {}, {}});
      }
      Tree& tr = trees_[static_cast<size_t>(t)];
      tr.min = std::min(tr.min, nodeids[i]);
      tr.max = std::max(tr.max, nodeids[i]);
      ++tr.count;
      tree_of_[i] = t;
    }
    for (Tree& tr : trees_) {
      if (dense(tr)) {
        tr.table.assign(static_cast<size_t>(tr.max - tr.min + 1), -1);
      } else {
        tr.map.reserve(static_cast<size_t>(tr.count));
      }
    }
    for (size_t i = 0; i < treeids.size(); ++i) {
      Tree& tr = trees_[static_cast<size_t>(tree_of_[i])];
      const int32_t pos = static_cast<int32_t>(i);
      const bool fresh = dense(tr) ? std::exchange(tr.table[static_cast<size_t>(nodeids[i] - tr.min)], pos) < 0
                                   : tr.map.emplace(nodeids[i], pos).second;
      if (!fresh) {
        return info.error(StatusCode::kInvalidArgument, "node (tree ", treeids[i], ", id ", nodeids[i],
                          ") is defined twice");
      }
    }
    return Status::OK();
  }

  // Dense number of a tree id, -1 when no node has it.
  int32_t tree_number(int64_t tree_id) const {
    if (last_ >= 0 && trees_[static_cast<size_t>(last_)].id == tree_id) return last_;
    auto it = number_.find(tree_id);
    last_ = it == number_.end() ? -1 : it->second;
    return last_;
  }
  int32_t tree_of(size_t i) const { return tree_of_[i]; }
  size_t num_trees() const { return trees_.size(); }
  int64_t tree_id(size_t t) const { return trees_[t].id; }
  // Tuple position of (tree t, node id), -1 when absent.
  int64_t find(int32_t t, int64_t node) const {
    if (t < 0) return -1;
    const Tree& tr = trees_[static_cast<size_t>(t)];
    if (dense(tr)) {
      if (node < tr.min || node > tr.max) return -1;
      return tr.table[static_cast<size_t>(node - tr.min)];
    }
    auto it = tr.map.find(node);
    return it == tr.map.end() ? -1 : it->second;
  }

 private:
  struct Tree {
    int64_t id, min, max, count;
    std::vector<int32_t> table;
    std::unordered_map<int64_t, int32_t> map;
  };
  // Ids spanning at most twice their count (+ slack): a table costs less than hashing.
  static bool dense(const Tree& tr) {
    return static_cast<uint64_t>(tr.max) - static_cast<uint64_t>(tr.min) < static_cast<uint64_t>(2 * tr.count + 64);
  }
  std::vector<int32_t> tree_of_;
  std::vector<Tree> trees_;
  std::unordered_map<int64_t, int32_t> number_;
  mutable int32_t last_ = -1;  // consecutive tuples usually share a tree
};

// Groups leaf weight tuples by leaf (keeping their order within a leaf) into `weights`, and
// sets each leaf's range.
void group_weights(const std::vector<int64_t>& leaf_of, const std::vector<std::pair<int64_t, double>>& tuples,
                   std::vector<RawNode>* raw, RawWeights* weights) {
  for (int64_t leaf : leaf_of) ++(*raw)[static_cast<size_t>(leaf)].w_end;
  int64_t pos = 0;
  for (RawNode& r : *raw) {
    const int64_t count = r.w_end;
    r.w_begin = r.w_end = pos;
    pos += count;
  }
  weights->resize(static_cast<size_t>(pos));
  for (size_t i = 0; i < leaf_of.size(); ++i) {
    RawNode& r = (*raw)[static_cast<size_t>(leaf_of[i])];
    (*weights)[static_cast<size_t>(r.w_end++)] = tuples[i];
  }
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
  if (n >= static_cast<size_t>(INT32_MAX)) return info.error(StatusCode::kInvalidArgument, "too many nodes");
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

  NodeIndex index;
  ONYX_RETURN_IF_ERROR(index.build(info, treeids, nodeids));
  std::vector<RawNode> raw(n);
  std::vector<bool> referenced(n, false);
  for (size_t i = 0; i < n; ++i) {
    RawNode& r = raw[i];
    ONYX_ASSIGN_OR_RETURN(r.mode, parse_mode(info, modes[i]));
    if (r.mode == kLeaf) continue;
    r.feature = featureids[i];
    r.value = values[i];
    r.missing_true = !missing.empty() && missing[i] != 0;
    for (auto [child, dst] : {std::make_pair(trueids[i], &r.t), std::make_pair(falseids[i], &r.f)}) {
      const int64_t pos = index.find(index.tree_of(i), child);
      if (pos < 0) {
        return info.error(StatusCode::kInvalidArgument, "node (tree ", treeids[i], ", id ", nodeids[i],
                          ") refers to missing child ", child);
      }
      *dst = pos;
      referenced[static_cast<size_t>(pos)] = true;
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
  std::vector<int64_t> leaf_of(wnode.size());
  std::vector<std::pair<int64_t, double>> tuples(wnode.size());
  for (size_t i = 0; i < wnode.size(); ++i) {
    const int64_t pos = index.find(index.tree_number(wtree[i]), wnode[i]);
    if (pos < 0 || raw[static_cast<size_t>(pos)].mode != kLeaf) {
      return info.error(StatusCode::kInvalidArgument, prefix, " weight ", i, " refers to (tree ", wtree[i],
                        ", id ", wnode[i], ") which is not a leaf");
    }
    if (wid[i] < 0 || wid[i] >= n_ids) {
      return info.error(StatusCode::kInvalidArgument, prefix, "_ids[", i, "] = ", wid[i], " out of range [0, ",
                        n_ids, ")");
    }
    leaf_of[i] = pos;
    tuples[i] = {wid[i], w[i]};
    used_ids->insert(wid[i]);
    if (w[i] < 0) *all_positive = false;
  }
  RawWeights weights;
  group_weights(leaf_of, tuples, &raw, &weights);
  // Roots: per tree (in order of first appearance), the node no other node refers to.
  std::vector<int64_t> roots(index.num_trees(), -1);
  for (size_t i = 0; i < n; ++i) {
    if (referenced[i]) continue;
    int64_t& slot = roots[static_cast<size_t>(index.tree_of(i))];
    if (slot >= 0) {
      return info.error(StatusCode::kInvalidArgument, "tree ", treeids[i], " has more than one root");
    }
    slot = static_cast<int64_t>(i);
  }
  for (size_t t = 0; t < roots.size(); ++t) {
    if (roots[t] < 0) {
      return info.error(StatusCode::kInvalidArgument, "tree ", index.tree_id(t), " has no root (cycle)");
    }
  }
  return flatten(info, raw, weights, roots, n_ids, out);
}

// The legacy ops take float, double or integer input: the fast nodes for the input type when
// it is known at load, both otherwise.
void compile_for_input(const KernelInfo& info, Forest* forest) {
  const ir::TypeInfo* t = info.input_type(0);
  const DataType dt = t != nullptr && t->is_tensor() ? t->elem_type : DataType::kUndefined;
  const bool known = dt != DataType::kUndefined;
  compile_fast(forest, !known || dt == DataType::kFloat, !known || dt != DataType::kFloat);
}

Status check_features(const KernelContext& ctx, const Forest& forest, int64_t f) {
  if (forest.max_feature >= f) {
    return ctx.invalid_argument("the model reads feature ", forest.max_feature, " but the input has ", f,
                                " features");
  }
  return Status::OK();
}

Result<Aggregate> parse_aggregate(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(std::string a, info.attr_string("aggregate_function", "SUM"));
  if (a == "SUM") return Aggregate::kSum;
  if (a == "AVERAGE") return Aggregate::kAverage;
  if (a == "MIN") return Aggregate::kMin;
  if (a == "MAX") return Aggregate::kMax;
  return info.error(StatusCode::kInvalidArgument, "unknown aggregate_function '", a, "'");
}

// ---- evaluation ---------------------------------------------------------------------------
//
// Rows are evaluated in blocks, tree by tree: the rows of a block find their leaves in one tree
// (descending it together), then add that tree's leaf weights to their scores, while the tree
// is in cache. Every row thus sums its trees in tree order, the same double arithmetic as a
// plain row-by-row walk, whatever the blocking and the number of threads.

constexpr int64_t kBlockRows = 512;        // rows per block (a block's X stays in L1 / L2)
constexpr int kLanes = 16;                 // rows descending one tree in lockstep
constexpr int32_t kMaxLockstepDepth = 40;  // deeper trees: each row walks to its own leaf

template <typename T, uint8_t M>
inline bool goes_true(T x, T v) {
  if constexpr (M == kLeq) return x <= v;
  if constexpr (M == kLt) return x < v;
  if constexpr (M == kGte) return x >= v;
  if constexpr (M == kGt) return x > v;
  if constexpr (M == kEq) return x == v;
  if constexpr (M == kNeq) return x != v;
}

// N rows of `x` (row stride ld) descend from `root` for `depth` levels together: N independent
// chains of loads keep the core busy where one row's chain would wait on each load.
template <typename T, uint8_t M, int N>
inline void descend_lanes(const FastNode<T>* nodes, int32_t root, int32_t depth, const T* x, int64_t ld,
                          int32_t* out) {
  int32_t idx[N];
  for (int i = 0; i < N; ++i) idx[i] = root;
  for (int32_t d = 0; d < depth; ++d) {
    for (int i = 0; i < N; ++i) {
      const FastNode<T>& n = nodes[idx[i]];
      idx[i] = n.child[goes_true<T, M>(x[i * ld + n.feature], n.value)];
    }
  }
  for (int i = 0; i < N; ++i) out[i] = idx[i];
}

// A row walks until it reaches a leaf (the node that is its own child).
template <typename T, uint8_t M>
int32_t walk(const FastNode<T>* nodes, int32_t i, const T* row) {
  for (;;) {
    const FastNode<T>& n = nodes[i];
    const int32_t next = n.child[goes_true<T, M>(row[n.feature], n.value)];
    if (next == i) return i;
    i = next;
  }
}

// Node range of tree k (interior nodes and unshared leaves are laid out per tree, in order).
std::pair<size_t, size_t> tree_span(const Forest& forest, size_t k) {
  const size_t b = static_cast<size_t>(forest.roots[k]);
  const size_t e = k + 1 < forest.roots.size() ? static_cast<size_t>(forest.roots[k + 1]) : forest.nodes.size();
  return {b, std::max(b, e)};
}

// Asks for [p, p + bytes) to be brought into L2: the next tree, while this one is walked, so
// its first touches do not wait on L3.
inline void prefetch(const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0, 2);
}

// Leaves of tree k for `rows` rows of x (f columns).
template <typename T, uint8_t M>
void descend_tree(const Forest& forest, const FastNode<T>* nodes, const T* x, int64_t f, int64_t rows, size_t k,
                  int32_t* out) {
  const int32_t root = forest.roots[k];
  const int32_t depth = forest.depths[k];
  // The next tree's nodes, a slice per group of lanes.
  const char* next = nullptr;
  size_t next_bytes = 0, slice = 0;
  if (k + 1 < forest.roots.size()) {
    const auto [b, e] = tree_span(forest, k + 1);
    next = reinterpret_cast<const char*>(nodes + b);
    next_bytes = (e - b) * sizeof(FastNode<T>);
    slice = (next_bytes / static_cast<size_t>(std::max<int64_t>(1, rows / kLanes)) + 63) & ~size_t{63};
  }
  if (depth > kMaxLockstepDepth) {
    for (int64_t r = 0; r < rows; ++r) out[r] = walk<T, M>(nodes, root, x + r * f);
    return;
  }
  int64_t r = 0;
  size_t done = 0;
  for (; r + kLanes <= rows; r += kLanes) {
    if (done < next_bytes) {
      prefetch(next + done, std::min(slice, next_bytes - done));
      done += slice;
    }
    descend_lanes<T, M, kLanes>(nodes, root, depth, x + r * f, f, out + r);
  }
  for (; r + 4 <= rows; r += 4) descend_lanes<T, M, 4>(nodes, root, depth, x + r * f, f, out + r);
  for (; r < rows; ++r) descend_lanes<T, M, 1>(nodes, root, depth, x + r * f, f, out + r);
}

template <typename T>
void descend_tree(const Forest& forest, const std::vector<FastNode<T>>& nodes, const T* x, int64_t f,
                  int64_t rows, size_t k, int32_t* out) {
  const FastNode<T>* n = nodes.data();
  switch (forest.uniform_mode) {
    case kLeq: return descend_tree<T, kLeq>(forest, n, x, f, rows, k, out);
    case kLt: return descend_tree<T, kLt>(forest, n, x, f, rows, k, out);
    case kGte: return descend_tree<T, kGte>(forest, n, x, f, rows, k, out);
    case kGt: return descend_tree<T, kGt>(forest, n, x, f, rows, k, out);
    case kEq: return descend_tree<T, kEq>(forest, n, x, f, rows, k, out);
    default: return descend_tree<T, kNeq>(forest, n, x, f, rows, k, out);
  }
}

template <typename T>
bool any_nan(const T* p, int64_t n) {
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) nan |= std::isnan(p[i]);
  return nan;
}

// Rows [rb, re) of X in the form the forest walks them: float for the float fast path (float16
// widened exactly), double for the double fast path and for the reference walk (as the spec's
// double arithmetic converts). Float and double input are used in place.
class Rows {
 public:
  Rows(const Forest& forest, const Tensor& x, int64_t f, int64_t rb, int64_t re) : f_(f), rows_(re - rb) {
    const DataType dt = x.dtype();
    const bool narrow = dt == DataType::kFloat || dt == DataType::kFloat16;
    if (narrow && !forest.fast_float.empty()) {
      floats_ = dt == DataType::kFloat ? x.data<float>() + rb * f : convert<float>(x, rb, &fbuf_);
      if (!forest.any_missing_true || !any_nan(floats_, rows_ * f)) return;
      floats_ = nullptr;  // NaN with missing-value tracking: the reference walk
    }
    doubles_ = dt == DataType::kDouble ? x.data<double>() + rb * f : convert<double>(x, rb, &dbuf_);
    fast_double_ = !narrow && !forest.fast_double.empty() && (!forest.any_missing_true || !any_nan(doubles_, rows_ * f));
  }

  int64_t size() const { return rows_; }

  // Leaves of tree k for every row.
  void leaves(const Forest& forest, size_t k, int32_t* out) const {
    if (floats_ != nullptr) return descend_tree<float>(forest, forest.fast_float, floats_, f_, rows_, k, out);
    if (fast_double_) return descend_tree<double>(forest, forest.fast_double, doubles_, f_, rows_, k, out);
    for (int64_t r = 0; r < rows_; ++r) {
      const FlatNode& leaf = forest.leaf(doubles_ + r * f_, forest.roots[k]);
      out[r] = static_cast<int32_t>(&leaf - forest.nodes.data());
    }
  }

 private:
  template <typename C>
  const C* convert(const Tensor& x, int64_t rb, std::vector<C>* buf) const {
    buf->resize(static_cast<size_t>(rows_ * f_));
    (void)dispatch<NumericTypes>(x.dtype(), [&]<typename T>() {
      const T* p = x.data<T>() + rb * f_;
      for (size_t i = 0; i < buf->size(); ++i) (*buf)[i] = static_cast<C>(static_cast<compute_t<T>>(p[i]));
      return Status::OK();
    });
    return buf->data();
  }

  int64_t f_, rows_;
  const float* floats_ = nullptr;
  const double* doubles_ = nullptr;
  bool fast_double_ = false;
  std::vector<float> fbuf_;
  std::vector<double> dbuf_;
};

// Adds the weights of leaf `leaf` to one row's scores `s` (`has`: whether a leaf wrote each
// target). The leaf's weights are [weight_begin[leaf], weight_begin[leaf + 1]).
inline void apply_leaf(const Forest& forest, Aggregate agg, int32_t leaf, double* s, unsigned char* has) {
  const int32_t end = forest.weight_begin[static_cast<size_t>(leaf) + 1];
  for (int32_t k = forest.weight_begin[static_cast<size_t>(leaf)]; k < end; ++k) {
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

// Adds tree k's leaves of `rows` rows to their scores.
void apply_tree(const Forest& forest, Aggregate agg, const int32_t* leaves, int64_t rows, double* s,
                unsigned char* has, int64_t n_targets) {
  if (forest.leaf_value.empty() || n_targets != 1) {
    for (int64_t r = 0; r < rows; ++r) apply_leaf(forest, agg, leaves[r], s + r * n_targets, has + r * n_targets);
    return;
  }
  const double* v = forest.leaf_value.data();
  switch (agg) {
    case Aggregate::kMin:
      for (int64_t r = 0; r < rows; ++r) s[r] = has[r] ? std::min(s[r], v[leaves[r]]) : v[leaves[r]];
      break;
    case Aggregate::kMax:
      for (int64_t r = 0; r < rows; ++r) s[r] = has[r] ? std::max(s[r], v[leaves[r]]) : v[leaves[r]];
      break;
    default:
      for (int64_t r = 0; r < rows; ++r) s[r] += v[leaves[r]];
  }
  std::fill_n(has, rows, 1);
}

// Scores of n rows: s / has are [n, n_targets], zero on entry; AVERAGE is divided here.
// Enough rows: blocks of rows in parallel, each tree by tree. Few rows and several threads:
// the trees in parallel, each writing its leaves, then the leaves are added in tree order.
void score_rows(KernelContext& ctx, const Forest& forest, Aggregate agg, const Tensor& x, int64_t n, int64_t f,
                int64_t n_targets, double* s, unsigned char* has) {
  const size_t trees = forest.roots.size();
  const int64_t threads = ctx.pool() == nullptr ? 1 : ctx.pool()->num_threads();
  if (threads > 1 && n < threads * kLanes) {
    const Rows rows(forest, x, f, 0, n);
    std::vector<int32_t> leaves(trees * static_cast<size_t>(n));
    parallel_for(ctx.pool(), static_cast<int64_t>(trees), 8, [&](int64_t tb, int64_t te) {
      for (int64_t k = tb; k < te; ++k) rows.leaves(forest, static_cast<size_t>(k), leaves.data() + k * n);
    });
    for (size_t k = 0; k < trees; ++k) apply_tree(forest, agg, leaves.data() + k * n, n, s, has, n_targets);
  } else {
    // Blocks no larger than an even share of the rows, so every thread gets work.
    const int64_t block = std::min(kBlockRows, std::max<int64_t>(kLanes, (n + threads - 1) / threads));
    const int64_t blocks = (n + block - 1) / block;
    parallel_for(ctx.pool(), blocks, 1, [&](int64_t b0, int64_t b1) {
      std::vector<int32_t> leaves(static_cast<size_t>(block));
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t rb = b * block, re = std::min(n, rb + block);
        const Rows rows(forest, x, f, rb, re);
        for (size_t k = 0; k < trees; ++k) {
          rows.leaves(forest, k, leaves.data());
          apply_tree(forest, agg, leaves.data(), re - rb, s + rb * n_targets, has + rb * n_targets, n_targets);
        }
      }
    });
  }
  if (agg == Aggregate::kAverage && trees > 0) {
    for (int64_t i = 0; i < n * n_targets; ++i) s[i] /= static_cast<double>(trees);
  }
}

// Regression core shared by TreeEnsembleRegressor and TreeEnsemble: writes [N, n_targets].
template <typename Out>
Status regress(KernelContext& ctx, const Forest& forest, Aggregate agg, PostTransform post,
               const std::vector<double>& base, int64_t n_targets, DataType out_type) {
  ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
  int64_t n = 0, f = 0;
  ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &f));
  ONYX_RETURN_IF_ERROR(check_features(ctx, forest, f));
  std::vector<double> s(static_cast<size_t>(n * n_targets), 0.0);
  std::vector<unsigned char> has(s.size(), 0);
  score_rows(ctx, forest, agg, *x, n, f, n_targets, s.data(), has.data());
  Tensor& y = ctx.allocate_output(0, out_type, {n, n_targets});
  Out* out = y.data<Out>();
  for (int64_t i = 0; i < n; ++i) {
    double* si = s.data() + i * n_targets;
    if (!base.empty()) {
      for (int64_t t = 0; t < n_targets; ++t) si[t] += base[t];
    }
    apply_post_transform(post, si, n_targets);
    for (int64_t t = 0; t < n_targets; ++t) out[i * n_targets + t] = static_cast<Out>(si[t]);
  }
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
    ONYX_RETURN_IF_ERROR(build_legacy(info, "target", n_targets_, &forest_, &used, &all_positive));
    compile_for_input(info, &forest_);
    return Status::OK();
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
    compile_for_input(info, &forest_);
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
    std::vector<double> scores(static_cast<size_t>(n * classes_), 0.0);
    std::vector<unsigned char> written(scores.size(), 0);
    score_rows(ctx, forest_, Aggregate::kSum, *x, n, f, classes_, scores.data(), written.data());
    Tensor& y = ctx.allocate_output(0, labels_.dtype(), {n});
    Tensor* z = ctx.output_requested(1) ? &ctx.allocate_output(1, DataType::kFloat, {n, classes_}) : nullptr;
    parallel_for(ctx.pool(), n, 64, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        double* s = scores.data() + i * classes_;
        unsigned char* has = written.data() + i * classes_;
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
          apply_post_transform(post_, s, classes_);
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
    RawWeights weights(nl);
    for (size_t j = 0; j < nl; ++j) {
      if (ltarget[j] < 0 || ltarget[j] >= n_targets_) {
        return info.error(StatusCode::kInvalidArgument, "leaf_targetids[", j, "] = ", ltarget[j],
                          " out of range [0, ", n_targets_, ")");
      }
      weights[j] = {ltarget[j], lweights[j]};
      raw[n + j].w_begin = static_cast<int64_t>(j);
      raw[n + j].w_end = static_cast<int64_t>(j) + 1;
    }
    for (int64_t r : roots) {
      if (r < 0 || static_cast<size_t>(r) >= n) {
        return info.error(StatusCode::kInvalidArgument, "tree root ", r, " out of range [0, ", n, ")");
      }
    }
    ONYX_RETURN_IF_ERROR(flatten(info, raw, weights, roots, n_targets_, &forest_));
    // The input has the type of the splits: float16 and float compare in float.
    const bool wide = split_type_ == DataType::kDouble;
    compile_fast(&forest_, !wide, wide);
    return Status::OK();
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
