// Unit tests of ai.onnx.preview.training Gradient: reverse-mode over the slice of the graph
// between xs/zs and y (ir::attach_gradient_graphs + the misc family's kernel).
#include "test_util.h"

namespace onyx::test {
namespace {

const std::string kTraining = "ai.onnx.preview.training";

ir::Node node(std::string op, std::vector<std::string> in, std::vector<std::string> out,
              std::vector<ir::Attribute> attrs = {}) {
  ir::Node n;
  n.name = out.empty() ? op : out[0];
  n.op_type = std::move(op);
  n.opset = 17;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attributes = std::move(attrs);
  return n;
}

ir::Node gradient(std::vector<std::string> in, std::vector<std::string> out,
                  std::vector<std::string> xs, const std::string& y,
                  std::vector<std::string> zs = {}) {
  std::vector<ir::Attribute> attrs = {attr_strings("xs", std::move(xs)), attr_string("y", y)};
  if (!zs.empty()) attrs.push_back(attr_strings("zs", std::move(zs)));
  ir::Node n = node("Gradient", std::move(in), std::move(out), std::move(attrs));
  n.domain = kTraining;
  n.opset = 1;
  return n;
}

// Runs a graph of `nodes` over the named feeds, returning the named outputs.
Result<std::vector<Value>> run_graph(std::vector<ir::Node> nodes, const NamedValues& feeds,
                                     const std::vector<std::string>& outputs,
                                     std::map<std::string, Tensor> initializers = {}) {
  ir::Model model;
  model.ir_version = 8;
  model.opset_imports[""] = 17;
  model.opset_imports[kTraining] = 1;
  for (const auto& [name, v] : feeds) model.graph.inputs.push_back(ir::ValueInfo{name, {}, {}});
  model.graph.nodes = std::move(nodes);
  model.graph.initializers = std::move(initializers);
  for (const auto& o : outputs) model.graph.outputs.push_back(ir::ValueInfo{o, {}, {}});
  SessionOptions options;
  options.intra_op_num_threads = 1;
  ONYX_ASSIGN_OR_RETURN(auto session, Session::create(std::move(model), options));
  return session->run(feeds);
}

std::vector<Tensor> run_graph_ok(std::vector<ir::Node> nodes, const NamedValues& feeds,
                                 const std::vector<std::string>& outputs,
                                 std::map<std::string, Tensor> initializers = {}) {
  auto r = run_graph(std::move(nodes), feeds, outputs, std::move(initializers));
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  std::vector<Tensor> out;
  if (r.ok()) {
    for (const Value& v : *r) out.push_back(v.tensor());
  }
  out.resize(outputs.size());
  return out;
}

Value scalar(float v) {
  return V(Tensor::scalar<float>(v));
}

TEST(MiscGradient, AddAndMulScalars) {
  // d = (a + b) * a: dd/da = 2a + b = 4, dd/db = a = 1 at a = 1, b = 2.
  auto out = run_graph_ok({node("Add", {"a", "b"}, {"c"}), node("Mul", {"c", "a"}, {"d"}),
                           gradient({"a", "b"}, {"da", "db"}, {"a", "b"}, "d")},
                          {{"a", scalar(1)}, {"b", scalar(2)}}, {"d", "da", "db"});
  expect_tensor<float>(out[0], {3}, {});
  expect_tensor<float>(out[1], {4}, {});
  expect_tensor<float>(out[2], {1}, {});
}

TEST(MiscGradient, BroadcastSumsOverBroadcastDims) {
  // y = a * b with a [2, 3], b [3]: dy/da = b on each row, dy/db = column sums of a.
  const Value a = V(make<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  const Value b = V(make<float>({10, 20, 30}, {3}));
  auto out = run_graph_ok(
      {node("Mul", {"a", "b"}, {"y"}), gradient({"a", "b"}, {"da", "db"}, {"a", "b"}, "y")},
      {{"a", a}, {"b", b}}, {"da", "db"});
  expect_tensor<float>(out[0], {10, 20, 30, 10, 20, 30}, {2, 3});
  expect_tensor<float>(out[1], {5, 7, 9}, {3});
}

TEST(MiscGradient, SubDivNegRelu) {
  // y = Relu(Neg(a) / b - c) elementwise; at the second element the Relu is off.
  //   a = [-4, 3], b = [2, 1], c = [1, 1]: pre-activation [1, -4].
  //   dy/da = -1/b = [-0.5, 0], dy/db = a/b^2 = [-1, 0], dy/dc = [-1, 0].
  auto out = run_graph_ok({node("Neg", {"a"}, {"n"}), node("Div", {"n", "b"}, {"q"}),
                           node("Sub", {"q", "c"}, {"s"}), node("Relu", {"s"}, {"y"}),
                           gradient({"a", "b", "c"}, {"da", "db", "dc"}, {"a", "b", "c"}, "y")},
                          {{"a", V(make<float>({-4, 3}, {2}))},
                           {"b", V(make<float>({2, 1}, {2}))},
                           {"c", V(make<float>({1, 1}, {2}))}},
                          {"y", "da", "db", "dc"});
  expect_tensor<float>(out[0], {1, 0}, {2});
  expect_tensor<float>(out[1], {-0.5f, 0}, {2});
  expect_tensor<float>(out[2], {-1, 0}, {2});
  expect_tensor<float>(out[3], {-1, 0}, {2});
}

TEST(MiscGradient, MatMulBatchedAndVector) {
  // y = A B, A [2, 3], B [3, 2]; seed ones: dA[i, p] = sum_j B[p, j], dB[p, j] = sum_i A[i, p].
  const Value a = V(make<double>({1, 2, 3, 4, 5, 6}, {2, 3}));
  const Value b = V(make<double>({1, 2, 3, 4, 5, 6}, {3, 2}));
  auto out = run_graph_ok(
      {node("MatMul", {"a", "b"}, {"y"}), gradient({"a", "b"}, {"da", "db"}, {"a", "b"}, "y")},
      {{"a", a}, {"b", b}}, {"da", "db"});
  expect_tensor<double>(out[0], {3, 7, 11, 3, 7, 11}, {2, 3});
  expect_tensor<double>(out[1], {5, 5, 7, 7, 9, 9}, {3, 2});
  // A vector times a batch of matrices [2, 3, 1]: the vector's gradient sums both batches.
  const Value v = V(make<double>({1, 1, 1}, {3}));
  const Value m = V(make<double>({1, 2, 3, 4, 5, 6}, {2, 3, 1}));
  auto out2 = run_graph_ok(
      {node("MatMul", {"v", "m"}, {"y"}), gradient({"v", "m"}, {"dv", "dm"}, {"v", "m"}, "y")},
      {{"v", v}, {"m", m}}, {"y", "dv", "dm"});
  expect_tensor<double>(out2[0], {6, 15}, {2, 1});
  expect_tensor<double>(out2[1], {5, 7, 9}, {3});
  expect_tensor<double>(out2[2], {1, 1, 1, 1, 1, 1}, {2, 3, 1});
}

TEST(MiscGradient, OtherPointZsAndConstants) {
  // y = Tanh(a * z + k) with k an initializer, differentiated in a only (z held fixed), at a
  // point fed through another tensor a2 rather than a itself.
  std::map<std::string, Tensor> init;
  init.emplace("k", Tensor::scalar<float>(0.f));
  auto out =
      run_graph_ok({node("Mul", {"a", "z"}, {"p"}), node("Add", {"p", "k"}, {"s"}),
                    node("Tanh", {"s"}, {"y"}), gradient({"a2", "z"}, {"da"}, {"a"}, "y", {"z"})},
                   {{"a", scalar(5)}, {"a2", scalar(0)}, {"z", scalar(3)}}, {"y", "da"}, init);
  EXPECT_NEAR(out[0].data<float>()[0], std::tanh(15.f), 1e-6);
  expect_tensor<float>(out[1], {3}, {});  // tanh'(0) * z at a = 0
}

TEST(MiscGradient, SigmoidExpAndUnusedX) {
  // y = Exp(Sigmoid(a)); b does not reach y, so dy/db = 0.
  const float a = 0.5f;
  const double s = 1 / (1 + std::exp(-a));
  auto out = run_graph_ok(
      {node("Sigmoid", {"a"}, {"s"}), node("Exp", {"s"}, {"y"}),
       node("Identity", {"b"}, {"unused"}), gradient({"a", "b"}, {"da", "db"}, {"a", "b"}, "y")},
      {{"a", scalar(a)}, {"b", scalar(7)}}, {"da", "db", "unused"});
  expect_tensor<float>(out[0], {float(std::exp(s) * s * (1 - s))}, {});
  expect_tensor<float>(out[1], {0}, {});
}

TEST(MiscGradient, Errors) {
  const NamedValues feeds = {{"a", scalar(1)}, {"b", scalar(2)}};
  // No rule for Sin.
  auto no_rule =
      run_graph({node("Sin", {"a"}, {"y"}), gradient({"a"}, {"da"}, {"a"}, "y")}, feeds, {"da"});
  ASSERT_FALSE(no_rule.ok());
  EXPECT_NE(no_rule.status().message().find("no gradient rule"), std::string::npos);
  // y depends on b, which is neither in xs nor zs.
  auto free_b = run_graph({node("Add", {"a", "b"}, {"y"}), gradient({"a"}, {"da"}, {"a"}, "y")},
                          feeds, {"da"});
  ASSERT_FALSE(free_b.ok());
  EXPECT_NE(free_b.status().message().find("'b'"), std::string::npos);
  // Input count must match xs + zs; y must exist.
  EXPECT_FALSE(run_graph({node("Add", {"a", "b"}, {"y"}), gradient({"a"}, {"da"}, {"a", "b"}, "y")},
                         feeds, {"da"})
                   .ok());
  EXPECT_FALSE(run_graph({node("Add", {"a", "b"}, {"y"}),
                          gradient({"a", "b"}, {"da"}, {"a", "b"}, "nothing")},
                         feeds, {"da"})
                   .ok());
}

}  // namespace
}  // namespace onyx::test
