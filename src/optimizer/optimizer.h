// The graph optimizer: rewrite rules (rewrite.h) grouped in levels, applied at session creation
// before the graph is planned, and by `onyx optimize`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "ops/registry.h"

namespace onyx::opt {

struct OptimizeOptions {
  int level = 3;                // 0: off, 1: basic, 2: extended, 3 (or 99): all
  int64_t max_rewrites = -1;    // stop after this many rewrites (bisecting a bad one); -1: all
  std::vector<std::string> disabled_rules;  // rule names to skip
};

struct OptimizeReport {
  std::map<std::string, int64_t> rewrites;  // rule name -> times applied
  int64_t total = 0;
  size_t nodes_before = 0;
  size_t nodes_after = 0;
  std::string to_string() const;
};

// Rewrites `model.graph` (and its subgraphs) in place.
Result<OptimizeReport> optimize(ir::Model& model, const KernelRegistry& registry,
                                const OptimizeOptions& options);

// Names and levels of every rule, for documentation and --disable.
std::vector<std::pair<std::string, int>> rule_names();

}  // namespace onyx::opt
