#include "ir/graph.h"

#include <queue>
#include <set>
#include <unordered_set>

namespace onyx::ir {

std::string canonical_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

const Attribute* Node::find_attribute(const std::string& attr_name) const {
  for (const auto& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

std::string Node::describe() const {
  std::string shown = name;
  if (shown.empty()) {  // unnamed nodes are common: name them by their first output
    for (const auto& o : outputs) {
      if (!o.empty()) {
        shown = "<output " + o + ">";
        break;
      }
    }
  }
  std::string s = "node '" + shown + "' (";
  if (!domain.empty()) s += domain + ".";
  s += op_type + ", opset " + std::to_string(opset) + ")";
  return s;
}

const TypeInfo* Graph::find_type(const std::string& value_name) const {
  for (const auto* list : {&inputs, &outputs, &value_info}) {
    for (const auto& vi : *list) {
      if (vi.name == value_name && vi.type.kind != TypeInfo::Kind::kUnknown) return &vi.type;
    }
  }
  return nullptr;
}

namespace {

// Free variables of the subgraphs attached to `node`.
void subgraph_free_variables(const Node& node, std::vector<std::string>& out) {
  for (const auto& a : node.attributes) {
    if (a.g) {
      for (auto& v : a.g->free_variables()) out.push_back(std::move(v));
    }
    for (const auto& g : a.graphs) {
      for (auto& v : g->free_variables()) out.push_back(std::move(v));
    }
  }
}

// Every value a node reads: explicit inputs plus those its subgraphs capture.
std::vector<std::string> node_reads(const Node& node) {
  std::vector<std::string> reads;
  for (const auto& in : node.inputs) {
    if (!in.empty()) reads.push_back(in);
  }
  subgraph_free_variables(node, reads);
  return reads;
}

}  // namespace

std::vector<std::string> Graph::free_variables() const {
  std::unordered_set<std::string> defined;
  for (const auto& vi : inputs) defined.insert(vi.name);
  for (const auto& [name, t] : initializers) defined.insert(name);
  for (const auto& n : nodes) {
    for (const auto& o : n.outputs) {
      if (!o.empty()) defined.insert(o);
    }
  }
  std::vector<std::string> free;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& v) {
    if (!v.empty() && !defined.count(v) && seen.insert(v).second) free.push_back(v);
  };
  for (const auto& n : nodes) {
    for (const auto& v : node_reads(n)) add(v);
  }
  for (const auto& o : outputs) add(o.name);
  return free;
}

std::unordered_map<std::string, int> read_counts(const Graph& graph) {
  std::unordered_map<std::string, int> counts;
  for (const auto& n : graph.nodes) {
    for (const auto& v : n.inputs) ++counts[v];
    for (const auto& a : n.attributes) {
      if (a.g) {
        for (const auto& v : a.g->free_variables()) ++counts[v];
      }
      for (const auto& sg : a.graphs) {
        for (const auto& v : sg->free_variables()) ++counts[v];
      }
    }
  }
  for (const auto& vi : graph.outputs) ++counts[vi.name];
  return counts;
}

std::unordered_set<std::string> values_read(const Graph& graph) {
  std::unordered_set<std::string> read;
  for (const auto& [v, n] : read_counts(graph)) read.insert(v);
  return read;
}

void sort_topologically(Graph& graph) {
  auto order = topological_order(graph);
  if (!order.ok()) return;
  bool sorted = true;
  for (size_t k = 0; k < order->size() && sorted; ++k) sorted = (*order)[k] == k;
  if (sorted) return;
  std::vector<Node> ordered;
  ordered.reserve(graph.nodes.size());
  for (size_t k : *order) ordered.push_back(std::move(graph.nodes[k]));
  graph.nodes = std::move(ordered);
}

Result<std::vector<size_t>> topological_order(const Graph& graph,
                                              const std::vector<std::string>& outer_scope) {
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const auto& o : graph.nodes[i].outputs) {
      if (!o.empty()) producer.emplace(o, i);
    }
  }
  std::unordered_set<std::string> available(outer_scope.begin(), outer_scope.end());
  for (const auto& vi : graph.inputs) available.insert(vi.name);
  for (const auto& [name, t] : graph.initializers) available.insert(name);

  const size_t n = graph.nodes.size();
  std::vector<std::vector<size_t>> consumers(n);
  std::vector<size_t> pending(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::set<size_t> deps;
    for (const auto& v : node_reads(graph.nodes[i])) {
      if (available.count(v)) continue;  // graph inputs shadow producers (as in ONNX)
      auto it = producer.find(v);
      if (it == producer.end()) continue;  // reported by validate_graph
      deps.insert(it->second);
    }
    pending[i] = deps.size();
    for (size_t d : deps) consumers[d].push_back(i);
  }
  // Min-heap on file index keeps the original order whenever it is valid.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t c : consumers[i]) {
      if (--pending[c] == 0) ready.push(c);
    }
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] != 0) {
        return InvalidGraph("graph '", graph.name, "' has a cycle through ",
                            graph.nodes[i].describe());
      }
    }
  }
  return order;
}

Status validate_graph(const Graph& graph, const std::vector<std::string>& outer_scope) {
  std::unordered_set<std::string> defined;
  auto define = [&](const std::string& v, const std::string& where) -> Status {
    if (!defined.insert(v).second) {
      return InvalidGraph("graph '", graph.name, "': value '", v, "' is defined more than once (",
                          where, ")");
    }
    return Status::OK();
  };
  for (const auto& vi : graph.inputs) {
    if (vi.name.empty()) return InvalidGraph("graph '", graph.name, "' has an input with no name");
    ONYX_RETURN_IF_ERROR(define(vi.name, "graph input"));
  }
  for (const auto& [name, t] : graph.initializers) {
    if (!defined.count(name)) ONYX_RETURN_IF_ERROR(define(name, "initializer"));
  }
  for (const auto& node : graph.nodes) {
    for (const auto& o : node.outputs) {
      if (!o.empty()) ONYX_RETURN_IF_ERROR(define(o, "output of " + node.describe()));
    }
  }
  std::unordered_set<std::string> outer(outer_scope.begin(), outer_scope.end());
  for (const auto& node : graph.nodes) {
    for (const auto& in : node.inputs) {
      if (!in.empty() && !defined.count(in) && !outer.count(in)) {
        return InvalidGraph(node.describe(), " reads value '", in,
                            "' which no node, input or initializer produces");
      }
    }
    // Subgraphs see everything visible here (the scope is built only for nodes that have
    // them: copying it for every node made validation quadratic, 140 ms on BERT).
    std::vector<std::string> scope;
    for (const auto& a : node.attributes) {
      std::vector<const Graph*> subs;
      if (a.g) subs.push_back(a.g.get());
      for (const auto& g : a.graphs) subs.push_back(g.get());
      if (!subs.empty() && scope.empty()) {
        scope = outer_scope;
        scope.insert(scope.end(), defined.begin(), defined.end());
      }
      for (const Graph* sub : subs) {
        Status s = validate_graph(*sub, scope);
        if (!s.ok()) return s.with_context(node.describe() + ", attribute '" + a.name + "': ");
      }
    }
  }
  for (const auto& o : graph.outputs) {
    if (!defined.count(o.name) && !outer.count(o.name)) {
      return InvalidGraph("graph '", graph.name, "' output '", o.name, "' is never produced");
    }
  }
  auto order = topological_order(graph, outer_scope);
  return order.status();
}

}  // namespace onyx::ir
