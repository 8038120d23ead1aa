// The in-memory model: graph of nodes over named values. Built by src/onnx, consumed by the
// optimizer and the executor; knows nothing of protobuf.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/attribute.h"
#include "ir/type_info.h"

namespace onyx::ir {

// The canonical spelling of the default domain: "" (also written "ai.onnx" in files).
std::string canonical_domain(const std::string& domain);

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // canonical: "" for ai.onnx
  int opset = 0;       // the model's opset import for `domain`
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::vector<Attribute> attributes;

  const Attribute* find_attribute(const std::string& attr_name) const;
  // "node 'conv1' (Conv, opset 13)" for messages.
  std::string describe() const;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;   // includes initializers that are also listed as inputs
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;  // types of intermediate values (from the file / inference)
  std::map<std::string, Tensor> initializers;

  // Type of a named value from inputs, outputs, value_info or initializers (null if unknown).
  const TypeInfo* find_type(const std::string& value_name) const;
  // Names referenced inside this graph (including nested subgraphs) but defined outside it.
  std::vector<std::string> free_variables() const;
};

struct FunctionDef {
  std::string name;
  std::string domain;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> attributes;
  std::vector<Attribute> attribute_defaults;
  std::vector<Node> nodes;
  std::map<std::string, int64_t> opset_imports;
};

struct Model {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opset_imports;  // canonical domain -> version
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc;
  std::map<std::string, std::string> metadata;
  Graph graph;
  std::vector<FunctionDef> functions;
};

// Orders nodes so every node comes after the producers of its inputs (stable: keeps file order
// where possible). Fails on a cycle, naming a node on it. Values in `available` (graph inputs,
// initializers, outer scope) are treated as already produced.
Result<std::vector<size_t>> topological_order(const Graph& graph,
                                              const std::vector<std::string>& outer_scope = {});

// Every value the graph's nodes read (explicit inputs and their subgraphs' captures) or that is
// a graph output.
std::unordered_set<std::string> values_read(const Graph& graph);
// How many times each of those values is read (a node reading a value twice counts twice; a
// subgraph's capture and a graph output count once each).
std::unordered_map<std::string, int> read_counts(const Graph& graph);

// Reorders graph.nodes into topological_order (stable); leaves a graph with a cycle as it is.
// Rewrites that append nodes or move a producer call it, since saved models must list each
// producer before its readers.
void sort_topologically(Graph& graph);

// Structural checks: duplicate value names, values used but never produced, cycles, graph
// outputs never produced. Recurses into subgraphs with their outer scope.
Status validate_graph(const Graph& graph, const std::vector<std::string>& outer_scope = {});

}  // namespace onyx::ir
