#include "exec/memory_plan.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

namespace onyx {

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxPlannedAllocations = 8000;  // the packing is quadratic in the count
constexpr int kMaxDivergences = 2;                // then the shape runs unplanned

size_t round_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

struct MemoryPlanner::Plan {
  std::vector<size_t> sizes;         // per allocation, in run order
  std::vector<int64_t> offsets;      // arena offset, or -1 (outlives the run: malloc)
  // Per allocation: the earlier planned tensors whose memory it reuses (their recorded lives
  // ended before it began). Each must be released when it comes, or the run has diverged.
  std::vector<std::vector<uint32_t>> reuses;
  size_t arena_bytes = 0;
};

// One plan's memory, used by one run at a time. Tensors placed in it keep it alive, so a run
// whose tensors unexpectedly outlive it leaves it to them instead of reusing it.
struct MemoryPlanner::Arena {
  explicit Arena(std::shared_ptr<const Plan> p)
      : plan(std::move(p)), alive(new std::atomic<bool>[plan->sizes.size()]) {
    base = static_cast<unsigned char*>(std::aligned_alloc(kAlign, std::max(plan->arena_bytes, kAlign)));
    if (base == nullptr) throw std::bad_alloc();
    for (size_t i = 0; i < plan->sizes.size(); ++i) alive[i].store(false);
  }
  ~Arena() { std::free(base); }
  std::shared_ptr<const Plan> plan;
  unsigned char* base = nullptr;
  std::atomic<int64_t> outstanding{0};
  std::unique_ptr<std::atomic<bool>[]> alive;  // per allocation: in the arena right now
};

// The allocations of a recording run: sizes and lifetimes on one clock of events.
struct MemoryPlanner::Recording {
  std::mutex mutex;
  bool open = true;
  int64_t clock = 0;
  std::vector<size_t> sizes;
  std::vector<int64_t> start, end;  // end -1: not released during the run
};

struct MemoryPlanner::Entry {
  std::shared_ptr<const Plan> plan;
  bool recording = false;
  int divergences = 0;
  std::vector<std::shared_ptr<Arena>> idle;
};

namespace {

using Plan = MemoryPlanner::Plan;
using Arena = MemoryPlanner::Arena;
using Recording = MemoryPlanner::Recording;

class RecordingHook final : public AllocationHook {
 public:
  RecordingHook() : rec_(std::make_shared<Recording>()) {}
  std::shared_ptr<void> allocate(size_t bytes) override {
    void* p = std::aligned_alloc(kAlign, round_up(bytes));
    if (p == nullptr) throw std::bad_alloc();
    size_t index;
    {
      std::lock_guard<std::mutex> lock(rec_->mutex);
      index = rec_->sizes.size();
      rec_->sizes.push_back(bytes);
      rec_->start.push_back(rec_->clock++);
      rec_->end.push_back(-1);
    }
    std::shared_ptr<Recording> rec = rec_;
    return std::shared_ptr<void>(p, [rec, index](void* q) {
      std::free(q);
      std::lock_guard<std::mutex> lock(rec->mutex);
      if (rec->open) rec->end[index] = rec->clock++;
    });
  }
  const std::shared_ptr<Recording>& recording() const { return rec_; }

 private:
  std::shared_ptr<Recording> rec_;
};

class ReplayHook final : public AllocationHook {
 public:
  explicit ReplayHook(std::shared_ptr<Arena> arena) : arena_(std::move(arena)) {}
  std::shared_ptr<void> allocate(size_t bytes) override {
    const Plan& plan = *arena_->plan;
    if (diverged_ || next_ >= plan.sizes.size() || plan.sizes[next_] != bytes) {
      diverged_ = true;
      return nullptr;
    }
    const size_t i = next_++;
    if (plan.offsets[i] < 0) return nullptr;
    // Every earlier tensor whose memory this one reuses must be gone.
    for (uint32_t j : plan.reuses[i]) {
      if (arena_->alive[j].load(std::memory_order_acquire)) {
        diverged_ = true;
        return nullptr;
      }
    }
    arena_->alive[i].store(true, std::memory_order_relaxed);
    arena_->outstanding.fetch_add(1, std::memory_order_relaxed);
    std::shared_ptr<Arena> arena = arena_;
    return std::shared_ptr<void>(arena_->base + plan.offsets[i], [arena, i](void*) {
      arena->alive[i].store(false, std::memory_order_release);
      arena->outstanding.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
  bool diverged() const { return diverged_; }
  const std::shared_ptr<Arena>& arena() const { return arena_; }

 private:
  std::shared_ptr<Arena> arena_;
  size_t next_ = 0;
  bool diverged_ = false;
};

// Packs the recorded lifetimes into one arena: largest first, each at the lowest offset that no
// tensor of an overlapping lifetime occupies.
std::shared_ptr<const Plan> make_plan(Recording& rec) {
  std::lock_guard<std::mutex> lock(rec.mutex);
  rec.open = false;
  const size_t n = rec.sizes.size();
  if (n == 0 || n > kMaxPlannedAllocations) return nullptr;
  auto plan = std::make_shared<Plan>();
  plan->sizes = rec.sizes;
  plan->offsets.assign(n, -1);
  plan->reuses.assign(n, {});
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    if (rec.end[i] >= 0) order.push_back(i);
  }
  if (order.empty()) return nullptr;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rec.sizes[a] > rec.sizes[b]; });
  struct Placed {
    int64_t offset;
    size_t size;
    int64_t start, end;
  };
  std::vector<Placed> placed;
  std::vector<size_t> placed_index;  // allocation of each placed entry
  std::vector<std::pair<int64_t, int64_t>> busy;  // [offset, offset + size) of live neighbours
  for (size_t i : order) {
    const size_t size = round_up(rec.sizes[i]);
    busy.clear();
    for (const Placed& p : placed) {
      if (p.start < rec.end[i] && rec.start[i] < p.end) {
        busy.emplace_back(p.offset, p.offset + static_cast<int64_t>(p.size));
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [b, e] : busy) {
      if (b - offset >= static_cast<int64_t>(size)) break;
      offset = std::max(offset, e);
    }
    plan->offsets[i] = offset;
    plan->arena_bytes = std::max(plan->arena_bytes, static_cast<size_t>(offset) + size);
    placed.push_back({offset, size, rec.start[i], rec.end[i]});
    placed_index.push_back(i);
  }
  // Which earlier tensors each one's memory overlaps (they cannot overlap in time: placed so).
  for (size_t a = 0; a < placed_index.size(); ++a) {
    for (size_t b = a + 1; b < placed_index.size(); ++b) {
      const Placed &pa = placed[a], &pb = placed[b];
      if (pa.offset < pb.offset + static_cast<int64_t>(pb.size) &&
          pb.offset < pa.offset + static_cast<int64_t>(pa.size)) {
        const size_t ia = placed_index[a], ib = placed_index[b];
        if (rec.start[ia] < rec.start[ib]) {
          plan->reuses[ib].push_back(static_cast<uint32_t>(ia));
        } else {
          plan->reuses[ia].push_back(static_cast<uint32_t>(ib));
        }
      }
    }
  }
  return plan;
}

}  // namespace

MemoryPlanner::MemoryPlanner() = default;
MemoryPlanner::~MemoryPlanner() = default;

std::unique_ptr<MemoryPlanner::Run> MemoryPlanner::begin(const std::string& key) {
  auto run = std::unique_ptr<Run>(new Run());
  run->planner_ = this;
  run->key_ = key;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::unique_ptr<Entry>& entry = entries_[key];
    if (!entry) entry = std::make_unique<Entry>();
    if (entry->divergences >= kMaxDivergences) return run;  // unplanned
    if (entry->plan) {
      std::shared_ptr<Arena> arena;
      if (!entry->idle.empty()) {
        arena = std::move(entry->idle.back());
        entry->idle.pop_back();
      } else {
        arena = std::make_shared<Arena>(entry->plan);
      }
      run->hook_ = std::make_unique<ReplayHook>(std::move(arena));
    } else if (!entry->recording) {
      entry->recording = true;
      run->hook_ = std::make_unique<RecordingHook>();
    }
  }
  if (run->hook_) run->previous_ = set_allocation_hook(run->hook_.get());
  return run;
}

MemoryPlanner::Run::~Run() {
  if (hook_ == nullptr) return;
  set_allocation_hook(previous_);
  planner_->finish(*this);
}

void MemoryPlanner::finish(Run& run) {
  if (auto* rec = dynamic_cast<RecordingHook*>(run.hook_.get())) {
    std::shared_ptr<const Plan> plan = make_plan(*rec->recording());
    std::lock_guard<std::mutex> lock(mutex_);
    Entry& entry = *entries_[run.key_];
    entry.recording = false;
    entry.plan = std::move(plan);
    if (!entry.plan) entry.divergences = kMaxDivergences;  // nothing worth planning
    return;
  }
  auto* replay = static_cast<ReplayHook*>(run.hook_.get());
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& entry = *entries_[run.key_];
  if (replay->diverged()) {
    ++entry.divergences;
    if (entry.plan == replay->arena()->plan) {
      entry.plan = nullptr;  // re-record (or give up after kMaxDivergences)
      entry.idle.clear();
    }
    return;
  }
  // An arena with tensors still in it (held past the run) stays with them.
  if (replay->arena()->outstanding.load() == 0 && entry.plan == replay->arena()->plan) {
    entry.idle.push_back(replay->arena());
  }
}

size_t MemoryPlanner::planned_bytes(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  return it != entries_.end() && it->second->plan ? it->second->plan->arena_bytes : 0;
}

}  // namespace onyx
