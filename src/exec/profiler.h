// Per-node timing of runs: a Chrome-trace file (chrome://tracing, Perfetto) and a ranking of
// the ops by time. Filled by GraphPlan when a run is given a Profiler; safe to share between
// concurrent runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

namespace onyx {

// `s` as the body of a JSON string literal (quotes, backslashes and control characters escaped).
std::string json_escape(const std::string& s);

class Profiler {
 public:
  struct Event {
    std::string name;    // node name (or "<output X>" when unnamed)
    std::string op;      // op type, domain-qualified outside ai.onnx
    std::string shapes;  // input shapes, "[1,3,224,224] [64,3,7,7]"
    int64_t start_us;    // since the profiler was made
    int64_t dur_us;
    uint64_t thread;     // a small id per calling thread
  };

  Profiler();
  // Microseconds since the profiler was made.
  int64_t now_us() const;
  void add(Event e);
  // Marks a whole run (shown as its own row in the trace).
  void add_run(int64_t start_us, int64_t dur_us);

  std::vector<Event> events() const;
  // Chrome trace event format (JSON array of complete events "ph": "X").
  Status write_chrome_trace(const std::string& path) const;
  // Ops ranked by total time: op, calls, total ms, share, mean us per call; `runs` divides the
  // totals so they read per run.
  std::string per_op_table(int64_t runs) const;

 private:
  uint64_t thread_id();

  std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  std::vector<std::pair<int64_t, int64_t>> runs_;
  std::vector<std::pair<size_t, uint64_t>> thread_ids_;  // hash of std::thread::id -> small id
};

}  // namespace onyx
