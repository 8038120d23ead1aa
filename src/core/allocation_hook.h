// An interposer for the memory of tensors made on the current thread: the session's memory
// planner (exec/memory_plan.h) installs one for the duration of a run.
#pragma once

#include <cstddef>
#include <memory>

namespace onyx {

class AllocationHook {
 public:
  virtual ~AllocationHook() = default;
  // Storage for a tensor of `bytes` (a multiple of 64, 64-byte aligned), owning its release;
  // null lets the tensor allocate as usual.
  virtual std::shared_ptr<void> allocate(size_t bytes) = 0;
};

AllocationHook* current_allocation_hook();
// Installs `hook` (null: none) for this thread; returns the one it replaces.
AllocationHook* set_allocation_hook(AllocationHook* hook);

}  // namespace onyx
