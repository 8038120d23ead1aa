// Test helpers for control-flow kernels: building subgraph bodies and models in IR form.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ops/registry.h"
#include "test_util.h"

namespace onyx::test::control {

inline ir::Node node(const std::string& op, std::vector<std::string> inputs,
                     std::vector<std::string> outputs, int opset = 17,
                     std::vector<ir::Attribute> attrs = {}) {
  ir::Node n;
  n.name = op + "_" + (outputs.empty() ? std::string("x") : outputs[0]);
  n.op_type = op;
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attrs);
  return n;
}

inline ir::ValueInfo vi(const std::string& name) { return ir::ValueInfo{name, {}, {}}; }
inline ir::ValueInfo vi(const std::string& name, DataType dt, std::vector<int64_t> dims) {
  std::vector<ir::Dim> d;
  for (int64_t x : dims) d.push_back(ir::Dim::known(x));
  return ir::ValueInfo{name, ir::TypeInfo::tensor(dt, std::move(d)), {}};
}

inline ir::Graph graph(const std::string& name, std::vector<ir::ValueInfo> inputs,
                       std::vector<ir::Node> nodes, std::vector<ir::ValueInfo> outputs) {
  ir::Graph g;
  g.name = name;
  g.inputs = std::move(inputs);
  g.nodes = std::move(nodes);
  g.outputs = std::move(outputs);
  return g;
}

inline ir::Attribute attr_graph(const std::string& name, ir::Graph g) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kGraph;
  a.g = std::make_shared<ir::Graph>(std::move(g));
  return a;
}

// True when every op is built into this binary (bodies use ops of other families).
inline bool have_ops(std::initializer_list<const char*> ops) {
  for (const char* op : ops) {
    if (!global_registry().has_op("", op)) return false;
  }
  return true;
}

#define ONYX_REQUIRE_OPS(...)                                                  \
  do {                                                                         \
    if (!::onyx::test::control::have_ops({__VA_ARGS__})) {                     \
      GTEST_SKIP() << "ops of another family are not built into this binary"; \
    }                                                                          \
  } while (0)

// Runs a whole model with graph inputs named after `feeds`.
inline Result<std::vector<Value>> run_graph(ir::Graph g, const NamedValues& feeds, int opset = 17) {
  ir::Model model;
  model.ir_version = 8;
  model.opset_imports[""] = opset;
  model.graph = std::move(g);
  SessionOptions options;
  options.intra_op_num_threads = 1;
  ONYX_ASSIGN_OR_RETURN(auto session, Session::create(std::move(model), options));
  return session->run(feeds);
}

}  // namespace onyx::test::control
