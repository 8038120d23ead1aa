// Intra-op parallelism. ThreadPool is a view of OpenMP's thread team: the convolution and GEMM
// library (oneDNN) parallelises with OpenMP too, so kernels and library calls share one set of
// threads and never oversubscribe the cores, and a team that just finished a library call is
// still hot for the next kernel. OpenMP's workers spin for a bounded time (GOMP_SPINCOUNT,
// src/core/spin_policy.h) after a parallel region and then sleep: an idle session
// uses no CPU (tested by SessionThreads.NoThreadSpinsAfterRunReturns).
#pragma once

#include <cstdint>
#include <functional>

namespace onyx {

class ThreadPool {
 public:
  // num_threads counts the calling thread: 1 means run everything inline.
  explicit ThreadPool(int num_threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) over [0, n) split in one contiguous range per thread, on up to
  // num_threads() threads and no more than n / grain (at least one); the calling thread takes
  // the first range, thread t the t-th. Blocks until done. A call from inside a parallel region
  // runs inline.
  // An exception thrown by fn is rethrown here (the first one, when several threads throw).
  // Const: the pool is a view of OpenMP's team and holds no state a call changes.
  void parallel_for(int64_t n, int64_t grain,
                    const std::function<void(int64_t, int64_t)>& fn) const;

  // Sets the thread count the calling thread's OpenMP library calls (oneDNN) use.
  void bind_library_threads() const;

  // Number of physical cores (falls back to hardware_concurrency).
  static int default_num_threads();

  // Moves the team's threads onto distinct CPUs of the process's CPU set, each for an instant
  // (its affinity is set to one CPU, then given back whole): fresh OpenMP workers start on
  // the CPU of the thread that made them, and the scheduler can take several runs to part them,
  // each of which then pays for two threads taking turns on one CPU. Nothing stays pinned.
  void spread_threads() const;

 private:
  int num_threads_;
};

// Runs fn over [0, n) on `pool` when given, inline otherwise.
inline void parallel_for(const ThreadPool* pool, int64_t n, int64_t grain,
                         const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (pool == nullptr || pool->num_threads() == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, grain, fn);
}

}  // namespace onyx
