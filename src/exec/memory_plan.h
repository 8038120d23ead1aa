// Memory planning per input shape: one arena per run, offsets from value liveness.
//
// Kernels compute their output shapes only when they run, so the plan is learned: the first run
// with a given set of input shapes records every tensor allocation of the run's thread (size,
// and when it was allocated and released); the recorded lifetimes are then packed into one
// arena (greedy by size, the largest first, each at the lowest offset free for its lifetime),
// and later runs with the same input shapes take each tensor from its offset in an arena
// instead of from malloc. The arena stays resident between runs, so steady-state runs neither
// allocate nor page-fault (a fresh malloc'd block of a large tensor is returned to the kernel
// and faulted in again on every run otherwise), and its size is the plan's peak, below what
// malloc's free lists reach.
//
// A run that does something else than the recorded one (a tensor of another size at the same
// place in the sequence, or an earlier tensor still alive whose memory the next one would reuse:
// each allocation checks exactly the tensors it overlaps) falls back to malloc from that point
// on, and the shape is re-recorded; a shape that keeps diverging is no longer planned. Tensors that outlive the run (its outputs) are never placed in the arena.
// Graphs with control flow are not planned (their allocations depend on the data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/allocation_hook.h"

namespace onyx {

class MemoryPlanner {
 public:
  MemoryPlanner();
  ~MemoryPlanner();

  // What a run holds while it executes: installs the allocation hook on this thread.
  class Run {
   public:
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

   private:
    friend class MemoryPlanner;
    Run() = default;
    MemoryPlanner* planner_ = nullptr;
    std::string key_;
    std::unique_ptr<AllocationHook> hook_;
    AllocationHook* previous_ = nullptr;
  };

  // Starts a run whose feeds have the shapes and types summarized by `key`.
  std::unique_ptr<Run> begin(const std::string& key);

  // Bytes of the plan for `key` (0 when there is none yet), for tests and `onyx bench`.
  size_t planned_bytes(const std::string& key) const;

  struct Plan;
  struct Arena;
  struct Recording;

 private:
  struct Entry;
  void finish(Run& run);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace onyx
