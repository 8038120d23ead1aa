// Session: a loaded, validated, planned model that can run many times, from many threads.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/thread_pool.h"
#include "core/value.h"
#include "exec/graph_plan.h"
#include "exec/memory_plan.h"
#include "ir/graph.h"
#include "ops/registry.h"
#include "optimizer/optimizer.h"

namespace onyx {

// How the nodes of a run are scheduled, as onnxruntime's ExecutionMode.
enum class ExecutionMode {
  kSequential,  // one node at a time, each using every intra-op thread (the default)
  kParallel,    // independent nodes side by side, each on one thread (exec/graph_plan.h)
};

struct SessionOptions {
  int intra_op_num_threads = 0;  // 0: one per physical core
  ExecutionMode execution_mode = ExecutionMode::kSequential;
  // Threads of the parallel mode; 0: intra_op_num_threads.
  int inter_op_num_threads = 0;
  // Graph optimizer level (src/optimizer): 0 off, 1 basic, 2 extended, 3 (or 99) all.
  int optimization_level = 3;
  // Stop the optimizer after this many rewrites (bisecting a bad rewrite); -1: no limit.
  int64_t max_rewrites = -1;
  // Custom operators (a registry layered over the built-in one, see KernelRegistry::
  // set_fallback); null: built-in operators only.
  std::shared_ptr<const KernelRegistry> custom_ops;
  // Learn a memory plan per input shape and run from one arena (exec/memory_plan.h), as
  // onnxruntime's enable_mem_pattern. Graphs with control flow, and the parallel mode (whose
  // allocation order varies from run to run), are never planned.
  bool enable_memory_pattern = true;
};

using NamedValues = std::vector<std::pair<std::string, Value>>;

struct RunOptions {
  Profiler* profiler = nullptr;  // per-node times of this run go here when set
};

class Session {
 public:
  // Loads a .onnx file (external data resolved beside it), validates and plans it.
  static Result<std::unique_ptr<Session>> load(const std::string& path,
                                               const SessionOptions& options = {});
  static Result<std::unique_ptr<Session>> load_from_bytes(const std::string& bytes,
                                                          const SessionOptions& options = {});
  static Result<std::unique_ptr<Session>> create(ir::Model model,
                                                 const SessionOptions& options = {});

  // The model as planned: after function inlining and the graph optimizer. Constants that
  // kernels packed at load are stand-ins there (no data); model_with_weights() has them.
  const ir::Model& model() const { return *model_; }
  // The same model with every packed constant unpacked from its kernel: for saving it.
  Result<ir::Model> model_with_weights() const;
  const opt::OptimizeReport& optimize_report() const { return optimize_report_; }
  // Inputs the caller must feed (graph inputs without an initializer).
  const std::vector<ir::ValueInfo>& inputs() const { return inputs_; }
  // Graph inputs backed by an initializer: feeding them overrides the default.
  const std::vector<ir::ValueInfo>& overridable_initializers() const { return overridable_; }
  const std::vector<ir::ValueInfo>& outputs() const { return model_->graph.outputs; }

  // Runs the model. `output_names` empty means all outputs, in graph order.
  Result<std::vector<Value>> run(const NamedValues& feeds,
                                 const std::vector<std::string>& output_names = {},
                                 const RunOptions& run_options = {}) const;

 private:
  static Result<std::unique_ptr<Session>> create_unchecked(ir::Model model,
                                                           const SessionOptions& options);
  Status check_feed(const ir::ValueInfo& info, const Value& value) const;

  // First member, so destroyed last: kernels made by custom-op libraries must go before the
  // libraries do.
  std::shared_ptr<const KernelRegistry> custom_ops_;
  std::unique_ptr<ir::Model> model_;
  std::unique_ptr<GraphPlan> plan_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<ir::ValueInfo> inputs_;
  std::vector<ir::ValueInfo> overridable_;
  opt::OptimizeReport optimize_report_;
  std::unique_ptr<MemoryPlanner> memory_planner_;  // null: not planned
};

}  // namespace onyx
