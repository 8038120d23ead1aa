// Unit tests of the ai.onnx.ml family: hand-built one-node models with hand-computed values,
// covering the ops and modes the converted scikit-learn models do not reach, and error cases.
#include <cmath>
#include <limits>

#include "test_util.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace onyx::test {
namespace {

const char* kMl = "ai.onnx.ml";


NodeSpec ml(const std::string& op, std::vector<Value> inputs, std::vector<ir::Attribute> attrs,
            int num_outputs = 1, int opset = 3) {
  NodeSpec s{op, opset, std::move(inputs), std::move(attrs), num_outputs};
  s.domain = kMl;
  return s;
}

std::vector<Value> outputs_ok(const NodeSpec& spec) {
  auto r = run_node(spec);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<Value>{};
}

void expect_error(const NodeSpec& spec, const std::string& fragment) {
  auto r = run_node(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().to_string().find(fragment), std::string::npos) << r.status().to_string();
}

// One stump per tree: x[feature] <mode> threshold ? leaf 1 : leaf 2 (node ids 0, 1, 2).
std::vector<ir::Attribute> stumps(const std::string& prefix, std::vector<std::string> modes,
                                  std::vector<float> thresholds, std::vector<int64_t> features,
                                  std::vector<float> true_w, std::vector<float> false_w,
                                  std::vector<int64_t> ids_true, std::vector<int64_t> ids_false,
                                  std::vector<int64_t> missing = {}) {
  std::vector<int64_t> treeids, nodeids, feat, tn, fn, miss, wt, wn, wi;
  std::vector<std::string> m;
  std::vector<float> vals, w;
  for (size_t t = 0; t < modes.size(); ++t) {
    const int64_t tt = static_cast<int64_t>(t);
    for (int64_t k = 0; k < 3; ++k) {
      treeids.push_back(tt);
      nodeids.push_back(k);
      feat.push_back(k == 0 ? features[t] : 0);
      m.push_back(k == 0 ? modes[t] : "LEAF");
      vals.push_back(k == 0 ? thresholds[t] : 0.f);
      tn.push_back(k == 0 ? 1 : 0);
      fn.push_back(k == 0 ? 2 : 0);
      miss.push_back(k == 0 && !missing.empty() ? missing[t] : 0);
    }
    wt.insert(wt.end(), {tt, tt});
    wn.insert(wn.end(), {1, 2});
    wi.insert(wi.end(), {ids_true[t], ids_false[t]});
    w.insert(w.end(), {true_w[t], false_w[t]});
  }
  return {attr_ints("nodes_treeids", treeids),       attr_ints("nodes_nodeids", nodeids),
          attr_ints("nodes_featureids", feat),        attr_strings("nodes_modes", m),
          attr_floats("nodes_values", vals),          attr_ints("nodes_truenodeids", tn),
          attr_ints("nodes_falsenodeids", fn),        attr_ints("nodes_missing_value_tracks_true", miss),
          attr_ints(prefix + "_treeids", wt),         attr_ints(prefix + "_nodeids", wn),
          attr_ints(prefix + "_ids", wi),             attr_floats(prefix + "_weights", w)};
}

TEST(MlTree, RegressorAggregatesAndModes) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Tree 0: x0 <= 1 ? 10 : 20. Tree 1: x1 > 5 ? 1 : 3 (NaN goes true). Target 0 both.
  auto a = stumps("target", {"BRANCH_LEQ", "BRANCH_GT"}, {1, 5}, {0, 1}, {10, 1}, {20, 3}, {0, 0}, {0, 0},
                  {0, 1});
  Tensor x = make<float>({0, 9, 2, 0, 1, nan}, {3, 2});
  auto sum = a;
  sum.push_back(attr_floats("base_values", {100}));
  expect_tensor<float>(run_ok(ml("TreeEnsembleRegressor", {V(x)}, sum)), {111, 123, 111}, {3, 1});
  auto avg = a;
  avg.push_back(attr_string("aggregate_function", "AVERAGE"));
  expect_tensor<float>(run_ok(ml("TreeEnsembleRegressor", {V(x)}, avg)), {5.5, 11.5, 5.5}, {3, 1});
  auto mn = a;
  mn.push_back(attr_string("aggregate_function", "MIN"));
  expect_tensor<float>(run_ok(ml("TreeEnsembleRegressor", {V(x)}, mn)), {1, 3, 1}, {3, 1});
  auto mx = a;
  mx.push_back(attr_string("aggregate_function", "MAX"));
  expect_tensor<float>(run_ok(ml("TreeEnsembleRegressor", {V(x)}, mx)), {10, 20, 10}, {3, 1});
  // Other modes on one feature.
  Tensor x1 = make<double>({1, 2}, {2, 1});
  for (auto [mode, e0, e1] : {std::make_tuple("BRANCH_LT", 1.f, 0.f), std::make_tuple("BRANCH_GTE", 0.f, 1.f),
                              std::make_tuple("BRANCH_EQ", 0.f, 1.f), std::make_tuple("BRANCH_NEQ", 1.f, 0.f)}) {
    auto b = stumps("target", {mode}, {2}, {0}, {1}, {0}, {0}, {0});
    expect_tensor<float>(run_ok(ml("TreeEnsembleRegressor", {V(x1)}, b)), {e0, e1}, {2, 1});
  }
}

TEST(MlTree, RegressorErrors) {
  auto a = stumps("target", {"BRANCH_LEQ"}, {1}, {3}, {1}, {2}, {0}, {0});
  // Feature 3 of a 2-column input.
  expect_error(ml("TreeEnsembleRegressor", {V(make<float>({1, 2}, {1, 2}))}, a), "feature 3");
  auto bad_child = a;
  bad_child[5] = attr_ints("nodes_truenodeids", {7, 0, 0});
  expect_error(ml("TreeEnsembleRegressor", {V(make<float>({1, 2}, {1, 2}))}, bad_child), "missing child");
  auto bad_target = a;
  bad_target[10] = attr_ints("target_ids", {0, 4});
  expect_error(ml("TreeEnsembleRegressor", {V(make<float>({1, 2}, {1, 2}))}, bad_target), "out of range");
  auto cycle = a;
  cycle[3] = attr_strings("nodes_modes", {"BRANCH_LEQ", "BRANCH_LEQ", "LEAF"});
  cycle[5] = attr_ints("nodes_truenodeids", {1, 0, 0});
  cycle[6] = attr_ints("nodes_falsenodeids", {2, 2, 0});
  cycle[9] = attr_ints("target_nodeids", {2, 2});
  expect_error(ml("TreeEnsembleRegressor", {V(make<float>({1, 2, 3, 4}, {1, 4}))}, cycle), "root");
  auto bad_mode = a;
  bad_mode[3] = attr_strings("nodes_modes", {"BRANCH_XX", "LEAF", "LEAF"});
  expect_error(ml("TreeEnsembleRegressor", {V(make<float>({1, 2, 3, 4}, {1, 4}))}, bad_mode), "BRANCH_XX");
}

TEST(MlTree, ClassifierMulticlassStringsAndBinary) {
  // Two trees voting for three classes; string labels; SOFTMAX.
  auto a = stumps("class", {"BRANCH_LEQ", "BRANCH_LEQ"}, {0, 0}, {0, 0}, {1, 2}, {1, 2}, {0, 2}, {1, 1});
  a.push_back(attr_strings("classlabels_strings", {"a", "b", "c"}));
  auto out = outputs_ok(ml("TreeEnsembleClassifier", {V(make<float>({-1, 1}, {2, 1}))}, a, 2));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].tensor().data<std::string>()[0], "c");  // scores [1, 0, 2]
  EXPECT_EQ(out[0].tensor().data<std::string>()[1], "b");  // scores [0, 3, 0]
  expect_tensor<float>(out[1].tensor(), {1, 0, 2, 0, 3, 0}, {2, 3});
  a.push_back(attr_string("post_transform", "SOFTMAX"));
  out = outputs_ok(ml("TreeEnsembleClassifier", {V(make<float>({-1}, {1, 1}))}, a, 2));
  const double e = std::exp(1.0) + 1 + std::exp(2.0);
  expect_tensor<float>(out[1].tensor(), {float(std::exp(1.0) / e), float(1 / e), float(std::exp(2.0) / e)}, {1, 3});

  // Binary, one class id, positive weights: [1 - s, s], label by s > 0.5.
  auto b = stumps("class", {"BRANCH_LEQ"}, {0}, {0}, {0.8f}, {0.3f}, {0}, {0});
  b.push_back(attr_ints("classlabels_int64s", {5, 7}));
  out = outputs_ok(ml("TreeEnsembleClassifier", {V(make<float>({-1, 1}, {2, 1}))}, b, 2));
  expect_tensor<int64_t>(out[0].tensor(), {7, 5}, {2});
  expect_tensor<float>(out[1].tensor(), {0.2f, 0.8f, 0.7f, 0.3f}, {2, 2});
  // Mixed signs with LOGISTIC and a base value.
  auto c = stumps("class", {"BRANCH_LEQ"}, {0}, {0}, {1.0f}, {-2.0f}, {0}, {0});
  c.push_back(attr_ints("classlabels_int64s", {0, 1}));
  c.push_back(attr_floats("base_values", {0.5f}));
  c.push_back(attr_string("post_transform", "LOGISTIC"));
  out = outputs_ok(ml("TreeEnsembleClassifier", {V(make<float>({-1, 1}, {2, 1}))}, c, 2));
  expect_tensor<int64_t>(out[0].tensor(), {1, 0}, {2});
  auto lg = [](double v) { return float(1 / (1 + std::exp(-v))); };
  expect_tensor<float>(out[1].tensor(), {lg(-1.5), lg(1.5), lg(1.5), lg(-1.5)}, {2, 2});
}

Tensor tensor_u8(std::vector<uint8_t> v) { return make<uint8_t>(v, {static_cast<int64_t>(v.size())}); }

TEST(MlTree, TreeEnsemble5DoubleAndErrors) {
  // Root: x0 <= 0.5 ? leaf 0 : node 1; node 1: x1 in {1, 3} ? leaf 1 : leaf 2.
  std::vector<ir::Attribute> a = {
      attr_ints("nodes_featureids", {0, 1}),
      attr_tensor("nodes_splits", make<double>({0.5, 0}, {2})),
      attr_tensor("nodes_modes", tensor_u8({0, 6})),
      attr_ints("nodes_truenodeids", {0, 1}),
      attr_ints("nodes_trueleafs", {1, 1}),
      attr_ints("nodes_falsenodeids", {1, 2}),
      attr_ints("nodes_falseleafs", {0, 1}),
      attr_tensor("membership_values", make<double>({3, 1, std::nan("")}, {3})),
      attr_ints("tree_roots", {0}),
      attr_ints("leaf_targetids", {0, 1, 1}),
      attr_tensor("leaf_weights", make<double>({1.5, 2.5, -4}, {3})),
      attr_int("n_targets", 2),
  };
  Tensor x = make<double>({0, 0, 1, 3, 1, 2}, {3, 2});
  expect_tensor<double>(run_ok(ml("TreeEnsemble", {V(x)}, a, 1, 5)), {1.5, 0, 0, 2.5, 0, -4}, {3, 2});
  // Input type must match the splits.
  expect_error(ml("TreeEnsemble", {V(make<float>({0, 0}, {1, 2}))}, a, 1, 5), "nodes_splits");
  auto bad = a;
  bad[3] = attr_ints("nodes_truenodeids", {9, 1});
  expect_error(ml("TreeEnsemble", {V(x)}, bad, 1, 5), "out of range");
  bad = a;
  bad[9] = attr_ints("leaf_targetids", {0, 1, 2});
  expect_error(ml("TreeEnsemble", {V(x)}, bad, 1, 5), "leaf_targetids");
  // Deprecated legacy op is refused at ml opset 5.
  auto legacy = stumps("target", {"BRANCH_LEQ"}, {1}, {0}, {1}, {2}, {0}, {0});
  EXPECT_FALSE(run_node(ml("TreeEnsembleRegressor", {V(make<float>({1}, {1, 1}))}, legacy, 1, 5)).ok());
}

TEST(MlLinear, ClassifierBinaryAndRegressor) {
  // One score column with two labels: Z = [1 - p, p] under LOGISTIC.
  auto out = outputs_ok(ml("LinearClassifier", {V(make<float>({1, 2, -1, -2}, {2, 2}))},
                           {attr_floats("coefficients", {1, 1}), attr_floats("intercepts", {-1}),
                            attr_ints("classlabels_ints", {3, 4}), attr_string("post_transform", "LOGISTIC")},
                           2));
  expect_tensor<int64_t>(out[0].tensor(), {4, 3}, {2});
  auto lg = [](double v) { return float(1 / (1 + std::exp(-v))); };
  expect_tensor<float>(out[1].tensor(), {1 - lg(2), lg(2), 1 - lg(-4), lg(-4)}, {2, 2});
  // Multiclass with int32 input, string labels.
  out = outputs_ok(ml("LinearClassifier", {V(make<int32_t>({1, 2}, {1, 2}))},
                      {attr_floats("coefficients", {1, 0, 0, 1, -1, -1}), attr_floats("intercepts", {0, 0, 5}),
                       attr_strings("classlabels_strings", {"x", "y", "z"})},
                      2));
  EXPECT_EQ(out[0].tensor().data<std::string>()[0], "y");
  expect_tensor<float>(out[1].tensor(), {1, 2, 2}, {1, 3});
  expect_error(ml("LinearClassifier", {V(make<float>({1, 2, 3}, {1, 3}))},
                  {attr_floats("coefficients", {1, 1}), attr_floats("intercepts", {0}),
                   attr_ints("classlabels_ints", {0, 1})}, 2),
               "features");
  expect_tensor<float>(run_ok(ml("LinearRegressor", {V(make<double>({1, 2}, {1, 2}))},
                                 {attr_floats("coefficients", {1, 1, 2, 0}), attr_floats("intercepts", {1, -1}),
                                  attr_int("targets", 2)})),
                       {4, 1}, {1, 2});
}

TEST(MlPostTransform, ProbitAndSoftmaxZero) {
  Tensor y = run_ok(ml("LinearRegressor", {V(make<float>({0.975f, 0.5f}, {2, 1}))},
                       {attr_floats("coefficients", {1}), attr_string("post_transform", "PROBIT")}));
  expect_tensor<float>(y, {1.959964f, 0.f}, {2, 1}, 1e-4);
  y = run_ok(ml("LinearRegressor", {V(make<float>({1, 2}, {1, 2}))},
                {attr_floats("coefficients", {0, 0, 1, 0, 0, 1}), attr_int("targets", 3),
                 attr_string("post_transform", "SOFTMAX_ZERO")}));
  const double e = std::exp(1.0) + std::exp(2.0);
  expect_tensor<float>(y, {0, float(std::exp(1.0) / e), float(std::exp(2.0) / e)}, {1, 3});
  expect_error(ml("LinearRegressor", {V(make<float>({1}, {1, 1}))},
                  {attr_floats("coefficients", {1}), attr_string("post_transform", "BOGUS")}),
               "BOGUS");
}

TEST(MlSvm, ClassifierLinearKernelAndRegressor) {
  // Two classes, support vectors [0,0] (class 0) and [2,2] (class 1), LINEAR kernel.
  std::vector<ir::Attribute> a = {attr_ints("classlabels_ints", {0, 1}), attr_ints("vectors_per_class", {1, 1}),
                                  attr_floats("support_vectors", {0, 0, 2, 2}), attr_floats("coefficients", {1, -1}),
                                  attr_floats("rho", {1}), attr_string("kernel_type", "LINEAR")};
  // decision = 1*k(x,sv0) - 1*k(x,sv1) + 1 = 1 - 2(x0 + x1)
  auto out = outputs_ok(ml("SVMClassifier", {V(make<float>({0, 0, 1, 1}, {2, 2}))}, a, 2));
  expect_tensor<int64_t>(out[0].tensor(), {0, 1}, {2});
  expect_tensor<float>(out[1].tensor(), {-1, 1, 3, -3}, {2, 2});
  // Linear SVM without support vectors.
  out = outputs_ok(ml("SVMClassifier", {V(make<float>({1, 2}, {1, 2}))},
                      {attr_ints("classlabels_ints", {0, 1, 2}), attr_floats("coefficients", {1, 0, 0, 1, 1, 1}),
                       attr_floats("rho", {0, 0, -2})},
                      2));
  expect_tensor<int64_t>(out[0].tensor(), {1}, {1});
  expect_tensor<float>(out[1].tensor(), {1, 2, 1}, {1, 3});
  // Regressor: POLY kernel (gamma x.y + coef0)^degree, one support vector.
  Tensor y = run_ok(ml("SVMRegressor", {V(make<float>({1, 2}, {1, 2}))},
                       {attr_floats("support_vectors", {1, 1}), attr_floats("coefficients", {2}), attr_int("n_supports", 1),
                        attr_floats("rho", {0.5}), attr_string("kernel_type", "POLY"),
                        attr_floats("kernel_params", {0.5, 1, 2})}));
  expect_tensor<float>(y, {2 * 6.25f + 0.5f}, {1, 1});
  // SIGMOID and RBF, one-class output.
  y = run_ok(ml("SVMRegressor", {V(make<float>({0, 0, 3, 3}, {2, 2}))},
                {attr_floats("support_vectors", {0, 0}), attr_floats("coefficients", {1}), attr_int("n_supports", 1),
                 attr_floats("rho", {-0.5}), attr_string("kernel_type", "RBF"), attr_floats("kernel_params", {1, 0, 0}),
                 attr_int("one_class", 1)}));
  expect_tensor<float>(y, {1, -1}, {2, 1});
  expect_error(ml("SVMClassifier", {V(make<float>({1, 2}, {1, 2}))},
                  {attr_ints("classlabels_ints", {0, 1}), attr_ints("vectors_per_class", {1, 1}),
                   attr_floats("support_vectors", {0, 0, 2, 2}), attr_floats("coefficients", {1}), attr_floats("rho", {1})}),
               "coefficients");
}

TEST(MlTransforms, Elementwise) {
  expect_tensor<int32_t>(run_ok(ml("Binarizer", {V(make<int32_t>({-1, 2, 5}, {3}))}, {attr_float("threshold", 2)})),
                         {0, 0, 1}, {3});
  expect_tensor<int64_t>(run_ok(ml("Imputer", {V(make<int64_t>({0, 3, 0, 0}, {2, 2}))},
                                   {attr_ints("imputed_value_int64s", {7, 8})})),
                         {7, 3, 7, 8}, {2, 2});
  expect_tensor<float>(run_ok(ml("Imputer", {V(make<float>({1, -1}, {2}))},
                                 {attr_floats("imputed_value_floats", {9}), attr_float("replaced_value_float", -1)})),
                       {1, 9}, {2});
  expect_tensor<float>(run_ok(ml("Normalizer", {V(make<float>({1, 2, 4, 0, 0, 0}, {2, 3}))}, {attr_string("norm", "MAX")})),
                       {0.25f, 0.5f, 1, 0, 0, 0}, {2, 3});
  expect_tensor<float>(run_ok(ml("Normalizer", {V(make<int64_t>({3, 4}, {1, 2}))}, {attr_string("norm", "L2")})),
                       {0.6f, 0.8f}, {1, 2});
  expect_tensor<float>(run_ok(ml("Scaler", {V(make<double>({1, 2, 3, 4}, {2, 2}))},
                                 {attr_floats("offset", {1}), attr_floats("scale", {2, 3})})),
                       {0, 3, 4, 9}, {2, 2});
  expect_tensor<float>(run_ok(ml("FeatureVectorizer", {V(make<int32_t>({1, 2}, {2, 1})), V(make<double>({3, 4, 5, 6}, {2, 2}))},
                                 {attr_ints("inputdimensions", {1, 3})})),
                       {1, 3, 4, 0, 2, 5, 6, 0}, {2, 4});
  expect_error(ml("ArrayFeatureExtractor", {V(make<float>({1, 2}, {1, 2})), V(make<int64_t>({2}, {1}))}, {}),
               "out of range");
  expect_tensor<std::string>(
      run_ok(ml("ArrayFeatureExtractor", {V(make<std::string>({"a", "b", "c"}, {3})), V(make<int64_t>({2, 0}, {2}))}, {})),
      {"c", "a"}, {1, 2});
}

TEST(MlTransforms, CategoricalEncoders) {
  expect_tensor<float>(run_ok(ml("OneHotEncoder", {V(make<int64_t>({3, 9, 1}, {3}))}, {attr_ints("cats_int64s", {1, 3})})),
                       {0, 1, 0, 0, 1, 0}, {3, 2});
  expect_error(ml("OneHotEncoder", {V(make<int64_t>({9}, {1}))}, {attr_ints("cats_int64s", {1}), attr_int("zeros", 0)}),
               "category");
  expect_tensor<int64_t>(run_ok(ml("CategoryMapper", {V(make<std::string>({"b", "q"}, {2}))},
                                   {attr_ints("cats_int64s", {1, 2}), attr_strings("cats_strings", {"a", "b"}),
                                    attr_int("default_int64", 42)})),
                         {2, 42}, {2});
  expect_tensor<std::string>(run_ok(ml("CategoryMapper", {V(make<int64_t>({1, 5}, {2}))},
                                       {attr_ints("cats_int64s", {1, 2}), attr_strings("cats_strings", {"a", "b"})})),
                             {"a", "_Unused"}, {2});
}

TEST(MlLabelEncoder, AllVersions) {
  // Opset 1: both directions through classes_strings.
  expect_tensor<int64_t>(run_ok(ml("LabelEncoder", {V(make<std::string>({"b", "z"}, {2}))},
                                   {attr_strings("classes_strings", {"a", "b"})}, 1, 1)),
                         {1, -1}, {2});
  expect_tensor<std::string>(run_ok(ml("LabelEncoder", {V(make<int64_t>({0, 7}, {2}))},
                                       {attr_strings("classes_strings", {"a", "b"}), attr_string("default_string", "?")}, 1, 1)),
                             {"a", "?"}, {2});
  // Opset 2: float keys (NaN matches NaN, -0 == 0) to strings.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_tensor<std::string>(run_ok(ml("LabelEncoder", {V(make<float>({-0.f, nan, 2}, {3}))},
                                       {attr_floats("keys_floats", {0, nan}), attr_strings("values_strings", {"zero", "nan"})},
                                       1, 2)),
                             {"zero", "nan", "_Unused"}, {3});
  expect_tensor<float>(run_ok(ml("LabelEncoder", {V(make<int64_t>({1, 2}, {2}))},
                                 {attr_ints("keys_int64s", {1}), attr_floats("values_floats", {0.5})}, 1, 2)),
                       {0.5f, -0.f}, {2});
  // Opset 4: tensor keys of int16 to double values with default_tensor.
  expect_tensor<double>(run_ok(ml("LabelEncoder", {V(make<int16_t>({4, 5}, {2}))},
                                  {attr_tensor("keys_tensor", make<int16_t>({4}, {1})),
                                   attr_tensor("values_tensor", make<double>({1.25}, {1})),
                                   attr_tensor("default_tensor", make<double>({-9}, {1}))},
                                  1, 4)),
                        {1.25, -9}, {2});
  expect_error(ml("LabelEncoder", {V(make<int64_t>({1}, {1}))},
                  {attr_ints("keys_int64s", {1, 2}), attr_floats("values_floats", {0.5})}, 1, 2),
               "entries");
  expect_error(ml("LabelEncoder", {V(make<std::string>({"a"}, {1}))},
                  {attr_ints("keys_int64s", {1}), attr_floats("values_floats", {0.5})}, 1, 2),
               "keys");
}

TEST(MlMaps, ZipMapCastMapDictVectorizer) {
  auto out = outputs_ok(ml("ZipMap", {V(make<float>({0.1f, 0.9f, 0.7f, 0.3f}, {2, 2}))},
                           {attr_strings("classlabels_strings", {"no", "yes"})}));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].is_sequence());
  ASSERT_EQ(out[0].items().size(), 2u);
  const Value& m1 = out[0].items()[1];
  ASSERT_TRUE(m1.is_map());
  expect_tensor<std::string>(m1.map_keys(), {"no", "yes"}, {2});
  expect_tensor<float>(m1.map_values(), {0.7f, 0.3f}, {2});
  expect_error(ml("ZipMap", {V(make<float>({1, 2, 3}, {1, 3}))}, {attr_ints("classlabels_int64s", {0, 1})}), "columns");

  Value map = Value::map(make<int64_t>({3, 0}, {2}), make<float>({2.5f, 1.5f}, {2}));
  expect_tensor<float>(run_ok(ml("CastMap", {map}, {})), {1.5f, 2.5f}, {1, 2});
  expect_tensor<int64_t>(run_ok(ml("CastMap", {map}, {attr_string("cast_to", "TO_INT64"), attr_string("map_form", "SPARSE"),
                                                     attr_int("max_map", 4)})),
                         {1, 0, 0, 2}, {1, 4});
  expect_error(ml("CastMap", {map}, {attr_string("map_form", "SPARSE"), attr_int("max_map", 2)}), "out of range");

  Value smap = Value::map(make<std::string>({"c", "a", "q"}, {3}), make<double>({8, 4, 1}, {3}));
  expect_tensor<double>(run_ok(ml("DictVectorizer", {smap}, {attr_strings("string_vocabulary", {"a", "b", "c"})})),
                        {4, 0, 8}, {1, 3});
  expect_error(ml("DictVectorizer", {smap}, {attr_ints("int64_vocabulary", {1})}), "vocabulary");
}

}  // namespace
}  // namespace onyx::test
