// The tree ensembles' fast paths (float / double lockstep descent, row blocks, trees in
// parallel for few rows) against a plain reference walk written here from the spec: random
// forests of every comparison mode, unbalanced trees, thresholds tied with inputs, NaN inputs
// with and without missing-value tracking, several targets and weights per leaf. Results must
// be bit-for-bit the reference's (double comparisons, leaves summed in tree order).
#include <cmath>
#include <limits>
#include <random>

#include "test_util.h"

namespace onyx::test {
namespace {

struct TNode {
  bool leaf = true;
  int64_t feature = 0;
  double value = 0;
  bool missing_true = false;
  int64_t t = -1, f = -1;                          // children (indices in the tree)
  std::vector<std::pair<int64_t, double>> weights;  // leaves
};
using TTree = std::vector<TNode>;

constexpr int64_t kFeatures = 5;

// Thresholds and inputs come from a small pool so that ties (x == threshold) are common.
const std::vector<float> kPool = {-2.f, -1.f, -0.5f, 0.f, 0.25f, 0.5f, 1.f, 3.f};

struct ForestSpec {
  std::string mode = "BRANCH_LEQ";
  bool mixed_modes = false;
  double missing_rate = 0;  // fraction of interior nodes tracking missing values as true
  int64_t targets = 1;
  int max_weights = 1;      // weights per leaf: 1..max_weights
  bool sparse_ids = false;  // node ids far from 0..n-1 (the hashed index)
  bool double_thresholds = false;  // nodes_values_as_tensor with values no float equals
};

const std::vector<std::string> kModes = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE",
                                         "BRANCH_GT",  "BRANCH_EQ", "BRANCH_NEQ"};

int64_t grow(TTree& tree, std::mt19937& rng, int depth, const ForestSpec& spec) {
  const int64_t id = static_cast<int64_t>(tree.size());
  tree.emplace_back();
  std::uniform_real_distribution<double> u(0, 1);
  if (depth == 0 || u(rng) < 0.15) {
    const int n = 1 + static_cast<int>(rng() % static_cast<unsigned>(spec.max_weights));
    for (int k = 0; k < n; ++k) {
      tree[id].weights.emplace_back(static_cast<int64_t>(rng() % static_cast<unsigned>(spec.targets)),
                                    std::round(u(rng) * 2000 - 1000) / 8);
    }
    return id;
  }
  TNode n;
  n.leaf = false;
  n.feature = static_cast<int64_t>(rng() % kFeatures);
  n.value = kPool[rng() % kPool.size()];
  if (spec.double_thresholds) n.value += (u(rng) - 0.5) * 1e-9;  // between two floats
  n.missing_true = u(rng) < spec.missing_rate;
  const int64_t t = grow(tree, rng, depth - 1, spec);
  const int64_t f = grow(tree, rng, depth - 1, spec);
  n.t = t;
  n.f = f;
  tree[id] = n;
  return id;
}

bool goes_true(const std::string& mode, double x, double v) {
  if (mode == "BRANCH_LEQ") return x <= v;
  if (mode == "BRANCH_LT") return x < v;
  if (mode == "BRANCH_GTE") return x >= v;
  if (mode == "BRANCH_GT") return x > v;
  if (mode == "BRANCH_EQ") return x == v;
  return x != v;
}

struct TestForest {
  std::vector<TTree> trees;
  std::vector<std::vector<std::string>> modes;  // per tree, per node
};

TestForest make_forest(std::mt19937& rng, int trees, const ForestSpec& spec) {
  TestForest tf;
  for (int t = 0; t < trees; ++t) {
    TTree tree;
    grow(tree, rng, 1 + static_cast<int>(rng() % 7), spec);
    std::vector<std::string> modes;
    for (const TNode& n : tree) {
      modes.push_back(n.leaf ? "LEAF" : (spec.mixed_modes ? kModes[rng() % kModes.size()] : spec.mode));
    }
    tf.trees.push_back(std::move(tree));
    tf.modes.push_back(std::move(modes));
  }
  return tf;
}

std::vector<ir::Attribute> regressor_attrs(const TestForest& tf, const ForestSpec& spec, const std::string& agg) {
  std::vector<int64_t> treeids, nodeids, feat, tn, fn, miss, wt, wn, wi;
  std::vector<std::string> modes;
  std::vector<double> vals;
  std::vector<float> w;
  const auto id_of = [&](size_t t, int64_t i) { return spec.sparse_ids ? i * 1000003 + 7 * static_cast<int64_t>(t) : i; };
  for (size_t t = 0; t < tf.trees.size(); ++t) {
    const TTree& tree = tf.trees[t];
    // Nodes listed last to first: the builders must not rely on the attribute order.
    for (int64_t i = static_cast<int64_t>(tree.size()) - 1; i >= 0; --i) {
      const TNode& n = tree[static_cast<size_t>(i)];
      treeids.push_back(static_cast<int64_t>(t) * 3 + 1);
      nodeids.push_back(id_of(t, i));
      feat.push_back(n.feature);
      modes.push_back(tf.modes[t][static_cast<size_t>(i)]);
      vals.push_back(n.value);
      tn.push_back(n.leaf ? 0 : id_of(t, n.t));
      fn.push_back(n.leaf ? 0 : id_of(t, n.f));
      miss.push_back(n.missing_true ? 1 : 0);
      for (const auto& [target, weight] : n.weights) {
        wt.push_back(static_cast<int64_t>(t) * 3 + 1);
        wn.push_back(id_of(t, i));
        wi.push_back(target);
        w.push_back(static_cast<float>(weight));
      }
    }
  }
  std::vector<ir::Attribute> a = {
      attr_ints("nodes_treeids", treeids),     attr_ints("nodes_nodeids", nodeids),
      attr_ints("nodes_featureids", feat),      attr_strings("nodes_modes", modes),
      attr_ints("nodes_truenodeids", tn),       attr_ints("nodes_falsenodeids", fn),
      attr_ints("nodes_missing_value_tracks_true", miss),
      attr_ints("target_treeids", wt),          attr_ints("target_nodeids", wn),
      attr_ints("target_ids", wi),              attr_floats("target_weights", w),
      attr_int("n_targets", spec.targets),      attr_string("aggregate_function", agg)};
  if (spec.double_thresholds) {
    a.push_back(attr_tensor("nodes_values_as_tensor",
                            Tensor::from_vector<double>(vals, {static_cast<int64_t>(vals.size())})));
  } else {
    a.push_back(attr_floats("nodes_values", std::vector<float>(vals.begin(), vals.end())));
  }
  return a;
}

// The spec's evaluation of one row (x as double), aggregated over the trees in order.
std::vector<double> reference_row(const TestForest& tf, const ForestSpec& spec, const std::string& agg,
                                  const double* x) {
  std::vector<double> s(static_cast<size_t>(spec.targets), 0.0);
  std::vector<bool> has(s.size(), false);
  for (size_t t = 0; t < tf.trees.size(); ++t) {
    const TTree& tree = tf.trees[t];
    int64_t i = 0;
    while (!tree[static_cast<size_t>(i)].leaf) {
      const TNode& n = tree[static_cast<size_t>(i)];
      const double v = x[n.feature];
      const bool go = (n.missing_true && std::isnan(v)) || goes_true(tf.modes[t][static_cast<size_t>(i)], v, n.value);
      i = go ? n.t : n.f;
    }
    for (const auto& [target, weight] : tree[static_cast<size_t>(i)].weights) {
      const double wd = static_cast<float>(weight);
      double& st = s[static_cast<size_t>(target)];
      if (agg == "MIN") {
        st = has[target] ? std::min(st, wd) : wd;
      } else if (agg == "MAX") {
        st = has[target] ? std::max(st, wd) : wd;
      } else {
        st += wd;
      }
      has[target] = true;
    }
  }
  if (agg == "AVERAGE") {
    for (double& v : s) v /= static_cast<double>(tf.trees.size());
  }
  return s;
}

// Inputs from the pool (ties), arbitrary values, and NaN at `nan_rate`.
std::vector<float> random_rows(std::mt19937& rng, int64_t rows, double nan_rate) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<float> x(static_cast<size_t>(rows * kFeatures));
  for (float& v : x) {
    const double r = u(rng);
    if (r < nan_rate) {
      v = std::numeric_limits<float>::quiet_NaN();
    } else if (r < 0.6) {
      v = kPool[rng() % kPool.size()];
    } else if (r < 0.7) {
      // The floats next to a pool value: directed rounding of double thresholds.
      v = std::nextafter(kPool[rng() % kPool.size()], r < 0.65 ? -INFINITY : INFINITY);
    } else {
      v = static_cast<float>(u(rng) * 8 - 4);
    }
  }
  return x;
}

template <typename T>
void expect_matches_reference(const TestForest& tf, const ForestSpec& spec, const std::string& agg,
                              const std::vector<float>& xf, int64_t rows, int threads) {
  std::vector<T> x(xf.begin(), xf.end());
  const NodeSpec node{"TreeEnsembleRegressor", 3, {V(make<T>(x, {rows, kFeatures}))},
                      regressor_attrs(tf, spec, agg), 1, "ai.onnx.ml"};
  auto r = run_node(node, RunConfig{threads, {}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const Tensor& y = (*r)[0].tensor();
  ASSERT_EQ(y.shape(), (Shape{rows, spec.targets}));
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<double> row(x.begin() + i * kFeatures, x.begin() + (i + 1) * kFeatures);
    const std::vector<double> want = reference_row(tf, spec, agg, row.data());
    for (int64_t t = 0; t < spec.targets; ++t) {
      ASSERT_EQ(y.data<float>()[i * spec.targets + t], static_cast<float>(want[static_cast<size_t>(t)]))
          << "row " << i << " target " << t << " (" << spec.mode << ", " << agg << ", " << threads << " threads, "
          << rows << " rows)";
    }
  }
}

// Row counts that reach each evaluation strategy: trees in parallel (few rows, 2 threads),
// one block, several blocks, lanes of 16 plus tails.
const std::vector<int64_t> kRowCounts = {1, 3, 21, 100, 1100};

TEST(MlTreeFast, EveryModeMatchesReferenceFloatAndDouble) {
  std::mt19937 rng(7);
  for (const std::string& mode : kModes) {
    ForestSpec spec;
    spec.mode = mode;
    const TestForest tf = make_forest(rng, 23, spec);
    for (int64_t rows : kRowCounts) {
      const std::vector<float> x = random_rows(rng, rows, 0.05);
      for (int threads : {1, 2}) {
        expect_matches_reference<float>(tf, spec, "SUM", x, rows, threads);
        expect_matches_reference<double>(tf, spec, "AVERAGE", x, rows, threads);
      }
    }
  }
}

TEST(MlTreeFast, MissingValueTrackingWithNaNRows) {
  std::mt19937 rng(11);
  ForestSpec spec;
  spec.missing_rate = 0.4;
  const TestForest tf = make_forest(rng, 17, spec);
  for (int64_t rows : kRowCounts) {
    // Blocks with NaN take the reference walk, blocks without it the fast path.
    const std::vector<float> with_nan = random_rows(rng, rows, 0.1);
    const std::vector<float> without = random_rows(rng, rows, 0.0);
    for (int threads : {1, 2}) {
      expect_matches_reference<float>(tf, spec, "SUM", with_nan, rows, threads);
      expect_matches_reference<float>(tf, spec, "SUM", without, rows, threads);
      expect_matches_reference<double>(tf, spec, "SUM", with_nan, rows, threads);
    }
  }
}

TEST(MlTreeFast, TargetsWeightsAggregatesAndIndexing) {
  std::mt19937 rng(13);
  for (const std::string agg : {"SUM", "AVERAGE", "MIN", "MAX"}) {
    ForestSpec spec;
    spec.mode = "BRANCH_LT";
    spec.targets = 3;
    spec.max_weights = 3;
    spec.sparse_ids = agg == std::string("MIN");
    const TestForest tf = make_forest(rng, 19, spec);
    for (int64_t rows : {int64_t{2}, int64_t{300}}) {
      const std::vector<float> x = random_rows(rng, rows, 0.05);
      for (int threads : {1, 2}) expect_matches_reference<float>(tf, spec, agg, x, rows, threads);
    }
    // One target, one weight per leaf: the per-node leaf values.
    ForestSpec single;
    single.sparse_ids = spec.sparse_ids;
    const TestForest ts = make_forest(rng, 19, single);
    const std::vector<float> x = random_rows(rng, 300, 0.05);
    for (int threads : {1, 2}) expect_matches_reference<float>(ts, single, agg, x, 300, threads);
  }
}

TEST(MlTreeFast, MixedModesAndDoubleThresholds) {
  std::mt19937 rng(17);
  ForestSpec mixed;
  mixed.mixed_modes = true;  // the reference walk
  mixed.missing_rate = 0.2;
  const TestForest tm = make_forest(rng, 15, mixed);
  // Thresholds no float equals, compared with float input: the float thresholds are rounded
  // toward the side that keeps every comparison exact.
  for (const std::string& mode : kModes) {
    ForestSpec spec;
    spec.mode = mode;
    spec.double_thresholds = true;
    const TestForest td = make_forest(rng, 15, spec);
    for (int64_t rows : {int64_t{5}, int64_t{200}}) {
      const std::vector<float> x = random_rows(rng, rows, 0.05);
      expect_matches_reference<float>(tm, mixed, "SUM", x, rows, 2);
      expect_matches_reference<float>(td, spec, "SUM", x, rows, 1);
      expect_matches_reference<double>(td, spec, "SUM", x, rows, 2);
    }
  }
}

}  // namespace
}  // namespace onyx::test
