// The per-shape memory planner (exec/memory_plan.h): tensors whose lifetimes do not overlap
// share arena memory on replayed runs, tensors that outlive a run never come from the arena,
// and a run that allocates differently from the recording falls back to malloc safely.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "exec/memory_plan.h"
#include "test_util.h"

namespace onyx::test {
namespace {

constexpr int64_t kFloats = 1 << 18;  // 1 MiB tensors

struct Pattern {
  const void* a = nullptr;
  const void* c = nullptr;
  Tensor escaped;
};

// One "run": A and B live together; A dies before C is made; D outlives the run.
Pattern run_pattern(MemoryPlanner& planner, const std::string& key, int64_t c_floats = kFloats) {
  Pattern p;
  auto run = planner.begin(key);
  {
    Tensor b(DataType::kFloat, {kFloats});
    {
      Tensor a(DataType::kFloat, {kFloats});
      std::memset(a.raw_data(), 1, a.nbytes());
      p.a = a.raw_data();
    }
    Tensor c(DataType::kFloat, {c_floats});
    std::memset(c.raw_data(), 2, c.nbytes());
    p.c = c.raw_data();
    p.escaped = Tensor(DataType::kFloat, {kFloats});
    std::fill(p.escaped.data<float>(), p.escaped.data<float>() + kFloats, 7.f);
  }
  return p;
}

TEST(MemoryPlan, ReplayedRunsShareMemoryBetweenDisjointLifetimes) {
  MemoryPlanner planner;
  Pattern first = run_pattern(planner, "k");  // recorded with malloc
  EXPECT_EQ(planner.planned_bytes("k"), size_t{2} * kFloats * sizeof(float));  // A and C share
  Pattern second = run_pattern(planner, "k");
  EXPECT_EQ(second.a, second.c) << "C should reuse A's memory";
  Pattern third = run_pattern(planner, "k");
  EXPECT_EQ(third.a, second.a) << "the arena is kept between runs";
  // Tensors that outlived their runs were never in the arena: later runs did not touch them.
  for (const Tensor* t : {&first.escaped, &second.escaped, &third.escaped}) {
    EXPECT_EQ(t->data<float>()[0], 7.f);
    EXPECT_EQ(t->data<float>()[kFloats - 1], 7.f);
    EXPECT_NE(t->raw_data(), third.a);
  }
}

TEST(MemoryPlan, ShapesArePlannedSeparately) {
  MemoryPlanner planner;
  run_pattern(planner, "small");
  EXPECT_GT(planner.planned_bytes("small"), 0u);
  EXPECT_EQ(planner.planned_bytes("large"), 0u);
}

TEST(MemoryPlan, ADivergingRunFallsBackToMalloc) {
  MemoryPlanner planner;
  run_pattern(planner, "k");
  // C of another size: from there on the run must not take arena memory.
  Pattern odd = run_pattern(planner, "k", kFloats * 2);
  EXPECT_NE(odd.a, odd.c);
  // The shape is recorded again, then planned as usual.
  run_pattern(planner, "k");
  Pattern again = run_pattern(planner, "k");
  EXPECT_EQ(again.a, again.c);
}

// A tensor of the plan kept alive past the run (here: held by the test) keeps its arena; the
// next run gets a fresh one instead of overwriting it.
TEST(MemoryPlan, AnArenaStillInUseIsNotReused) {
  MemoryPlanner planner;
  run_pattern(planner, "k");
  std::unique_ptr<MemoryPlanner::Run> run = planner.begin("k");
  Tensor kept;
  {
    Tensor b(DataType::kFloat, {kFloats});
    Tensor a(DataType::kFloat, {kFloats});
    kept = a;  // planned to die inside the run, but it does not
    std::fill(kept.data<float>(), kept.data<float>() + kFloats, 3.f);
  }
  // The run now differs from the recording (A alive where C should reuse it).
  Tensor c(DataType::kFloat, {kFloats});
  EXPECT_NE(c.raw_data(), kept.raw_data());
  std::memset(c.raw_data(), 0, c.nbytes());
  c = Tensor();
  run.reset();
  Pattern next = run_pattern(planner, "k");
  EXPECT_EQ(kept.data<float>()[0], 3.f);
  EXPECT_NE(next.a, kept.raw_data());
}

ir::Model chain_model() {
  ir::Model m;
  m.ir_version = 8;
  m.opset_imports[""] = 17;
  m.graph.inputs.push_back({"x", {}, {}});
  const char* ops[] = {"Relu", "Neg", "Abs", "Sigmoid", "Tanh", "Neg"};
  std::string prev = "x";
  for (int i = 0; i < 6; ++i) {
    ir::Node n;
    n.name = "n" + std::to_string(i);
    n.op_type = ops[i];
    n.opset = 17;
    n.inputs = {prev};
    prev = "v" + std::to_string(i);
    n.outputs = {prev};
    m.graph.nodes.push_back(n);
  }
  m.graph.outputs.push_back({prev, {}, {}});
  return m;
}

TEST(MemoryPlan, SessionResultsMatchUnplannedRunsAndOutputsSurviveLaterRuns) {
  SessionOptions planned, unplanned;
  unplanned.enable_memory_pattern = false;
  auto a = Session::create(chain_model(), planned);
  auto b = Session::create(chain_model(), unplanned);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<Tensor> kept;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  for (int run = 0; run < 4; ++run) {
    Tensor x(DataType::kFloat, {64, 1024});
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = u(rng);
    auto ra = (*a)->run({{"x", Value(x)}});
    auto rb = (*b)->run({{"x", Value(x)}});
    ASSERT_TRUE(ra.ok() && rb.ok());
    const Tensor& ya = (*ra)[0].tensor();
    const Tensor& yb = (*rb)[0].tensor();
    ASSERT_EQ(std::memcmp(ya.raw_data(), yb.raw_data(), ya.nbytes()), 0) << "run " << run;
    kept.push_back(ya);
    kept.push_back(yb);
  }
  for (size_t i = 0; i < kept.size(); i += 2) {
    EXPECT_EQ(std::memcmp(kept[i].raw_data(), kept[i + 1].raw_data(), kept[i].nbytes()), 0)
        << "output of run " << i / 2 << " changed after later runs";
  }
}

}  // namespace
}  // namespace onyx::test
