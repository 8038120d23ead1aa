// In-place execution (KernelContext::allocate_output_in_place): a kernel may write its output
// into an input's buffer only when nothing else can see that buffer — the input was produced
// by a node, this is its last reader, it is not a graph output, and no view shares it — and
// never in the parallel executor. The probe op records what it was given.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "exec/session.h"
#include "test_util.h"

namespace onyx {
namespace {

std::atomic<int> g_probe_in_place{-1};

// test:InPlaceProbe(x) -> y = 2 x, in x's buffer when allowed.
class InPlaceProbe final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    Tensor& y = ctx.allocate_output_in_place(0, 0, x->dtype(), x->shape());
    g_probe_in_place = y.shares_buffer_with(*x) ? 1 : 0;
    for (int64_t i = 0; i < x->numel(); ++i) y.data<float>()[i] = 2.f * x->data<float>()[i];
    return Status::OK();
  }
};

struct Graph {
  ir::Model m;
  Graph() {
    m.ir_version = 8;
    m.opset_imports[""] = 13;
    m.opset_imports["test"] = 1;
    std::vector<ir::Dim> dims = {ir::Dim::known(2), ir::Dim::known(3)};
    m.graph.inputs.push_back({"x", ir::TypeInfo::tensor(DataType::kFloat, dims), {}});
  }
  void node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
            const std::string& domain = "") {
    ir::Node n;
    n.name = op + "_" + out[0];
    n.op_type = op;
    n.domain = domain;
    n.opset = domain.empty() ? 13 : 1;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    m.graph.nodes.push_back(std::move(n));
  }
  void output(const std::string& name) { m.graph.outputs.push_back({name, {}, {}}); }
};

struct ProbeResult {
  int in_place = -1;
  std::vector<std::vector<float>> outputs;
  std::vector<float> x_after;  // the caller's input after the run
};

ProbeResult run(const Graph& g, ExecutionMode mode = ExecutionMode::kSequential) {
  SessionOptions o;
  auto r = std::make_shared<KernelRegistry>();
  r->set_fallback(&global_registry());
  r->add<InPlaceProbe, TypeList<float>>("test", "InPlaceProbe", 1, 1);
  o.custom_ops = r;
  o.execution_mode = mode;
  o.intra_op_num_threads = 2;
  o.inter_op_num_threads = 2;
  o.optimization_level = 0;  // keep the graphs as written
  auto s = Session::create(g.m, o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  ProbeResult res;
  if (!s.ok()) return res;
  Tensor x(DataType::kFloat, {2, 3});
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i) - 2.f;
  // Three runs: the first records the memory plan, the others replay it.
  for (int run = 0; run < 3; ++run) {
    g_probe_in_place = -1;
    auto out = (*s)->run({{"x", Value(x)}});
    EXPECT_TRUE(out.ok()) << out.status().to_string();
    if (!out.ok()) return res;
    std::vector<std::vector<float>> values;
    for (const Value& v : *out) {
      const Tensor& t = v.tensor();
      values.emplace_back(t.data<float>(), t.data<float>() + t.numel());
    }
    if (run > 0) {
      EXPECT_EQ(values, res.outputs) << "run " << run;
      EXPECT_EQ(g_probe_in_place, res.in_place) << "run " << run;
    }
    res.outputs = std::move(values);
    res.in_place = g_probe_in_place;
  }
  res.x_after.assign(x.data<float>(), x.data<float>() + 6);
  return res;
}

const std::vector<float> kX = {-2, -1, 0, 1, 2, 3};
const std::vector<float> kRelu = {0, 0, 0, 1, 2, 3};
const std::vector<float> kTwiceRelu = {0, 0, 0, 2, 4, 6};

TEST(InPlace, LastReaderOfANodesOutputWritesIntoIt) {
  Graph g;
  g.node("Relu", {"x"}, {"a"});
  g.node("InPlaceProbe", {"a"}, {"y"}, "test");
  g.output("y");
  ProbeResult r = run(g);
  EXPECT_EQ(r.in_place, 1);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0], kTwiceRelu);
}

// The output written in place over an intermediate's buffer must not come from the memory
// arena: a later run (other inputs) must leave an earlier run's output as it was.
TEST(InPlace, AnOutputWrittenInPlaceSurvivesLaterRuns) {
  Graph g;
  g.node("Relu", {"x"}, {"a"});
  g.node("InPlaceProbe", {"a"}, {"y"}, "test");
  g.output("y");
  SessionOptions o;
  auto r = std::make_shared<KernelRegistry>();
  r->set_fallback(&global_registry());
  r->add<InPlaceProbe, TypeList<float>>("test", "InPlaceProbe", 1, 1);
  o.custom_ops = r;
  o.optimization_level = 0;
  auto s = Session::create(g.m, o);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  std::vector<Tensor> kept;
  for (int run = 0; run < 4; ++run) {
    Tensor x(DataType::kFloat, {2, 3});
    for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i + run);
    auto out = (*s)->run({{"x", Value(x)}});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(g_probe_in_place, 1);
    kept.push_back((*out)[0].tensor());
  }
  for (int run = 0; run < 4; ++run) {
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(kept[run].data<float>()[i], 2.f * static_cast<float>(i + run)) << "run " << run;
    }
  }
}

TEST(InPlace, GraphInputsAreNeverOverwritten) {
  Graph g;
  g.node("InPlaceProbe", {"x"}, {"y"}, "test");
  g.output("y");
  ProbeResult r = run(g);
  EXPECT_EQ(r.in_place, 0);
  EXPECT_EQ(r.x_after, kX);
  EXPECT_EQ(r.outputs[0], (std::vector<float>{-4, -2, 0, 2, 4, 6}));
}

TEST(InPlace, InitializersAreNeverOverwritten) {
  Graph g;
  g.m.graph.initializers["w"] = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  g.node("InPlaceProbe", {"w"}, {"p"}, "test");
  g.node("Add", {"p", "x"}, {"y"});
  g.output("y");
  for (int i = 0; i < 2; ++i) {  // a second run would see a doubled w
    ProbeResult r = run(g);
    EXPECT_EQ(r.in_place, 0);
    EXPECT_EQ(r.outputs[0], (std::vector<float>{0, 3, 6, 9, 12, 15}));
  }
}

TEST(InPlace, ValuesReadLaterOrReturnedKeepTheirBuffer) {
  Graph later;  // a is read again after the probe
  later.node("Relu", {"x"}, {"a"});
  later.node("InPlaceProbe", {"a"}, {"y"}, "test");
  later.node("Add", {"y", "a"}, {"z"});
  later.output("z");
  ProbeResult r = run(later);
  EXPECT_EQ(r.in_place, 0);
  EXPECT_EQ(r.outputs[0], (std::vector<float>{0, 0, 0, 3, 6, 9}));

  Graph returned;  // a is a graph output
  returned.node("Relu", {"x"}, {"a"});
  returned.node("InPlaceProbe", {"a"}, {"y"}, "test");
  returned.output("y");
  returned.output("a");
  r = run(returned);
  EXPECT_EQ(r.in_place, 0);
  EXPECT_EQ(r.outputs[1], kRelu);
}

// v = Reshape(a) views a's buffer; the probe is v's last reader but a is still alive.
TEST(InPlace, ABufferSharedWithALiveViewIsNotTaken) {
  Graph g;
  g.m.graph.initializers["shape"] = Tensor::from_vector<int64_t>({3, 2}, {2});
  g.m.graph.initializers["back"] = Tensor::from_vector<int64_t>({2, 3}, {2});
  g.node("Relu", {"x"}, {"a"});
  g.node("Reshape", {"a", "shape"}, {"v"});
  g.node("InPlaceProbe", {"v"}, {"p"}, "test");
  g.node("Reshape", {"p", "back"}, {"q"});
  g.node("Add", {"q", "a"}, {"y"});
  g.output("y");
  ProbeResult r = run(g);
  EXPECT_EQ(r.in_place, 0);
  EXPECT_EQ(r.outputs[0], (std::vector<float>{0, 0, 0, 3, 6, 9}));
}

TEST(InPlace, TheParallelExecutorRunsNothingInPlace) {
  Graph g;
  g.node("Relu", {"x"}, {"a"});
  g.node("InPlaceProbe", {"a"}, {"y"}, "test");
  g.output("y");
  ProbeResult r = run(g, ExecutionMode::kParallel);
  EXPECT_EQ(r.in_place, 0);
  EXPECT_EQ(r.outputs[0], kTwiceRelu);
}

}  // namespace
}  // namespace onyx
