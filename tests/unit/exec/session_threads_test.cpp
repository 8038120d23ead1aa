// Threading behaviour of a session: concurrent `run` calls on one session agree with sequential
// ones, and once `run` returns no thread keeps the CPU busy (the OpenMP team and the libraries
// sharing it sleep instead of spinning).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "exec/session.h"
#include "test_util.h"

namespace onyx {
namespace {

using test::random_floats;

// x [1, 16, 32, 32] -> Conv 3x3 (32 channels, pads 1) -> Relu -> Flatten -> MatMul [32768, 64]:
// big enough that the conv library and the GEMM use every thread.
ir::Model conv_matmul_model() {
  ir::Model m;
  m.ir_version = 8;
  m.opset_imports[""] = 13;
  m.graph.inputs.push_back(
      {"x",
       ir::TypeInfo::tensor(DataType::kFloat,
                            std::vector<ir::Dim>{ir::Dim::known(1), ir::Dim::known(16),
                                                 ir::Dim::known(32), ir::Dim::known(32)}),
       {}});
  m.graph.outputs.push_back({"y", {}, {}});
  m.graph.initializers["w"] = random_floats({32, 16, 3, 3}, 1);
  m.graph.initializers["b"] = random_floats({32}, 2);
  m.graph.initializers["m"] = random_floats({32 * 32 * 32, 64}, 3);
  auto node = [&](const char* op, std::vector<std::string> in, std::vector<std::string> out,
                  std::vector<ir::Attribute> attrs = {}) {
    ir::Node n;
    n.name = op;
    n.op_type = op;
    n.opset = 13;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attributes = std::move(attrs);
    m.graph.nodes.push_back(std::move(n));
  };
  node("Conv", {"x", "w", "b"}, {"c"}, {test::attr_ints("pads", {1, 1, 1, 1})});
  node("Relu", {"c"}, {"r"});
  node("Flatten", {"r"}, {"f"});
  node("MatMul", {"f", "m"}, {"y"});
  return m;
}

double process_cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

TEST(SessionThreads, ConcurrentRunsOnOneSessionMatchSequentialRuns) {
  SessionOptions options;
  options.intra_op_num_threads = 2;
  auto session = Session::create(conv_matmul_model(), options);
  ASSERT_TRUE(session.ok()) << session.status().to_string();
  constexpr int kCallers = 4, kRuns = 5;
  std::vector<Tensor> inputs, expected;
  for (int c = 0; c < kCallers; ++c) {
    inputs.push_back(random_floats({1, 16, 32, 32}, 100 + c));
    auto r = (*session)->run({{"x", Value(inputs.back())}});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    expected.push_back((*r)[0].tensor());
  }
  std::vector<int> mismatches(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int k = 0; k < kRuns; ++k) {
        auto r = (*session)->run({{"x", Value(inputs[c])}});
        if (!r.ok() || (*r)[0].tensor().numel() != expected[c].numel()) {
          ++mismatches[c];
          continue;
        }
        const float* got = (*r)[0].tensor().data<float>();
        const float* want = expected[c].data<float>();
        for (int64_t i = 0; i < expected[c].numel(); ++i) {
          // Same kernels, same thread count: bit-identical results are expected, but a library
          // may split reductions differently under contention; allow rounding noise only.
          if (std::abs(got[i] - want[i]) > 1e-4f * (1 + std::abs(want[i]))) {
            ++mismatches[c];
            break;
          }
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  for (int c = 0; c < kCallers; ++c) EXPECT_EQ(mismatches[c], 0) << "caller " << c;
}

TEST(SessionThreads, NoThreadSpinsAfterRunReturns) {
  SessionOptions options;
  options.intra_op_num_threads = 2;
  auto session = Session::create(conv_matmul_model(), options);
  ASSERT_TRUE(session.ok()) << session.status().to_string();
  const Tensor x = random_floats({1, 16, 32, 32}, 7);
  for (int k = 0; k < 3; ++k) ASSERT_TRUE((*session)->run({{"x", Value(x)}}).ok());
  // Threads may spin briefly after a parallel region before they sleep; give them 50 ms,
  // then the process must use (almost) no CPU over half a second of idling. One spinning
  // thread would show ~500 ms; the bound leaves room for the kernel's tick-based accounting,
  // which on a loaded machine (ctest -j) charges a sleeping process 2-3 ticks of 10 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double before = process_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double used = process_cpu_ms() - before;
  EXPECT_LT(used, 60.0) << "threads kept running while idle: " << used << " ms CPU in 500 ms";
}

}  // namespace
}  // namespace onyx
