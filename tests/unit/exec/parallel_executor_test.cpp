// The inter-op parallel executor (SessionOptions::execution_mode = kParallel): independent
// branches really run at the same time, results equal the sequential executor's (also with
// several threads calling run at once), values are released without breaking later readers,
// and an error in one branch is returned naming its node.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "exec/session.h"
#include "test_util.h"

namespace onyx {
namespace {

// test:Rendezvous(x) -> y: announces itself, then waits (up to `timeout_ms`) until `expected`
// rendezvous nodes have; y = x + 1 when they all met, x otherwise. Two of them in separate
// branches can only meet when the branches run concurrently.
std::atomic<int> g_arrived{0};

class Rendezvous final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(timeout_ms_, info.attr_int("timeout_ms", 2000));
    ONYX_ASSIGN_OR_RETURN(expected_, info.attr_int("expected", 2));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    g_arrived.fetch_add(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    bool met = false;
    while (!(met = g_arrived.load() >= expected_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, x->shape());
    for (int64_t i = 0; i < x->numel(); ++i) y.data<float>()[i] = x->data<float>()[i] + (met ? 1 : 0);
    return Status::OK();
  }

 private:
  int64_t timeout_ms_ = 2000, expected_ = 2;
};

std::shared_ptr<KernelRegistry> registry_with_rendezvous() {
  auto r = std::make_shared<KernelRegistry>();
  r->set_fallback(&global_registry());
  r->add<Rendezvous, TypeList<float>>("test", "Rendezvous", 1, 1);
  return r;
}

struct Graph {
  ir::Model m;
  Graph() {
    m.ir_version = 8;
    m.opset_imports[""] = 13;
    m.opset_imports["test"] = 1;
  }
  void input(const std::string& name, Shape shape) {
    std::vector<ir::Dim> dims;
    for (int64_t d : shape) dims.push_back(ir::Dim::known(d));
    m.graph.inputs.push_back({name, ir::TypeInfo::tensor(DataType::kFloat, dims), {}});
  }
  void node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
            std::vector<ir::Attribute> attrs = {}, const std::string& domain = "") {
    ir::Node n;
    n.name = op + "_" + out[0];
    n.op_type = op;
    n.domain = domain;
    n.opset = domain.empty() ? 13 : 1;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attributes = std::move(attrs);
    m.graph.nodes.push_back(std::move(n));
  }
};

using test::random_floats;

// x -> Rendezvous -> a, x -> Rendezvous -> b, y = a + b.
float rendezvous_run(ExecutionMode mode, int64_t timeout_ms) {
  Graph g;
  g.input("x", {1});
  g.m.graph.outputs.push_back({"y", {}, {}});
  const std::vector<ir::Attribute> attrs = {test::attr_int("timeout_ms", timeout_ms)};
  g.node("Rendezvous", {"x"}, {"a"}, attrs, "test");
  g.node("Rendezvous", {"x"}, {"b"}, attrs, "test");
  g.node("Add", {"a", "b"}, {"y"});
  SessionOptions o;
  o.custom_ops = registry_with_rendezvous();
  o.execution_mode = mode;
  o.intra_op_num_threads = 2;
  o.inter_op_num_threads = 2;
  auto s = Session::create(g.m, o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  if (!s.ok()) return -1;
  g_arrived = 0;
  Tensor x(DataType::kFloat, {1});
  x.data<float>()[0] = 0;
  auto out = (*s)->run({{"x", Value(x)}});
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? (*out)[0].tensor().data<float>()[0] : -1;
}

TEST(ParallelExecutor, IndependentBranchesRunConcurrently) {
  // Both rendezvous met: each added 1.
  EXPECT_EQ(rendezvous_run(ExecutionMode::kParallel, 5000), 2.f);
  // One at a time, the first gives up waiting (the check above can fail).
  EXPECT_EQ(rendezvous_run(ExecutionMode::kSequential, 50), 1.f);
}

// An Inception-like block: four branches of different depth from one input, concatenated,
// plus a value (x) read by a late node, so releases by reader count are exercised.
ir::Model branchy_model() {
  Graph g;
  g.input("x", {4, 32});
  g.m.graph.outputs.push_back({"y", {}, {}});
  g.m.graph.outputs.push_back({"b1", {}, {}});  // an intermediate that is also an output
  for (int b = 0; b < 4; ++b) {
    std::string v = "x";
    for (int d = 0; d <= b; ++d) {
      const std::string w = "w" + std::to_string(b) + std::to_string(d);
      g.m.graph.initializers[w] = random_floats({32, 32}, static_cast<uint32_t>(10 * b + d));
      const std::string mm = "mm" + std::to_string(b) + std::to_string(d);
      g.node("MatMul", {v, w}, {mm});
      const std::string r = d == b ? "b" + std::to_string(b) : "r" + std::to_string(b) + std::to_string(d);
      g.node("Tanh", {mm}, {r});
      v = r;
    }
  }
  g.node("Concat", {"b0", "b1", "b2", "b3"}, {"c"}, {test::attr_int("axis", 1)});
  g.node("ReduceSum", {"c"}, {"s"}, {test::attr_int("keepdims", 1)});
  g.node("Mul", {"s", "x"}, {"y"});
  return g.m;
}

TEST(ParallelExecutor, MatchesTheSequentialExecutorAlsoUnderConcurrentRuns) {
  const ir::Model m = branchy_model();
  SessionOptions seq, par;
  par.execution_mode = ExecutionMode::kParallel;
  par.inter_op_num_threads = 2;
  auto a = Session::create(m, seq);
  auto b = Session::create(m, par);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  const NamedValues feeds = {{"x", Value(random_floats({4, 32}, 99))}};
  auto want = (*a)->run(feeds);
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  auto check = [&](const std::vector<Value>& got) {
    for (size_t k = 0; k < got.size(); ++k) {
      const Tensor& x = (*want)[k].tensor();
      const Tensor& y = got[k].tensor();
      ASSERT_EQ(x.shape(), y.shape());
      for (int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(x.data<float>()[i], y.data<float>()[i]);
    }
  };
  for (int r = 0; r < 20; ++r) {
    auto got = (*b)->run(feeds);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    check(*got);
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < 10; ++r) {
        auto got = (*b)->run(feeds);
        if (!got.ok() || (*got)[0].tensor().data<float>()[5] != (*want)[0].tensor().data<float>()[5]) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ParallelExecutor, AnErrorInOneBranchIsReturnedWithItsNode) {
  Graph g;
  g.input("x", {2, 3});
  g.m.graph.outputs.push_back({"y", {}, {}});
  Tensor shape(DataType::kInt64, {1});
  shape.data<int64_t>()[0] = 7;  // 6 elements cannot become 7
  g.m.graph.initializers["shape"] = shape;
  g.node("Relu", {"x"}, {"a"});
  g.node("Reshape", {"x", "shape"}, {"bad"});
  g.node("Sigmoid", {"bad"}, {"b"});
  g.node("Relu", {"a"}, {"a2"});
  g.node("Concat", {"a2", "b"}, {"y"}, {test::attr_int("axis", 0)});
  SessionOptions par;
  par.execution_mode = ExecutionMode::kParallel;
  par.inter_op_num_threads = 2;
  par.optimization_level = 0;
  auto s = Session::create(g.m, par);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  auto out = (*s)->run({{"x", Value(random_floats({2, 3}, 5))}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Reshape_bad"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace onyx
