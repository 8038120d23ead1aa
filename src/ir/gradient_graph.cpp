#include "ir/gradient_graph.h"

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace onyx::ir {

namespace {

// Reads a strings/string attribute (absent: empty).
std::vector<std::string> strings_attr(const Node& node, const char* name) {
  const Attribute* a = node.find_attribute(name);
  return a == nullptr ? std::vector<std::string>{} : a->strings;
}

Status attach_one(const Graph& graph, const std::unordered_map<std::string, size_t>& producer,
                  size_t self, Node& node) {
  const std::vector<std::string> xs = strings_attr(node, "xs");
  const std::vector<std::string> zs = strings_attr(node, "zs");
  const Attribute* y_attr = node.find_attribute("y");
  if (xs.empty() || y_attr == nullptr || y_attr->s.empty()) {
    return InvalidGraph(node.describe(), ": attributes xs and y are required");
  }
  const std::string& y = y_attr->s;
  std::set<std::string> leaves;
  for (const auto* list : {&xs, &zs}) {
    for (const std::string& name : *list) {
      if (name.empty() || !leaves.insert(name).second) {
        return InvalidGraph(node.describe(), ": xs and zs must name distinct tensors, '", name,
                            "' is empty or repeated");
      }
    }
  }

  auto body = std::make_shared<Graph>();
  body->name = "gradient of '" + y + "'";
  for (const auto* list : {&xs, &zs}) {
    for (const std::string& name : *list) {
      const TypeInfo* t = graph.find_type(name);
      body->inputs.push_back(ValueInfo{name, t != nullptr ? *t : TypeInfo{}, {}});
    }
  }

  // Depth-first from y over producers (an explicit stack: graphs may be deep), stopping at the
  // leaves and initializers; nodes are emitted after their inputs' producers (topological).
  std::vector<int> state(graph.nodes.size(), 0);  // 0 unseen, 1 on the stack, 2 emitted
  std::vector<std::pair<size_t, size_t>> stack;   // (node, next input to visit)
  // Resolves a value: true when it needs no node, pushes its producer otherwise.
  auto reach = [&](const std::string& name) -> Status {
    if (name.empty() || leaves.count(name)) return Status::OK();
    if (auto it = graph.initializers.find(name); it != graph.initializers.end()) {
      body->initializers.emplace(name, it->second);
      return Status::OK();
    }
    auto p = producer.find(name);
    if (p == producer.end()) {
      return InvalidGraph(node.describe(), ": y = '", y, "' depends on '", name,
                          "', which is not computed from xs and zs (add it to zs)");
    }
    if (p->second == self) {
      return InvalidGraph(node.describe(), ": y depends on the Gradient node itself");
    }
    if (state[p->second] == 1) {
      return InvalidGraph(node.describe(), ": cycle through ", graph.nodes[p->second].describe());
    }
    if (state[p->second] == 0) {
      state[p->second] = 1;
      stack.emplace_back(p->second, 0);
    }
    return Status::OK();
  };
  ONYX_RETURN_IF_ERROR(reach(y));
  while (!stack.empty()) {
    auto& [index, next] = stack.back();
    const Node& n = graph.nodes[index];
    if (next < n.inputs.size()) {
      const std::string& in = n.inputs[next++];
      ONYX_RETURN_IF_ERROR(reach(in));
      continue;
    }
    for (const Attribute& a : n.attributes) {
      if (a.g || !a.graphs.empty()) {
        return InvalidGraph(node.describe(), ": cannot differentiate through ", n.describe(),
                            ", which has a subgraph");
      }
    }
    state[index] = 2;
    body->nodes.push_back(n);
    for (const std::string& o : n.outputs) {
      if (!o.empty()) {
        const TypeInfo* t = graph.find_type(o);
        body->outputs.push_back(ValueInfo{o, t != nullptr ? *t : TypeInfo{}, {}});
      }
    }
    stack.pop_back();
  }

  Attribute attr;
  attr.name = kGradientGraphAttr;
  attr.type = Attribute::Type::kGraph;
  attr.g = std::move(body);
  for (Attribute& a : node.attributes) {
    if (a.name == kGradientGraphAttr) {
      a = std::move(attr);
      return Status::OK();
    }
  }
  node.attributes.push_back(std::move(attr));
  return Status::OK();
}

}  // namespace

Status attach_gradient_graphs(Model& model) {
  Graph& graph = model.graph;
  std::unordered_map<std::string, size_t> producer;
  bool any = false;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& o : graph.nodes[i].outputs) {
      if (!o.empty()) producer.emplace(o, i);
    }
    any = any || (graph.nodes[i].domain == kGradientDomain && graph.nodes[i].op_type == "Gradient");
  }
  if (!any) return Status::OK();
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& n = graph.nodes[i];
    if (n.domain == kGradientDomain && n.op_type == "Gradient") {
      ONYX_RETURN_IF_ERROR(attach_one(graph, producer, i, n));
    }
  }
  return Status::OK();
}

}  // namespace onyx::ir
