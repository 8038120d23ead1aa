#include "optimizer/rewrite.h"

#include <algorithm>
#include <unordered_set>

namespace onyx::opt {

RewriteContext::RewriteContext(ir::Graph& graph, std::map<std::string, int64_t>& opsets,
                               const KernelRegistry& registry)
    : graph_(graph), opsets_(opsets), registry_(registry), index_(graph) {}

int64_t RewriteContext::opset(const std::string& domain) const {
  auto it = opsets_.find(ir::canonical_domain(domain));
  return it == opsets_.end() ? 0 : it->second;
}

void RewriteContext::import_domain(const std::string& domain, int64_t version) {
  opsets_.emplace(domain, version);
}

ir::Node* RewriteContext::producer(const std::string& value) {
  const int p = index_.producer(value);
  return p < 0 || is_removed(p) ? nullptr : &node(p);
}

bool RewriteContext::single_consumer(const std::string& value) const {
  return index_.use_count(value) == 1 && index_.consumers(value).size() == 1;
}

void RewriteContext::edit_node(int i, const std::function<void(ir::Node&)>& edit) {
  index_.node_removed(i, node(i));
  edit(node(i));
  index_.node_added(i, node(i));
}

void RewriteContext::remove_node(int i) {
  index_.node_removed(i, node(i));
  ir::Node& n = node(i);
  n = ir::Node();  // op_type "" marks it removed until compact()
}

int RewriteContext::add_node(ir::Node n) {
  graph_.nodes.push_back(std::move(n));
  const int i = static_cast<int>(graph_.nodes.size()) - 1;
  index_.node_added(i, graph_.nodes.back());
  return i;
}

bool RewriteContext::replace_uses(const std::string& from, const std::string& to) {
  if (index_.is_graph_output(from) || index_.is_captured(from)) return false;
  const std::vector<int> readers = index_.consumers(from);  // copy: edits change the index
  std::unordered_set<int> done;
  for (int r : readers) {
    if (!done.insert(r).second) continue;
    edit_node(r, [&](ir::Node& n) {
      for (auto& in : n.inputs) {
        if (in == from) in = to;
      }
    });
  }
  return true;
}

bool RewriteContext::bypass(int i, const std::string& in_ref, const std::string& out_ref) {
  // Copies: the caller often passes names that live in node i, which remove_node clears.
  const std::string in = in_ref, out = out_ref;
  if (!index_.is_graph_output(out)) {
    if (!replace_uses(out, in)) return false;
    remove_node(i);
    return true;
  }
  // `out` must keep its name: rename `in` at its producer, if it is a plain node output.
  const int p = index_.producer(in);
  if (p < 0 || p == i || index_.is_graph_output(in) || index_.is_captured(in)) return false;
  remove_node(i);
  edit_node(p, [&](ir::Node& n) {
    for (auto& o : n.outputs) {
      if (o == in) o = out;
    }
  });
  const std::vector<int> readers = index_.consumers(in);
  for (int r : readers) {
    edit_node(r, [&](ir::Node& n) {
      for (auto& x : n.inputs) {
        if (x == in) x = out;
      }
    });
  }
  return true;
}

std::string RewriteContext::fresh_name(const std::string& hint) {
  std::string name = hint;
  while (index_.has_value(name) || graph_.initializers.count(name)) {
    name = hint + "__onyx" + std::to_string(++fresh_counter_);
  }
  return name;
}

void RewriteContext::set_initializer(const std::string& name, Tensor t) {
  Tensor& slot = graph_.initializers[name];
  slot = std::move(t);
  index_.initializer_added(name, slot);
}

std::string RewriteContext::add_constant(const std::string& hint, Tensor t) {
  const std::string name = fresh_name(hint);
  auto [it, inserted] = graph_.initializers.emplace(name, std::move(t));
  (void)inserted;
  index_.initializer_added(name, it->second);
  return name;
}

void RewriteContext::compact() {
  auto& nodes = graph_.nodes;
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                             [](const ir::Node& n) { return n.op_type.empty(); }),
              nodes.end());
  ir::sort_topologically(graph_);  // a rewrite may have moved a producer after a reader
  GraphIndex fresh(graph_);
  std::unordered_set<std::string> inputs;
  for (const auto& vi : graph_.inputs) inputs.insert(vi.name);
  for (auto it = graph_.initializers.begin(); it != graph_.initializers.end();) {
    if (!inputs.count(it->first) && fresh.use_count(it->first) == 0) {
      it = graph_.initializers.erase(it);
    } else {
      ++it;
    }
  }
  index_ = GraphIndex(graph_);
}

}  // namespace onyx::opt
