// A graph compiled for execution: nodes in topological order, each with its kernel, values
// mapped to integer slots, and the step after which each slot is released. Built once at
// session creation; run() only executes. Also serves as the Subgraph of If / Loop / Scan.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/profiler.h"
#include "ir/graph.h"
#include "ops/kernel.h"
#include "ops/registry.h"

namespace onyx {

class GraphPlan final : public Subgraph {
 public:
  // `outer_scope` lists names visible from enclosing graphs (captured when read).
  //
  // With `initializers` (the owner's graph.initializers, for the top-level graph), a constant
  // that every reader packed at load (OpKernel::packed_constant_inputs) is swapped, as soon as
  // its last reader is made, for a stand-in of the same type and shape backed by no memory, in
  // the plan and in `initializers`: packed weights are never held twice, not even at the peak
  // of loading. Constants that are graph outputs, or read by a subgraph or by any kernel that
  // did not pack them, stay.
  static Result<std::unique_ptr<GraphPlan>> compile(
      const ir::Graph& graph, const std::vector<std::string>& outer_scope,
      const KernelRegistry& registry, std::map<std::string, Tensor>* initializers = nullptr);

  const std::vector<std::string>& input_names() const override { return input_names_; }
  const std::vector<std::string>& output_names() const override { return output_names_; }
  const std::vector<std::string>& captured_names() const override { return captured_names_; }

  // inputs[i] is graph input i; a kNone value falls back to the input's initializer (if any).
  Result<std::vector<Value>> run(std::vector<Value> inputs,
                                 const std::vector<const Value*>& captured,
                                 ThreadPool* pool) const override;

  // Same, returning only the listed output positions; each node's time goes to `profiler`
  // when one is given.
  Result<std::vector<Value>> run_outputs(std::vector<Value> inputs,
                                         const std::vector<const Value*>& captured,
                                         const std::vector<size_t>& output_positions,
                                         ThreadPool* pool, Profiler* profiler = nullptr) const;

  // Default value of input i (its initializer) or null.
  const Value* input_default(size_t i) const {
    return input_defaults_[i].is_none() ? nullptr : &input_defaults_[i];
  }
  size_t num_steps() const { return steps_.size(); }
  // Constants swapped for stand-ins at load (see compile), and each one's data recovered from
  // the kernel that packed it.
  std::vector<std::string> released_constants() const;
  Result<Tensor> unpacked_constant(const std::string& name) const;

  // Inter-op parallelism (SessionOptions::execution_mode = kParallel): with threads > 1,
  // run_outputs starts every node whose inputs are ready on one of `threads` OpenMP threads,
  // each node then running single-threaded inside that team (so the cores are never
  // oversubscribed). 1 (the default): nodes run one after another, each using the whole pool.
  void set_inter_op_threads(int threads) { inter_op_threads_ = threads; }

 private:
  struct Step {
    const ir::Node* node = nullptr;
    std::unique_ptr<OpKernel> kernel;
    std::vector<int> inputs;    // slot per input, -1 when omitted
    std::vector<int> implicit;  // slots of values captured by the node's subgraphs
    std::vector<int> outputs;   // slot per output, -1 when omitted
    std::vector<int> release;   // slots whose last reader is this step
    uint64_t in_place_inputs = 0;  // bit i: input i may be overwritten (allocate_output_in_place)
    // When the type-selecting input's dtype was unknown at load, the kernel's dtypes are
    // checked against the actual input at run time (null: checked at load, or any dtype).
    const KernelDef* unchecked_def = nullptr;
    // For the parallel executor: how many distinct steps produce this one's inputs, the steps
    // reading this one's outputs, and the distinct slots it reads.
    int num_deps = 0;
    std::vector<int> dependents;
    std::vector<int> reads;
  };

  // Runs one step over `slots`: reads its inputs, stores its outputs.
  Status run_step(const Step& step, std::vector<Value>& slots, ThreadPool* pool,
                  Profiler* profiler) const;
  // Runs every step, in dependency order, on inter_op_threads_ threads (graph_plan_parallel.cpp).
  Status run_steps_parallel(std::vector<Value>& slots, ThreadPool* pool, Profiler* profiler) const;
  void spawn_step(int s, void* run_state, std::vector<Value>* slots, ThreadPool* pool,
                  Profiler* profiler) const;

  static Status check_input_dtype(const Step& step, const std::vector<const Value*>& in);
  static void record(Profiler& profiler, const Step& step, const KernelContext& ctx,
                     int64_t start_us);

  const ir::Graph* graph_ = nullptr;
  int num_slots_ = 0;
  std::vector<std::string> input_names_;
  std::vector<std::string> output_names_;
  std::vector<std::string> captured_names_;
  std::vector<int> input_slots_;
  std::vector<Value> input_defaults_;
  std::vector<int> captured_slots_;
  std::vector<int> output_slots_;
  std::vector<std::pair<int, Value>> constants_;
  std::map<std::string, std::pair<size_t, size_t>> released_;  // name -> (step, input)
  std::vector<Step> steps_;
  std::vector<int> slot_readers_;      // distinct steps reading each slot
  std::vector<char> keep_slot_;        // graph outputs: never released during a run
  int inter_op_threads_ = 1;
};

}  // namespace onyx
