#include "ir/inline_functions.h"

#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace onyx::ir {
namespace {

// Deeper nesting than this is taken for recursion (ONNX forbids recursive functions).
constexpr int kMaxNesting = 64;

using FunctionKey = std::pair<std::string, std::string>;  // canonical domain, name

// How the names of one expanded body map to the caller's graph.
class Renamer {
 public:
  Renamer(std::string prefix, std::unordered_map<std::string, std::string> bound)
      : prefix_(std::move(prefix)), map_(std::move(bound)) {}

  std::string operator()(const std::string& name) {
    if (name.empty()) return name;
    auto it = map_.find(name);
    if (it != map_.end()) return it->second;
    return map_.emplace(name, prefix_ + name).first->second;
  }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::unordered_map<std::string, std::string> map_;
};

class Inliner {
 public:
  explicit Inliner(const Model& model) {
    for (const auto& f : model.functions) functions_[{canonical_domain(f.domain), f.name}] = &f;
  }

  bool empty() const { return functions_.empty(); }

  Status expand_graph(Graph& graph, int depth) {
    std::vector<Node> out;
    out.reserve(graph.nodes.size());
    for (Node& node : graph.nodes) {
      ONYX_RETURN_IF_ERROR(expand_subgraphs(node, depth));
      ONYX_RETURN_IF_ERROR(emit(std::move(node), out, depth));
    }
    graph.nodes = std::move(out);
    return Status::OK();
  }

 private:
  Status expand_subgraphs(Node& node, int depth) {
    for (Attribute& a : node.attributes) {
      if (a.g) ONYX_RETURN_IF_ERROR(expand_graph(*a.g, depth));
      for (auto& g : a.graphs) ONYX_RETURN_IF_ERROR(expand_graph(*g, depth));
    }
    return Status::OK();
  }

  // Appends `node` to `out`, or the expansion of the function it calls.
  Status emit(Node node, std::vector<Node>& out, int depth) {
    auto it = functions_.find({node.domain, node.op_type});
    if (it == functions_.end()) {
      out.push_back(std::move(node));
      return Status::OK();
    }
    if (depth >= kMaxNesting) {
      return InvalidGraph(node.describe(), ": functions nest deeper than ", kMaxNesting,
                          " calls (a function calling itself?)");
    }
    const FunctionDef& fn = *it->second;
    if (node.inputs.size() > fn.inputs.size() || node.outputs.size() > fn.outputs.size()) {
      return InvalidGraph(node.describe(), " passes ", node.inputs.size(), " inputs and ",
                          node.outputs.size(), " outputs, but function '", fn.name, "' takes ",
                          fn.inputs.size(), " and returns ", fn.outputs.size());
    }
    const std::string prefix =
        (node.name.empty() ? fn.name : node.name) + "/#" + std::to_string(counter_++) + "/";
    std::unordered_map<std::string, std::string> bound;
    for (size_t i = 0; i < fn.inputs.size(); ++i) {
      bound[fn.inputs[i]] = i < node.inputs.size() ? node.inputs[i] : "";
    }
    for (size_t i = 0; i < fn.outputs.size(); ++i) {
      if (i < node.outputs.size() && !node.outputs[i].empty()) bound[fn.outputs[i]] = node.outputs[i];
    }
    Renamer rename(prefix, std::move(bound));
    for (const Node& body_node : fn.nodes) {
      Node copy = body_node;
      copy.name = prefix + body_node.name;
      ONYX_RETURN_IF_ERROR(bind(copy, node, fn, rename));
      ONYX_RETURN_IF_ERROR(expand_subgraphs(copy, depth + 1));
      ONYX_RETURN_IF_ERROR(emit(std::move(copy), out, depth + 1));
    }
    return Status::OK();
  }

  // Renames the values of a body node (and of its subgraphs, deep-copied first: copies of a
  // node share subgraphs) and resolves its attribute references against the call.
  Status bind(Node& n, const Node& call, const FunctionDef& fn, Renamer& rename) {
    for (auto& v : n.inputs) v = rename(v);
    for (auto& v : n.outputs) v = rename(v);
    std::vector<Attribute> attrs;
    for (Attribute& a : n.attributes) {
      if (!a.ref_attr_name.empty()) {
        const Attribute* value = call.find_attribute(a.ref_attr_name);
        if (value == nullptr) value = find_default(fn, a.ref_attr_name);
        if (value == nullptr) continue;  // an optional attribute the caller left out
        Attribute resolved = *value;
        resolved.name = a.name;
        attrs.push_back(std::move(resolved));
        continue;
      }
      if (a.g) {
        a.g = std::make_shared<Graph>(*a.g);
        ONYX_RETURN_IF_ERROR(bind_graph(*a.g, call, fn, rename));
      }
      for (auto& g : a.graphs) {
        g = std::make_shared<Graph>(*g);
        ONYX_RETURN_IF_ERROR(bind_graph(*g, call, fn, rename));
      }
      attrs.push_back(std::move(a));
    }
    n.attributes = std::move(attrs);
    return Status::OK();
  }

  Status bind_graph(Graph& g, const Node& call, const FunctionDef& fn, Renamer& rename) {
    for (auto& vi : g.inputs) vi.name = rename(vi.name);
    for (auto& vi : g.outputs) vi.name = rename(vi.name);
    for (auto& vi : g.value_info) vi.name = rename(vi.name);
    std::map<std::string, Tensor> inits;
    for (auto& [name, t] : g.initializers) inits.emplace(rename(name), std::move(t));
    g.initializers = std::move(inits);
    for (Node& n : g.nodes) {
      n.name = rename.prefix() + n.name;
      ONYX_RETURN_IF_ERROR(bind(n, call, fn, rename));
    }
    return Status::OK();
  }

  static const Attribute* find_default(const FunctionDef& fn, const std::string& name) {
    for (const auto& a : fn.attribute_defaults) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }

  std::map<FunctionKey, const FunctionDef*> functions_;
  int64_t counter_ = 0;
};

}  // namespace

Status inline_functions(Model& model) {
  Inliner inliner(model);
  if (inliner.empty()) return Status::OK();
  return inliner.expand_graph(model.graph, 0);
}

}  // namespace onyx::ir
