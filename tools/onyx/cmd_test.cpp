// onyx test PATH... [--filter REGEX] [--expect-fail FILE] [--jobs N] [--timeout S] [--threads N]
//                   [--verbose] [--list-failures FILE] [--dynamic | --constant]
//                   [--custom-ops LIB]... [--opt N]
//
// Shape modes (as onnx-mlir tests): --dynamic makes every dim of the graph's inputs, outputs and
// value_info unknown before loading (run-time shape logic only); --constant turns the fed inputs
// into initializers, one session per data set (what constant folding sees).
//
// Runs ONNX backend-test cases (model.onnx + test_data_set_*/input_K.pb, output_K.pb). Each case
// runs in a fork()ed child so that a crash or a hang fails that case only; results are printed
// in sorted case-name order whatever the number of parallel jobs.
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "cli.h"
#include "cli_util.h"
#include "compare.h"
#include "exec/session.h"
#include "onnx/file_util.h"
#include "onnx/model_loader.h"
#include "onnx/tensor_proto.h"

namespace onyx::cli {

namespace {

constexpr const char* kUsage =
    "usage: onyx test PATH... [--filter REGEX] [--expect-fail FILE] [--jobs N] [--timeout S] "
    "[--threads N] [--verbose] [--list-failures FILE] [--dynamic | --constant] "
    "[--custom-ops LIB]... [--opt N]";

struct TestCase {
  std::string name;  // the case folder's name
  std::string dir;
};

struct Outcome {
  enum Kind { kPass, kFail, kSkip };
  Kind kind = kFail;
  std::string message;  // full, possibly multi-line
};

enum class ShapeMode { kAsGiven, kDynamic, kConstant };

struct TestOptions {
  ShapeMode mode = ShapeMode::kAsGiven;
  std::vector<std::string> custom_op_libraries;
  std::shared_ptr<const KernelRegistry> custom_ops;  // loaded before the cases fork
  std::string filter;
  std::string expect_fail_file;
  std::string list_failures_file;
  int jobs = 1;
  int threads = -1;  // -1: 0 (runtime default) for one job, 1 for several
  int opt_level = 3;  // graph optimizer level (--opt)
  double timeout_s = 120;
  bool verbose = false;
};

std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Case folders under `path` (itself, or folders below it holding a model.onnx).
void find_cases(const std::string& path, int depth, std::vector<TestCase>* out) {
  if (is_regular_file(path + "/model.onnx")) {
    out->push_back({base_name(path), path});
    return;
  }
  if (depth >= 4) return;
  for (const std::string& entry : list_dir(path)) {
    const std::string sub = path + "/" + entry;
    if (is_directory(sub)) find_cases(sub, depth + 1, out);
  }
}

// test_data_set_N folders of a case, in numeric order.
std::vector<std::string> data_sets(const std::string& dir) {
  std::vector<std::pair<long long, std::string>> sets;
  const std::string prefix = "test_data_set_";
  for (const std::string& entry : list_dir(dir)) {
    if (entry.compare(0, prefix.size(), prefix) != 0 || !is_directory(dir + "/" + entry)) continue;
    const auto n = parse_int(entry.substr(prefix.size()));
    sets.emplace_back(n ? *n : -1, entry);
  }
  std::sort(sets.begin(), sets.end());
  std::vector<std::string> names;
  for (auto& s : sets) names.push_back(std::move(s.second));
  return names;
}

Outcome pass() { return {Outcome::kPass, ""}; }
Outcome failure(std::string m) { return {Outcome::kFail, std::move(m)}; }
Outcome skip(std::string m) { return {Outcome::kSkip, std::move(m)}; }

// The model with the tensors of `feeds` as initializers instead of graph inputs; `feeds` keeps
// what cannot be one (sequences, optionals).
ir::Model with_constant_inputs(const ir::Model& model, NamedValues* feeds) {
  ir::Model m = model;
  NamedValues rest;
  for (auto& [name, value] : *feeds) {
    if (!value.is_tensor()) {
      rest.emplace_back(name, std::move(value));
      continue;
    }
    m.graph.initializers[name] = value.tensor();
    auto& in = m.graph.inputs;
    in.erase(std::remove_if(in.begin(), in.end(),
                            [&](const ir::ValueInfo& vi) { return vi.name == name; }),
             in.end());
  }
  *feeds = std::move(rest);
  return m;
}

// Runs data set `set` on `session`, comparing with `expected`; "" when all match.
std::string check_set(const Session& session, const NamedValues& feeds,
                      const std::vector<Value>& expected, const std::vector<ir::ValueInfo>& outputs,
                      const std::string& set) {
  auto got = session.run(feeds);
  if (!got.ok()) return set + ": " + got.status().to_string();
  if (got->size() < expected.size()) {
    return set + ": got " + std::to_string(got->size()) + " outputs, expected " +
           std::to_string(expected.size());
  }
  for (size_t k = 0; k < expected.size(); ++k) {
    std::string m = compare_values((*got)[k], expected[k], set + ": output '" + outputs[k].name + "'");
    if (!m.empty()) return m;
  }
  return "";
}

// Runs one case in this process. Never throws.
Outcome run_case(const TestCase& tc, int threads, ShapeMode mode,
                 const std::shared_ptr<const KernelRegistry>& custom_ops, int opt_level) {
  try {
    const std::vector<std::string> sets = data_sets(tc.dir);
    if (sets.empty()) return skip("no test_data_set_* folder");

    onnx_import::LoadOptions load_options;
    load_options.unknown_dims = mode == ShapeMode::kDynamic;
    auto model = onnx_import::load_model(tc.dir + "/model.onnx", load_options);
    if (!model.ok()) return failure("loading model.onnx: " + model.status().to_string());

    // Expected outputs first: a case whose expected-output kind cannot be read is skipped.
    const std::vector<ir::ValueInfo> outputs = model->graph.outputs;
    std::vector<std::vector<Value>> expected(sets.size());
    for (size_t s = 0; s < sets.size(); ++s) {
      for (size_t k = 0;; ++k) {
        const std::string file = tc.dir + "/" + sets[s] + "/output_" + std::to_string(k) + ".pb";
        if (!is_regular_file(file)) break;
        if (k >= outputs.size()) {
          return failure(sets[s] + "/output_" + std::to_string(k) + ".pb: the model has only " +
                         std::to_string(outputs.size()) + " outputs");
        }
        const auto kind = outputs[k].type.kind;
        if (kind == ir::TypeInfo::Kind::kUnknown || kind == ir::TypeInfo::Kind::kSparseTensor) {
          return skip("output '" + outputs[k].name + "' has type " + outputs[k].type.to_string() +
                      ", which the runner cannot read");
        }
        auto v = onnx_import::read_value_file(file, &outputs[k].type);
        if (!v.ok()) {
          return skip("cannot read expected " + sets[s] + "/output_" + std::to_string(k) +
                      ".pb: " + v.status().message());
        }
        expected[s].push_back(std::move(v).value());
      }
    }

    // Inputs are read against the model before it moves into the session.
    std::vector<NamedValues> feeds(sets.size());
    for (size_t s = 0; s < sets.size(); ++s) {
      auto f = load_inputs_from_dir(*model, tc.dir + "/" + sets[s]);
      if (!f.ok()) return failure(sets[s] + ": reading inputs: " + f.status().to_string());
      feeds[s] = std::move(f).value();
    }

    SessionOptions options;
    options.intra_op_num_threads = threads;
    options.optimization_level = opt_level;
    options.custom_ops = custom_ops;
    if (mode == ShapeMode::kConstant) {
      for (size_t s = 0; s < sets.size(); ++s) {
        auto session = Session::create(with_constant_inputs(*model, &feeds[s]), options);
        if (!session.ok()) return failure(sets[s] + ": " + session.status().to_string());
        const std::string m = check_set(**session, feeds[s], expected[s], outputs, sets[s]);
        if (!m.empty()) return failure(m);
      }
      return pass();
    }
    auto session = Session::create(std::move(model).value(), options);
    if (!session.ok()) return failure(session.status().to_string());
    for (size_t s = 0; s < sets.size(); ++s) {
      const std::string m = check_set(**session, feeds[s], expected[s], outputs, sets[s]);
      if (!m.empty()) return failure(m);
    }
    return pass();
  } catch (const std::exception& e) {
    return failure(std::string("uncaught exception: ") + e.what());
  } catch (...) {
    return failure("uncaught exception of unknown type");
  }
}

// ---- child processes -------------------------------------------------------------------------

// Wire format of a child's result: one kind letter ('P', 'F', 'S') then the message.
std::string encode(const Outcome& o) {
  const char k = o.kind == Outcome::kPass ? 'P' : o.kind == Outcome::kSkip ? 'S' : 'F';
  return std::string(1, k) + o.message;
}

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string describe_wait_status(int status, const std::string& payload) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "crashed: signal " + std::to_string(sig) + " (SIG" + (abbrev ? abbrev : "?") + ", " +
           strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) {
    return "the runtime exited with status " + std::to_string(WEXITSTATUS(status)) +
           (payload.empty() ? " without a result" : " with a malformed result");
  }
  return "the test process ended abnormally";
}

struct Running {
  size_t index;
  pid_t pid;
  int fd;
  std::chrono::steady_clock::time_point deadline;
  bool has_deadline;
  std::string payload;
};

// Runs every case, up to `jobs` at a time, calling `report(i, outcome)` in index order.
template <typename Report>
void run_all(const std::vector<TestCase>& cases, const TestOptions& opt, Report report) {
  const int threads = opt.threads >= 0 ? opt.threads : (opt.jobs > 1 ? 1 : 0);
  std::vector<std::optional<Outcome>> results(cases.size());
  std::vector<Running> running;
  size_t next_launch = 0, next_report = 0;

  auto finish = [&](Running& r, std::optional<Outcome> forced) {
    close(r.fd);
    int status = 0;
    if (forced) kill(r.pid, SIGKILL);
    while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (forced) {
      results[r.index] = std::move(forced);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !r.payload.empty() &&
               (r.payload[0] == 'P' || r.payload[0] == 'F' || r.payload[0] == 'S')) {
      const char k = r.payload[0];
      results[r.index] = Outcome{k == 'P' ? Outcome::kPass : k == 'S' ? Outcome::kSkip
                                                                       : Outcome::kFail,
                                 r.payload.substr(1)};
    } else {
      results[r.index] = failure(describe_wait_status(status, r.payload));
    }
  };

  while (next_report < cases.size()) {
    while (next_launch < cases.size() && static_cast<int>(running.size()) < opt.jobs) {
      const size_t i = next_launch++;
      std::fflush(stdout);
      std::fflush(stderr);
      int fds[2];
      if (pipe(fds) != 0) {
        results[i] = failure(std::string("cannot create a pipe: ") + std::strerror(errno));
        continue;
      }
      const pid_t pid = fork();
      if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        results[i] = failure(std::string("cannot fork: ") + std::strerror(errno));
        continue;
      }
      if (pid == 0) {
        close(fds[0]);
        for (const Running& r : running) close(r.fd);
        const Outcome o = run_case(cases[i], threads, opt.mode, opt.custom_ops, opt.opt_level);
        write_all(fds[1], encode(o));
        close(fds[1]);
        _exit(0);
      }
      close(fds[1]);
      Running r{i, pid, fds[0], {}, opt.timeout_s > 0, {}};
      if (r.has_deadline) {
        r.deadline = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<long long>(opt.timeout_s * 1000));
      }
      running.push_back(std::move(r));
    }

    if (!running.empty()) {
      std::vector<pollfd> pfds;
      int wait_ms = -1;
      const auto now = std::chrono::steady_clock::now();
      for (const Running& r : running) {
        pfds.push_back({r.fd, POLLIN, 0});
        if (r.has_deadline) {
          const auto left =
              std::chrono::duration_cast<std::chrono::milliseconds>(r.deadline - now).count();
          const int ms = static_cast<int>(std::clamp<long long>(left + 1, 0, 1 << 30));
          wait_ms = wait_ms < 0 ? ms : std::min(wait_ms, ms);
        }
      }
      const int n = poll(pfds.data(), pfds.size(), wait_ms);
      if (n < 0 && errno != EINTR) {
        std::fprintf(stderr, "onyx test: poll failed: %s\n", std::strerror(errno));
        usleep(100000);
      }
      std::vector<Running> still;
      const auto after = std::chrono::steady_clock::now();
      for (size_t j = 0; j < running.size(); ++j) {
        Running& r = running[j];
        bool done = false;
        if (n > 0 && (pfds[j].revents & (POLLIN | POLLHUP | POLLERR))) {
          char buf[65536];
          const ssize_t got = read(r.fd, buf, sizeof buf);
          if (got > 0) {
            r.payload.append(buf, static_cast<size_t>(got));
          } else if (got == 0 || errno != EINTR) {
            finish(r, std::nullopt);
            done = true;
          }
        }
        if (!done && r.has_deadline && after >= r.deadline) {
          char secs[32];
          std::snprintf(secs, sizeof secs, "%g", opt.timeout_s);
          finish(r, failure(std::string("timed out after ") + secs + " s (killed)"));
          done = true;
        }
        if (!done) still.push_back(std::move(r));
      }
      running = std::move(still);
    }

    while (next_report < cases.size() && results[next_report]) {
      report(next_report, *results[next_report]);
      ++next_report;
    }
  }
}

// ---- expect-fail list ------------------------------------------------------------------------

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// "name  # reason" per line; '#' comments and blank lines ignored.
bool read_expect_fail(const std::string& path, std::set<std::string>* names, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read expect-fail file '" + path + "'";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    std::string body = trim(hash == std::string::npos ? line : line.substr(0, hash));
    if (body.empty()) continue;
    const auto space = body.find_first_of(" \t");
    names->insert(space == std::string::npos ? body : body.substr(0, space));
  }
  return true;
}

std::string first_line(const std::string& s, size_t max_chars) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max_chars) line = line.substr(0, max_chars) + "...";
  return line;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "onyx test: %s\n%s\n", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int cmd_test(const std::vector<std::string>& args) {
  TestOptions opt;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--filter") {
      if (!value(&opt.filter)) return usage_error("--filter needs a REGEX");
    } else if (a == "--expect-fail") {
      if (!value(&opt.expect_fail_file)) return usage_error("--expect-fail needs a FILE");
    } else if (a == "--list-failures") {
      if (!value(&opt.list_failures_file)) return usage_error("--list-failures needs a FILE");
    } else if (a == "--jobs" || a == "-j" || (a.size() > 2 && a.compare(0, 2, "-j") == 0)) {
      if (a.size() > 2 && a[1] == 'j') {
        v = a.substr(2);
      } else if (!value(&v)) {
        return usage_error(a + " needs a number");
      }
      const auto n = parse_int(v);
      if (!n || *n < 1 || *n > 1024) return usage_error("bad --jobs '" + v + "' (1 to 1024)");
      opt.jobs = static_cast<int>(*n);
    } else if (a == "--threads") {
      if (!value(&v)) return usage_error("--threads needs a number");
      const auto n = parse_int(v);
      if (!n || *n < 0 || *n > 4096) return usage_error("bad --threads '" + v + "'");
      opt.threads = static_cast<int>(*n);
    } else if (a == "--opt") {
      if (!value(&v)) return usage_error("--opt needs a level");
      const auto n = parse_int(v);
      if (!n || *n < 0 || (*n > 3 && *n != 99)) return usage_error("bad --opt '" + v + "' (0-3, 99)");
      opt.opt_level = static_cast<int>(*n);
    } else if (a == "--timeout") {
      if (!value(&v)) return usage_error("--timeout needs seconds");
      const auto t = parse_double(v);
      if (!t || !(*t >= 0) || *t > 1e7) return usage_error("bad --timeout '" + v + "'");
      opt.timeout_s = *t;
    } else if (a == "--verbose" || a == "-v") {
      opt.verbose = true;
    } else if (a == "--custom-ops") {
      if (!value(&v)) return usage_error("--custom-ops needs a LIBRARY");
      opt.custom_op_libraries.push_back(v);
    } else if (a == "--dynamic" || a == "--constant") {
      const ShapeMode m = a == "--dynamic" ? ShapeMode::kDynamic : ShapeMode::kConstant;
      if (opt.mode != ShapeMode::kAsGiven && opt.mode != m) {
        return usage_error("--dynamic and --constant exclude each other");
      }
      opt.mode = m;
    } else if (a == "-h" || a == "--help") {
      std::printf("%s\n", kUsage);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return usage_error("no PATH given");

  std::optional<std::regex> filter;
  {
    auto custom_ops = load_custom_ops(opt.custom_op_libraries);
    if (!custom_ops.ok()) {
      std::fprintf(stderr, "onyx test: %s\n", custom_ops.status().to_string().c_str());
      return 1;
    }
    opt.custom_ops = *custom_ops;
  }
  if (!opt.filter.empty()) {
    try {
      filter.emplace(opt.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return usage_error("bad --filter regex '" + opt.filter + "': " + e.what());
    }
  }
  std::set<std::string> expect_fail;
  if (!opt.expect_fail_file.empty()) {
    std::string error;
    if (!read_expect_fail(opt.expect_fail_file, &expect_fail, &error)) {
      return fail("onyx test: " + error);
    }
  }

  std::vector<TestCase> cases;
  for (std::string p : paths) {
    if (is_regular_file(p) && base_name(p) == "model.onnx") p = onnx_import::parent_dir(p);
    if (!is_directory(p)) return fail("onyx test: no such folder: '" + p + "'");
    const size_t before = cases.size();
    find_cases(p, 0, &cases);
    if (cases.size() == before) {
      return fail("onyx test: no test cases (folders holding model.onnx) under '" + p + "'");
    }
  }
  if (filter) {
    std::erase_if(cases, [&](const TestCase& c) { return !std::regex_search(c.name, *filter); });
  }
  std::sort(cases.begin(), cases.end(), [](const TestCase& a, const TestCase& b) {
    return a.name != b.name ? a.name < b.name : a.dir < b.dir;
  });

  int passed = 0, failed = 0, skipped = 0, xfail = 0, unexpected = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // name, reason
  run_all(cases, opt, [&](size_t i, const Outcome& o) {
    const std::string& name = cases[i].name;
    const bool listed = expect_fail.count(name) > 0;
    const std::string shown = opt.verbose ? o.message : first_line(o.message, 400);
    switch (o.kind) {
      case Outcome::kPass:
        ++passed;
        if (listed) {
          std::printf("XPASS %s (listed in %s, remove it)\n", name.c_str(),
                      opt.expect_fail_file.c_str());
        } else {
          std::printf("PASS %s\n", name.c_str());
        }
        break;
      case Outcome::kSkip:
        ++skipped;
        std::printf("SKIP %s: %s\n", name.c_str(), shown.c_str());
        break;
      case Outcome::kFail:
        ++failed;
        failures.emplace_back(name, first_line(o.message, 200));
        if (listed) {
          ++xfail;
          std::printf("XFAIL %s: %s\n", name.c_str(), shown.c_str());
        } else {
          ++unexpected;
          std::printf("FAIL %s: %s\n", name.c_str(), shown.c_str());
        }
        break;
    }
    std::fflush(stdout);
  });

  if (!opt.list_failures_file.empty()) {
    std::ofstream out(opt.list_failures_file);
    for (const auto& [name, reason] : failures) out << name << "  # " << reason << "\n";
    if (!out) {
      std::fprintf(stderr, "onyx test: cannot write '%s'\n", opt.list_failures_file.c_str());
      return 1;
    }
  }
  if (xfail) std::printf("%d expected failures\n", xfail);
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return unexpected ? 1 : 0;
}

}  // namespace onyx::cli
