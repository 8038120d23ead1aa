#include "optimizer/optimizer.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "optimizer/int8_layout.h"
#include "optimizer/nchwc_layout.h"
#include "optimizer/rewrite.h"

namespace onyx::opt {

namespace {

std::vector<RewriteRule> all_rules() {
  std::vector<RewriteRule> rules;
  add_elimination_rules(rules);
  add_constant_folding_rules(rules);
  add_fusion_rules(rules);
  return rules;
}

std::string anchor_key(const std::string& domain, const std::string& op) {
  return ir::canonical_domain(domain) + ":" + op;
}

class Driver {
 public:
  Driver(const std::vector<RewriteRule>& rules, const OptimizeOptions& options,
         OptimizeReport& report)
      : rules_(rules), options_(options), report_(report) {}

  bool limit_reached() const {
    return options_.max_rewrites >= 0 && report_.total >= options_.max_rewrites;
  }

  // Applies the rules of levels <= `level` to `graph` until nothing changes.
  void run(ir::Graph& graph, std::map<std::string, int64_t>& opsets,
           const KernelRegistry& registry, int level) {
    // Bodies first: their rewrites cannot change what the outer graph sees of them.
    for (auto& node : graph.nodes) {
      for (auto& a : node.attributes) {
        if (a.g) run(*a.g, opsets, registry, level);
        for (auto& g : a.graphs) run(*g, opsets, registry, level);
      }
    }
    std::unordered_map<std::string, std::vector<const RewriteRule*>> by_anchor;
    std::vector<const RewriteRule*> any_node;
    for (const auto& r : rules_) {
      if (r.level > level) continue;
      if (std::find(options_.disabled_rules.begin(), options_.disabled_rules.end(), r.name) !=
          options_.disabled_rules.end()) {
        continue;
      }
      if (r.op_types.empty()) any_node.push_back(&r);
      for (const auto& op : r.op_types) {
        const auto colon = op.find(':');
        by_anchor[colon == std::string::npos ? anchor_key("", op)
                                             : anchor_key(op.substr(0, colon), op.substr(colon + 1))]
            .push_back(&r);
      }
    }
    RewriteContext ctx(graph, opsets, registry);
    constexpr int kMaxSweeps = 16;  // fixpoint in practice comes after 2-4
    for (int sweep = 0; sweep < kMaxSweeps && !limit_reached(); ++sweep) {
      bool changed = false;
      for (int i = 0; i < static_cast<int>(graph.nodes.size()) && !limit_reached(); ++i) {
        if (ctx.is_removed(i)) continue;
        const ir::Node& n = ctx.node(i);
        auto it = by_anchor.find(anchor_key(n.domain, n.op_type));
        const std::vector<const RewriteRule*>* lists[2] = {
            it == by_anchor.end() ? nullptr : &it->second, &any_node};
        bool applied = false;
        for (const auto* list : lists) {
          if (list == nullptr) continue;
          for (const RewriteRule* r : *list) {
            if (ctx.is_removed(i) || limit_reached()) break;
            if (r->apply(ctx, i)) {
              ++report_.rewrites[r->name];
              ++report_.total;
              applied = true;
              break;  // the node may have changed op: look at it afresh next sweep
            }
          }
          if (applied) break;
        }
        changed = changed || applied;
      }
      if (!changed) break;
    }
    ctx.compact();
  }

 private:
  const std::vector<RewriteRule>& rules_;
  const OptimizeOptions& options_;
  OptimizeReport& report_;
};

}  // namespace

std::string OptimizeReport::to_string() const {
  std::ostringstream os;
  os << nodes_before << " nodes -> " << nodes_after << " nodes, " << total << " rewrites";
  for (const auto& [name, n] : rewrites) os << "\n  " << name << ": " << n;
  return os.str();
}

Result<OptimizeReport> optimize(ir::Model& model, const KernelRegistry& registry,
                                const OptimizeOptions& options) {
  OptimizeReport report;
  report.nodes_before = model.graph.nodes.size();
  const int level = options.level >= 3 ? 3 : options.level;
  if (level <= 0) {
    report.nodes_after = report.nodes_before;
    return report;
  }
  const std::vector<RewriteRule> rules = all_rules();
  Driver driver(rules, options, report);
  // QDQ fusions first, while the weights' DequantizeLinear nodes are still there to match
  // (folding would make them float constants): rules/qdq_fusion.cpp.
  if (level >= kExtended) {
    std::vector<RewriteRule> qdq;
    // Constant nodes become initializers first (exporters write Clip's bounds as Constant
    // nodes); nothing else folds yet.
    add_constant_folding_rules(qdq);
    std::erase_if(qdq, [](const RewriteRule& r) { return r.name != "fold_constant"; });
    for (RewriteRule& r : qdq) r.op_types = {"Constant"};
    add_qdq_fusion_rules(qdq);
    Driver(qdq, options, report).run(model.graph, model.opset_imports, registry, level);
  }
  // Level by level, so cleanups (folding, dead code) have run before fusions look for patterns.
  for (int l = 1; l <= level && !driver.limit_reached(); ++l) {
    driver.run(model.graph, model.opset_imports, registry, l);
  }
  // The layout passes go last: they only change how fused operators exchange their tensors.
  // The float one first; then the 8-bit one, on the QLinearConv nodes (the float pass leaves
  // 8-bit values alone).
  auto layout_pass = [&](const char* name, int64_t (*apply)(ir::Model&)) {
    const bool disabled = std::find(options.disabled_rules.begin(), options.disabled_rules.end(),
                                    name) != options.disabled_rules.end();
    if (level < kLayout || disabled || driver.limit_reached()) return;
    if (const int64_t n = apply(model); n > 0) {
      report.rewrites[name] += n;
      report.total += n;
    }
  };
  layout_pass(kNchwcLayoutPass, apply_nchwc_layout);
  layout_pass(kInt8LayoutPass, apply_int8_channels_last);
  ir::sort_topologically(model.graph);  // the layout passes append their reorders
  report.nodes_after = model.graph.nodes.size();
  return report;
}

std::vector<std::pair<std::string, int>> rule_names() {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& r : all_rules()) out.emplace_back(r.name, r.level);
  out.emplace_back(kNchwcLayoutPass, kLayout);
  out.emplace_back(kInt8LayoutPass, kLayout);
  return out;
}

}  // namespace onyx::opt
