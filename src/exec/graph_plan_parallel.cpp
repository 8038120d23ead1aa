// The inter-op parallel executor: every step whose producers have finished becomes an OpenMP
// task of one team of inter_op_threads_ threads. Kernels inside the team run single-threaded
// (ThreadPool::parallel_for and oneDNN both run inline inside a parallel region), so a branchy
// graph (Inception, multi-branch blocks) runs its branches side by side without oversubscribing
// the cores, and the team's threads sleep after the run as the intra-op pool's do.
//
// Values are released when their last reader finishes (reader counts, not the sequential
// order's last-use step). The first error stops new steps from starting; steps already running
// finish, and that error is returned.
#include <omp.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "exec/graph_plan.h"

namespace onyx {
namespace {

class ParallelRun {
 public:
  ParallelRun(size_t steps, size_t slots) : pending_(new std::atomic<int>[steps]),
                                            readers_(new std::atomic<int>[slots]) {}

  std::atomic<int>& pending(int s) { return pending_[s]; }
  std::atomic<int>& readers(int s) { return readers_[s]; }

  void fail(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = std::move(s);
    failed_.store(true, std::memory_order_release);
  }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  Status error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  std::unique_ptr<std::atomic<int>[]> pending_;
  std::unique_ptr<std::atomic<int>[]> readers_;
  std::mutex mu_;
  Status error_;
  std::atomic<bool> failed_{false};
};

}  // namespace

// Starts step s as a task; when it succeeds, drops the values it was the last reader of (and
// its outputs nobody reads) and starts the dependents it was the last producer for. Everything
// the task uses is passed as pointers, firstprivate, so nothing refers to this call's frame.
void GraphPlan::spawn_step(int s, void* run_state, std::vector<Value>* slots, ThreadPool* pool,
                           Profiler* profiler) const {
#pragma omp task firstprivate(s, run_state, slots, pool, profiler)
  {
    auto* run = static_cast<ParallelRun*>(run_state);
    if (!run->failed()) {
      const Step& step = steps_[s];
      try {
        Status st = run_step(step, *slots, pool, profiler);
        if (st.ok()) {
          for (int slot : step.reads) {
            if (run->readers(slot).fetch_sub(1, std::memory_order_acq_rel) == 1 &&
                !keep_slot_[slot]) {
              (*slots)[slot] = Value();
            }
          }
          for (int o : step.outputs) {
            if (o >= 0 && slot_readers_[o] == 0 && !keep_slot_[o]) (*slots)[o] = Value();
          }
          for (int d : step.dependents) {
            if (run->pending(d).fetch_sub(1, std::memory_order_acq_rel) == 1) {
              spawn_step(d, run_state, slots, pool, profiler);
            }
          }
        } else {
          run->fail(std::move(st));
        }
      } catch (const std::exception& e) {
        run->fail(RuntimeError(step.node->describe(), ": ", e.what()));
      }
    }
  }
}

Status GraphPlan::run_steps_parallel(std::vector<Value>& slots, ThreadPool* pool,
                                     Profiler* profiler) const {
  ParallelRun run(steps_.size(), static_cast<size_t>(num_slots_));
  for (size_t s = 0; s < steps_.size(); ++s) run.pending(static_cast<int>(s)) = steps_[s].num_deps;
  for (int s = 0; s < num_slots_; ++s) run.readers(s) = slot_readers_[s];
  std::vector<Value>* slots_ptr = &slots;
  void* run_state = &run;
#pragma omp parallel num_threads(inter_op_threads_)
#pragma omp single
  {
    for (size_t s = 0; s < steps_.size(); ++s) {
      if (steps_[s].num_deps == 0) {
        spawn_step(static_cast<int>(s), run_state, slots_ptr, pool, profiler);
      }
    }
  }
  return run.error();
}

}  // namespace onyx
