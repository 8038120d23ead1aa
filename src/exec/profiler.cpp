#include "exec/profiler.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

namespace onyx {

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

Profiler::Profiler() : origin_(std::chrono::steady_clock::now()) {}

int64_t Profiler::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               origin_)
      .count();
}

uint64_t Profiler::thread_id() {  // with mutex_ held
  const size_t h = std::hash<std::thread::id>()(std::this_thread::get_id());
  for (const auto& [hash, id] : thread_ids_) {
    if (hash == h) return id;
  }
  thread_ids_.emplace_back(h, thread_ids_.size() + 1);
  return thread_ids_.size();
}

void Profiler::add(Event e) {
  std::lock_guard<std::mutex> lock(mutex_);
  e.thread = thread_id();
  events_.push_back(std::move(e));
}

void Profiler::add_run(int64_t start_us, int64_t dur_us) {
  std::lock_guard<std::mutex> lock(mutex_);
  runs_.emplace_back(start_us, dur_us);
}

std::vector<Profiler::Event> Profiler::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

Status Profiler::write_chrome_trace(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ofstream out(path);
  if (!out) return Status(StatusCode::kNotFound, "cannot write the profile '" + path + "'");
  out << "[\n";
  bool first = true;
  for (const auto& [start, dur] : runs_) {
    out << (first ? "" : ",\n") << R"({"name":"run","cat":"session","ph":"X","pid":1,"tid":0,"ts":)"
        << start << ",\"dur\":" << dur << "}";
    first = false;
  }
  for (const Event& e : events_) {
    out << (first ? "" : ",\n") << "{\"name\":\"" << json_escape(e.name) << "\",\"cat\":\"node\","
        << "\"ph\":\"X\",\"pid\":1,\"tid\":" << e.thread << ",\"ts\":" << e.start_us
        << ",\"dur\":" << e.dur_us << ",\"args\":{\"op\":\"" << json_escape(e.op)
        << "\",\"input_shapes\":\"" << json_escape(e.shapes) << "\"}}";
    first = false;
  }
  out << "\n]\n";
  if (!out) return RuntimeError("error while writing the profile '", path, "'");
  return Status::OK();
}

std::string Profiler::per_op_table(int64_t runs) const {
  struct Row {
    int64_t calls = 0;
    int64_t total_us = 0;
  };
  std::map<std::string, Row> by_op;
  int64_t total = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Event& e : events_) {
      Row& r = by_op[e.op];
      ++r.calls;
      r.total_us += e.dur_us;
      total += e.dur_us;
    }
  }
  std::vector<std::pair<std::string, Row>> rows(by_op.begin(), by_op.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.total_us > b.second.total_us; });
  const double per_run = runs > 0 ? static_cast<double>(runs) : 1.0;
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %8s %12s %7s %12s\n", "op", "calls/run", "ms/run",
                "share", "us/call");
  os << line;
  for (const auto& [op, r] : rows) {
    std::snprintf(line, sizeof line, "%-28s %8.0f %12.3f %6.1f%% %12.1f\n", op.c_str(),
                  static_cast<double>(r.calls) / per_run,
                  static_cast<double>(r.total_us) / 1000.0 / per_run,
                  total > 0 ? 100.0 * static_cast<double>(r.total_us) / static_cast<double>(total)
                            : 0.0,
                  static_cast<double>(r.total_us) / static_cast<double>(r.calls));
    os << line;
  }
  std::snprintf(line, sizeof line, "%-28s %8s %12.3f\n", "total (nodes)", "",
                static_cast<double>(total) / 1000.0 / per_run);
  os << line;
  return os.str();
}

}  // namespace onyx
