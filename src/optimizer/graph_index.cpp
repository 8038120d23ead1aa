#include "optimizer/graph_index.h"

#include <algorithm>

namespace onyx::opt {

namespace {

const std::vector<int> kNoConsumers;

void captured_by(const ir::Node& node, std::unordered_set<std::string>& out) {
  for (const auto& a : node.attributes) {
    if (a.g) {
      for (auto& v : a.g->free_variables()) out.insert(std::move(v));
    }
    for (const auto& g : a.graphs) {
      for (auto& v : g->free_variables()) out.insert(std::move(v));
    }
  }
}

}  // namespace

GraphIndex::GraphIndex(const ir::Graph& graph) : graph_(&graph) {
  for (const auto& vi : graph.inputs) {
    graph_inputs_.insert(vi.name);
    names_.insert(vi.name);
  }
  for (const auto* list : {&graph.value_info, &graph.outputs, &graph.inputs}) {
    for (const auto& vi : *list) {
      if (vi.type.kind != ir::TypeInfo::Kind::kUnknown) types_[vi.name] = &vi.type;
    }
  }
  for (const auto& [name, t] : graph.initializers) initializer_added(name, t);
  for (size_t i = 0; i < graph.nodes.size(); ++i) node_added(static_cast<int>(i), graph.nodes[i]);
  for (const auto& vi : graph.outputs) {
    graph_outputs_.insert(vi.name);
    ++uses_[vi.name];
  }
}

void GraphIndex::node_added(int i, const ir::Node& n) {
  for (const auto& o : n.outputs) {
    if (o.empty()) continue;
    producer_[o] = i;
    names_.insert(o);
  }
  for (const auto& in : n.inputs) {
    if (in.empty()) continue;
    consumers_[in].push_back(i);
    ++uses_[in];
  }
  std::unordered_set<std::string> caps;
  captured_by(n, caps);
  for (const auto& c : caps) {
    ++captured_[c];
    ++uses_[c];
  }
}

void GraphIndex::node_removed(int i, const ir::Node& n) {
  for (const auto& o : n.outputs) {
    auto it = producer_.find(o);
    if (!o.empty() && it != producer_.end() && it->second == i) producer_.erase(it);
  }
  for (const auto& in : n.inputs) {
    if (in.empty()) continue;
    auto& list = consumers_[in];
    auto pos = std::find(list.begin(), list.end(), i);
    if (pos != list.end()) list.erase(pos);
    --uses_[in];
  }
  std::unordered_set<std::string> caps;
  captured_by(n, caps);
  for (const auto& c : caps) {
    if (--captured_[c] <= 0) captured_.erase(c);
    --uses_[c];
  }
}

void GraphIndex::initializer_added(const std::string& name, const Tensor& t) {
  names_.insert(name);
  std::vector<ir::Dim> dims;
  for (int64_t d : t.shape()) dims.push_back(ir::Dim::known(d));
  initializer_types_[name] = ir::TypeInfo::tensor(t.dtype(), std::move(dims));
  types_[name] = &initializer_types_[name];
}

void GraphIndex::initializer_removed(const std::string& name) {
  initializer_types_.erase(name);
  types_.erase(name);
}

int GraphIndex::producer(const std::string& value) const {
  auto it = producer_.find(value);
  return it == producer_.end() ? -1 : it->second;
}

const std::vector<int>& GraphIndex::consumers(const std::string& value) const {
  auto it = consumers_.find(value);
  return it == consumers_.end() ? kNoConsumers : it->second;
}

int GraphIndex::use_count(const std::string& value) const {
  auto it = uses_.find(value);
  return it == uses_.end() ? 0 : it->second;
}

const Tensor* GraphIndex::constant(const std::string& value) const {
  if (graph_inputs_.count(value)) return nullptr;
  auto it = graph_->initializers.find(value);
  return it == graph_->initializers.end() ? nullptr : &it->second;
}

const ir::TypeInfo* GraphIndex::type(const std::string& value) const {
  auto it = types_.find(value);
  return it == types_.end() ? nullptr : it->second;
}

std::optional<Shape> GraphIndex::static_shape(const std::string& value) const {
  const ir::TypeInfo* t = type(value);
  if (t == nullptr || !t->is_tensor() || !t->shape) return std::nullopt;
  Shape s;
  for (const auto& d : *t->shape) {
    if (!d.is_known()) return std::nullopt;
    s.push_back(*d.value);
  }
  return s;
}

std::optional<DataType> GraphIndex::dtype(const std::string& value) const {
  const ir::TypeInfo* t = type(value);
  if (t == nullptr || !t->is_tensor() || t->elem_type == DataType::kUndefined) return std::nullopt;
  return t->elem_type;
}

}  // namespace onyx::opt
