// onyx info MODEL: what a model holds, and which of its operators onyx cannot run yet.
// Reads the model with the importer only (no Session), so it works on models we cannot run.
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "cli.h"
#include "cli_util.h"
#include "ir/graph.h"
#include "onnx/model_loader.h"
#include "ops/registry.h"

namespace onyx::cli {

namespace {

std::string shown_domain(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

struct OpKey {
  std::string domain;
  std::string op;
  int opset;
  bool operator<(const OpKey& o) const {
    return std::tie(domain, op, opset) < std::tie(o.domain, o.op, o.opset);
  }
};

struct Stats {
  std::map<std::pair<std::string, std::string>, int64_t> histogram;  // (domain, op) -> count
  std::set<OpKey> distinct;
  int64_t nodes = 0;
  int64_t subgraphs = 0;
  int64_t params = 0;
  int64_t param_bytes = 0;
  int64_t initializers = 0;
};

void add_initializers(const ir::Graph& g, Stats* s) {
  for (const auto& [name, t] : g.initializers) {
    ++s->initializers;
    s->params += t.numel();
    if (t.dtype() == DataType::kString) {
      for (int64_t i = 0; i < t.numel(); ++i) {
        s->param_bytes += static_cast<int64_t>(t.data<std::string>()[i].size());
      }
    } else {
      s->param_bytes += static_cast<int64_t>(t.nbytes());
    }
  }
}

void walk_nodes(const std::vector<ir::Node>& nodes, Stats* s);

void walk_graph(const ir::Graph& g, Stats* s) {
  add_initializers(g, s);
  walk_nodes(g.nodes, s);
}

void walk_nodes(const std::vector<ir::Node>& nodes, Stats* s) {
  for (const ir::Node& n : nodes) {
    ++s->nodes;
    ++s->histogram[{n.domain, n.op_type}];
    s->distinct.insert({n.domain, n.op_type, n.opset});
    for (const ir::Attribute& a : n.attributes) {
      if (a.g) {
        ++s->subgraphs;
        walk_graph(*a.g, s);
      }
      for (const auto& g : a.graphs) {
        if (!g) continue;
        ++s->subgraphs;
        walk_graph(*g, s);
      }
    }
  }
}

std::string human_bytes(int64_t b) {
  char buf[64];
  if (b >= (int64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(b) / (1 << 30));
  } else if (b >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(b) / (1 << 20));
  } else if (b >= (1 << 10)) {
    std::snprintf(buf, sizeof buf, "%.2f KiB", static_cast<double>(b) / (1 << 10));
  } else {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
  }
  return buf;
}

void print_value_infos(const char* title, const std::vector<const ir::ValueInfo*>& infos) {
  std::printf("%s (%zu):\n", title, infos.size());
  for (const ir::ValueInfo* vi : infos) {
    std::printf("  %s: %s %s\n", vi->name.c_str(), vi->type.to_string().c_str(),
                vi->type.is_tensor() ? vi->type.shape_string().c_str() : "");
  }
}

}  // namespace

int cmd_info(const std::vector<std::string>& args) {
  std::string path;
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") {
      std::printf("usage: onyx info MODEL\n");
      return 0;
    }
    if (!a.empty() && a[0] == '-') return fail("onyx info: unknown option '" + a + "'");
    if (!path.empty()) return fail("onyx info: unexpected argument '" + a + "' (one MODEL only)");
    path = a;
  }
  if (path.empty()) return fail("usage: onyx info MODEL");
  if (!is_regular_file(path)) return fail("onyx info: no such file: '" + path + "'");

  auto loaded = onnx_import::load_model(path);
  if (!loaded.ok()) return fail("onyx info: " + path + ": " + loaded.status().to_string());
  const ir::Model& m = *loaded;

  std::printf("model: %s\n", path.c_str());
  std::printf("ir_version: %lld\n", static_cast<long long>(m.ir_version));
  std::string opsets;
  for (const auto& [domain, version] : m.opset_imports) {
    opsets += (opsets.empty() ? "" : ", ") + shown_domain(domain) + " " + std::to_string(version);
  }
  std::printf("opset_imports: %s\n", opsets.c_str());
  std::printf("producer: %s\n",
              m.producer_name.empty()
                  ? "(none)"
                  : (m.producer_name + (m.producer_version.empty() ? "" : " " + m.producer_version))
                        .c_str());
  if (!m.domain.empty()) std::printf("domain: %s\n", m.domain.c_str());
  if (m.model_version) std::printf("model_version: %lld\n", static_cast<long long>(m.model_version));
  if (!m.graph.name.empty()) std::printf("graph: %s\n", m.graph.name.c_str());
  for (const auto& [k, v] : m.metadata) std::printf("metadata: %s = %s\n", k.c_str(), v.c_str());

  std::vector<const ir::ValueInfo*> outputs, overridable;
  for (const auto& vi : m.graph.outputs) outputs.push_back(&vi);
  for (const auto& vi : m.graph.inputs) {
    if (m.graph.initializers.count(vi.name)) overridable.push_back(&vi);
  }
  print_value_infos("inputs", fed_inputs(m));
  if (!overridable.empty()) {
    std::printf("  (and %zu inputs with initializer defaults)\n", overridable.size());
  }
  print_value_infos("outputs", outputs);

  Stats s;
  walk_graph(m.graph, &s);
  std::map<std::pair<std::string, std::string>, const ir::FunctionDef*> functions;
  for (const auto& f : m.functions) functions[{ir::canonical_domain(f.domain), f.name}] = &f;
  Stats fstats;  // ops used inside model-local functions
  for (const auto& f : m.functions) walk_nodes(f.nodes, &fstats);

  std::printf("operators (%lld nodes, %zu distinct%s):\n", static_cast<long long>(s.nodes),
              s.histogram.size(),
              s.subgraphs ? (", " + std::to_string(s.subgraphs) + " subgraphs").c_str() : "");
  for (const auto& [key, count] : s.histogram) {
    std::printf("  %-12s %-28s %lld\n", shown_domain(key.first).c_str(), key.second.c_str(),
                static_cast<long long>(count));
  }
  if (!m.functions.empty()) {
    std::printf("model-local functions (%zu):", m.functions.size());
    for (const auto& f : m.functions) {
      std::printf(" %s%s", f.domain.empty() ? "" : (f.domain + ".").c_str(), f.name.c_str());
    }
    std::printf("\n");
  }
  std::printf("parameters: %lld in %lld initializers, %s (%lld bytes)\n",
              static_cast<long long>(s.params), static_cast<long long>(s.initializers),
              human_bytes(s.param_bytes).c_str(), static_cast<long long>(s.param_bytes));

  // Which ops the registry cannot serve at the model's opset (element types are not checked:
  // they are known only once the session resolves the kernels).
  std::vector<std::string> missing;
  std::set<OpKey> all = s.distinct;
  all.insert(fstats.distinct.begin(), fstats.distinct.end());
  for (const OpKey& k : all) {
    auto found = global_registry().find(k.domain, k.op, k.opset, std::nullopt);
    if (found.ok()) continue;
    if (functions.count({k.domain, k.op})) continue;  // a model-local function: its body counts
    missing.push_back(shown_domain(k.domain) + " " + k.op + " (opset " + std::to_string(k.opset) +
                      "): " + found.status().message());
  }
  if (missing.empty()) {
    std::printf("unsupported operators: none\n");
  } else {
    std::printf("unsupported operators (%zu):\n", missing.size());
    for (const auto& line : missing) std::printf("  %s\n", line.c_str());
  }
  return 0;
}

}  // namespace onyx::cli
