// The optimizer's building blocks: rewrite rules anchored on op types, and the context through
// which they read and edit a graph (keeping the GraphIndex current).
//
// A rule looks at one node (its anchor) and either leaves the graph alone (returns false) or
// performs one rewrite and returns true. The driver (optimizer.h) sweeps the graph applying the
// rules of the enabled levels until nothing changes, and can stop after N rewrites to bisect a
// bad one (`onyx optimize --max-rewrites N`).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/registry.h"
#include "optimizer/graph_index.h"

namespace onyx::opt {

// Optimization levels, as onnxruntime's GraphOptimizationLevel (0 disables everything).
enum Level : int {
  kBasic = 1,     // semantics-preserving cleanups: constant folding, dead code, identities
  kExtended = 2,  // fusions into onyx-domain kernels (Conv+BN, Conv+activation, GELU, ...)
  kLayout = 3,    // data-layout choices (blocked convolution)
};

// The domain of the fused operators the optimizer introduces (docs/fused-ops.md).
inline constexpr const char* kOnyxDomain = "onyx";

class RewriteContext {
 public:
  RewriteContext(ir::Graph& graph, std::map<std::string, int64_t>& opsets,
                 const KernelRegistry& registry);

  ir::Graph& graph() { return graph_; }
  const GraphIndex& index() const { return index_; }
  const KernelRegistry& registry() const { return registry_; }
  ir::Node& node(int i) { return graph_.nodes[static_cast<size_t>(i)]; }
  bool is_removed(int i) const { return graph_.nodes[static_cast<size_t>(i)].op_type.empty(); }
  // The model's opset import for a domain (0 when not imported).
  int64_t opset(const std::string& domain) const;
  // Imports `domain` at `version` unless the model already does (fused ops' domain).
  void import_domain(const std::string& domain, int64_t version);

  // ---- reading helpers ----
  // The node producing `value` when it is a live node, else null.
  ir::Node* producer(const std::string& value);
  int producer_index(const std::string& value) const { return index_.producer(value); }
  // `value` has exactly one reader, a node's explicit input (not a graph output, not captured).
  bool single_consumer(const std::string& value) const;
  const Tensor* constant(const std::string& value) const { return index_.constant(value); }

  // ---- editing: every change goes through these so the index stays current ----
  // Runs `edit` on node i (op, inputs, outputs, attributes may all change).
  void edit_node(int i, const std::function<void(ir::Node&)>& edit);
  void remove_node(int i);
  int add_node(ir::Node node);
  // Every explicit reader of `from` reads `to` instead. Fails (returns false, changes nothing)
  // when `from` is a graph output or captured by a subgraph, which a rename cannot reach.
  bool replace_uses(const std::string& from, const std::string& to);
  // Removes node i whose output `out` equals its input `in` (Identity and the like): readers
  // of `out` read `in`; when `out` is a graph output, `in` is renamed to `out` at its producer
  // instead. False (nothing changed) when neither is possible.
  bool bypass(int i, const std::string& in, const std::string& out);
  // Makes `name` (no longer produced by any node) an initializer.
  void set_initializer(const std::string& name, Tensor t);
  // Adds an initializer under a fresh name derived from `hint`; returns the name.
  std::string add_constant(const std::string& hint, Tensor t);
  // A value name not used in the graph, derived from `hint`.
  std::string fresh_name(const std::string& hint);

  // Drops the removed nodes and the initializers nothing reads (called by the driver at the end).
  void compact();

 private:
  ir::Graph& graph_;
  std::map<std::string, int64_t>& opsets_;
  const KernelRegistry& registry_;
  GraphIndex index_;
  int fresh_counter_ = 0;
};

struct RewriteRule {
  std::string name;                   // shown by onyx optimize --verbose and in the report
  int level = kBasic;                 // the lowest level that enables it
  std::vector<std::string> op_types;  // anchor ops (ai.onnx unless qualified "domain:Op");
                                      // empty: every node
  std::function<bool(RewriteContext&, int)> apply;
};

// Rule groups (src/optimizer/rules/*.cpp).
void add_elimination_rules(std::vector<RewriteRule>& rules);
void add_constant_folding_rules(std::vector<RewriteRule>& rules);
void add_fusion_rules(std::vector<RewriteRule>& rules);
// Run before everything else at levels >= 2 (optimizer.cpp), and again among the fusions.
void add_qdq_fusion_rules(std::vector<RewriteRule>& rules);

}  // namespace onyx::opt
