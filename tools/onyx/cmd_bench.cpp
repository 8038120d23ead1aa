// onyx bench MODEL [--threads N] [--iters N] [--warmup N] [--dim NAME=VALUE]... [-i NAME=FILE]...
//                  [--json] [--profile FILE.json] [--per-op] [--opt N] [--parallel]
// Times Session::load and Session::run. Inputs come from -i files, else from test_data_set_0/
// beside the model, else random data of each input's type (symbolic dims from --dim, default 1).
// --profile / --per-op time every node in a second pass of --iters runs, after the timed ones,
// so the latency figures carry no profiling overhead.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cli.h"
#include "cli_util.h"
#include "exec/profiler.h"
#include "exec/session.h"
#include "onnx/file_util.h"

namespace onyx::cli {

namespace {

constexpr const char* kUsage =
    "usage: onyx bench MODEL [--threads N] [--iters N] [--warmup N] [--dim NAME=VALUE]... "
    "[-i NAME=FILE]... [--json] [--profile FILE.json] [--per-op] [--opt N] [--parallel]\n"
    "  --parallel: run independent nodes side by side (inter-op), each on one of --threads";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "onyx bench: %s\n%s\n", message.c_str(), kUsage);
  return 2;
}

// Peak resident set of this program image: /proc/self/status VmHWM, which belongs to the
// address space and so starts afresh at exec. (ru_maxrss survives exec: a process forked from
// a large parent, like bench/run.py after comparing outputs, would report the parent's size.)
double peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss);  // KiB
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

Result<Tensor> random_tensor(const ir::ValueInfo& vi, const std::map<std::string, int64_t>& dims,
                             std::mt19937& rng) {
  if (!vi.type.is_tensor()) {
    return InvalidArgument("input '", vi.name, "' has type ", vi.type.to_string(),
                           ": random data is made for tensors only; give it with -i NAME=FILE");
  }
  if (!vi.type.shape) {
    return InvalidArgument("input '", vi.name,
                           "' has no declared shape; give it with -i NAME=FILE");
  }
  Shape shape;
  for (const ir::Dim& d : *vi.type.shape) {
    if (d.is_known()) {
      shape.push_back(*d.value);
    } else if (!d.symbol.empty() && dims.count(d.symbol)) {
      shape.push_back(dims.at(d.symbol));
    } else {
      shape.push_back(1);
    }
  }
  Tensor t(vi.type.elem_type, shape);
  Status s = dispatch<AllTypes>(t.dtype(), [&]<typename T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, std::string>) {
        p[i] = "onyx";
      } else if constexpr (std::is_same_v<T, bool>) {
        p[i] = (rng() & 1) != 0;
      } else if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
        p[i] = T(std::uniform_real_distribution<float>(-1.f, 1.f)(rng));
      } else if constexpr (std::is_floating_point_v<T>) {
        p[i] = static_cast<T>(std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
      } else {
        p[i] = static_cast<T>(rng() % 2);  // 0 or 1: valid as most indices, axes, sizes
      }
    }
    return Status::OK();
  });
  if (!s.ok()) {
    return InvalidArgument("input '", vi.name, "': cannot make random ",
                           data_type_name(vi.type.elem_type), " data: ", s.message());
  }
  return t;
}

}  // namespace

int cmd_bench(const std::vector<std::string>& args) {
  std::string model_path;
  long long threads = 0, iters = 20, warmup = 3, opt_level = 3;
  bool json = false;
  bool per_op = false;
  bool parallel = false;
  std::string profile_path;
  std::map<std::string, int64_t> dims;
  std::vector<std::pair<std::string, std::string>> input_files;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto number = [&](long long* out, long long lo, long long hi) {
      if (i + 1 >= args.size()) return false;
      const auto n = parse_int(args[++i]);
      if (!n || *n < lo || *n > hi) return false;
      *out = *n;
      return true;
    };
    if (a == "--opt") {
      if (!number(&opt_level, 0, 99) || (opt_level > 3 && opt_level != 99)) {
        return usage_error("--opt takes 0, 1, 2, 3 or 99");
      }
    } else if (a == "--threads") {
      if (!number(&threads, 0, 4096)) return usage_error("--threads needs a number >= 0");
    } else if (a == "--iters") {
      if (!number(&iters, 1, 100000000)) return usage_error("--iters needs a number >= 1");
    } else if (a == "--warmup") {
      if (!number(&warmup, 0, 100000000)) return usage_error("--warmup needs a number >= 0");
    } else if (a == "--dim") {
      if (i + 1 >= args.size()) return usage_error("--dim needs NAME=VALUE");
      const std::string spec = args[++i];
      const auto eq = spec.find('=');
      const auto v = eq == std::string::npos ? std::nullopt : parse_int(spec.substr(eq + 1));
      if (eq == 0 || !v || *v < 0) return usage_error("--dim expects NAME=VALUE, got '" + spec + "'");
      dims[spec.substr(0, eq)] = *v;
    } else if (a == "-i" || a == "--input") {
      if (i + 1 >= args.size()) return usage_error(a + " needs NAME=FILE");
      const std::string spec = args[++i];
      const auto eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) {
        return usage_error(a + " expects NAME=FILE, got '" + spec + "'");
      }
      input_files.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    } else if (a == "--json") {
      json = true;
    } else if (a == "--per-op") {
      per_op = true;
    } else if (a == "--parallel") {
      parallel = true;
    } else if (a == "--profile") {
      if (i + 1 >= args.size()) return usage_error("--profile needs a FILE");
      profile_path = args[++i];
    } else if (a == "-h" || a == "--help") {
      std::printf("%s\n", kUsage);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      return usage_error("unexpected argument '" + a + "' (one MODEL only)");
    }
  }
  if (model_path.empty()) return usage_error("no MODEL given");
  if (!is_regular_file(model_path)) return fail("onyx bench: no such file: '" + model_path + "'");

  SessionOptions options;
  options.intra_op_num_threads = static_cast<int>(threads);
  options.optimization_level = static_cast<int>(opt_level);
  if (parallel) options.execution_mode = ExecutionMode::kParallel;
  const auto load_start = std::chrono::steady_clock::now();
  auto session = Session::load(model_path, options);
  const double load_ms = ms_since(load_start);
  if (!session.ok()) return fail("onyx bench: " + model_path + ": " + session.status().to_string());
  const Session& sess = **session;

  NamedValues feeds;
  std::string source;
  const std::string data_dir = onnx_import::parent_dir(model_path) + "/test_data_set_0";
  if (!input_files.empty()) {
    source = "files";
    for (const auto& [name, file] : input_files) {
      const ir::TypeInfo* type = nullptr;
      for (const auto& vi : sess.model().graph.inputs) {
        if (vi.name == name) type = &vi.type;
      }
      if (!type) return fail("onyx bench: the model has no input named '" + name + "'");
      auto value = read_input_file(file, type);
      if (!value.ok()) return fail("onyx bench: input '" + name + "': " + value.status().message());
      feeds.emplace_back(name, std::move(value).value());
    }
  } else if (is_directory(data_dir)) {
    source = "test_data_set_0";
    auto loaded = load_inputs_from_dir(sess.model(), data_dir);
    if (!loaded.ok()) return fail("onyx bench: " + data_dir + ": " + loaded.status().message());
    feeds = std::move(loaded).value();
  } else {
    source = "random";
    std::mt19937 rng(12345);
    for (const auto& vi : sess.inputs()) {
      auto t = random_tensor(vi, dims, rng);
      if (!t.ok()) return fail("onyx bench: " + t.status().message());
      feeds.emplace_back(vi.name, Value(std::move(t).value()));
    }
  }

  for (long long i = 0; i < warmup; ++i) {
    auto out = sess.run(feeds);
    if (!out.ok()) return fail("onyx bench: run failed: " + out.status().to_string());
  }
  std::vector<double> times;
  times.reserve(static_cast<size_t>(iters));
  for (long long i = 0; i < iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto out = sess.run(feeds);
    times.push_back(ms_since(start));
    if (!out.ok()) return fail("onyx bench: run failed: " + out.status().to_string());
  }
  double mean = 0;
  for (double t : times) mean += t;
  mean /= static_cast<double>(times.size());
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  const double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;

  const double peak_rss_mb = peak_rss_kib() / 1024.0;

  Profiler profiler;
  if (per_op || !profile_path.empty()) {
    RunOptions run_options;
    run_options.profiler = &profiler;
    for (long long i = 0; i < iters; ++i) {
      auto out = sess.run(feeds, {}, run_options);
      if (!out.ok()) return fail("onyx bench: run failed: " + out.status().to_string());
    }
    if (!profile_path.empty()) {
      Status st = profiler.write_chrome_trace(profile_path);
      if (!st.ok()) return fail("onyx bench: " + st.message());
    }
  }

  if (json) {
    std::printf(
        "{\"model\": \"%s\", \"inputs\": \"%s\", \"threads\": %lld, \"iters\": %lld, "
        "\"warmup\": %lld, \"load_ms\": %.3f, \"median_ms\": %.4f, \"min_ms\": %.4f, "
        "\"max_ms\": %.4f, \"mean_ms\": %.4f, \"peak_rss_mb\": %.1f}\n",
        json_escape(model_path).c_str(), source.c_str(), threads, iters, warmup, load_ms, median,
        times.front(), times.back(), mean, peak_rss_mb);
    if (per_op) std::fprintf(stderr, "%s", profiler.per_op_table(iters).c_str());
    return 0;
  }
  std::printf("model:    %s\n", model_path.c_str());
  std::printf("inputs:   %s\n", source.c_str());
  for (const auto& [name, v] : feeds) {
    std::printf("  %s: %s\n", name.c_str(), v.describe().c_str());
  }
  std::printf("threads:  %lld%s\n", threads, threads == 0 ? " (runtime default)" : "");
  std::printf("load:     %.3f ms\n", load_ms);
  std::printf("latency:  median %.4f ms, min %.4f ms, max %.4f ms, mean %.4f ms (%lld iters, %lld "
              "warmup)\n",
              median, times.front(), times.back(), mean, iters, warmup);
  std::printf("peak RSS: %.1f MB\n", peak_rss_mb);
  if (!profile_path.empty()) std::printf("profile:  %s\n", profile_path.c_str());
  if (per_op) std::printf("\nops by time (%lld profiled runs):\n%s", iters,
                          profiler.per_op_table(iters).c_str());
  return 0;
}

}  // namespace onyx::cli
