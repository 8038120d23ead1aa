// What rewrite rules ask of a graph while they edit it: who produces a value, how many readers
// it has (explicit inputs, subgraph captures and graph outputs), whether it is a constant, its
// static type. Kept current by RewriteContext's editing calls (node_removed / node_added /
// initializer_added), so a sweep over a large graph costs O(nodes), not O(nodes^2).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace onyx::opt {

class GraphIndex {
 public:
  explicit GraphIndex(const ir::Graph& graph);

  // Index of the node producing `value`, or -1 (graph input, initializer, outer scope).
  int producer(const std::string& value) const;
  // Nodes reading `value` as an explicit input (a node reading it twice is listed twice).
  const std::vector<int>& consumers(const std::string& value) const;
  // Explicit readers + subgraph captures + graph outputs: 0 means the value is dead.
  int use_count(const std::string& value) const;
  bool is_graph_output(const std::string& value) const { return graph_outputs_.count(value) > 0; }
  // Read by a subgraph (If/Loop/Scan body) of some node: rules must not rename or drop it.
  bool is_captured(const std::string& value) const { return captured_.count(value) > 0; }
  // An initializer that is not also a graph input (so callers cannot override it).
  const Tensor* constant(const std::string& value) const;
  // Static type from initializers, inputs, outputs and value_info (null when unknown).
  const ir::TypeInfo* type(const std::string& value) const;
  // Fully known static shape (every dim a number), or nullopt.
  std::optional<Shape> static_shape(const std::string& value) const;
  std::optional<DataType> dtype(const std::string& value) const;
  // Whether `name` names any value of the graph (for making fresh names).
  bool has_value(const std::string& name) const {
    return names_.count(name) > 0 || types_.count(name) > 0;
  }

  // Updates after an edit of graph.nodes[i] / graph.initializers (see RewriteContext).
  void node_removed(int i, const ir::Node& node);
  void node_added(int i, const ir::Node& node);
  void initializer_added(const std::string& name, const Tensor& t);
  void initializer_removed(const std::string& name);

 private:
  const ir::Graph* graph_;
  std::unordered_map<std::string, int> producer_;
  std::unordered_map<std::string, std::vector<int>> consumers_;
  std::unordered_map<std::string, int> uses_;
  std::unordered_set<std::string> graph_outputs_;
  std::unordered_map<std::string, int> captured_;  // value -> nodes whose subgraphs read it
  std::unordered_set<std::string> graph_inputs_;
  std::unordered_map<std::string, const ir::TypeInfo*> types_;
  std::unordered_map<std::string, ir::TypeInfo> initializer_types_;  // node-stable addresses
  std::unordered_set<std::string> names_;
};

}  // namespace onyx::opt
