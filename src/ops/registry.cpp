#include "ops/registry.h"

#include <algorithm>
#include <sstream>

#include "ops/register_all.h"

namespace onyx {

void KernelRegistry::add(KernelDef def) {
  def.domain = ir::canonical_domain(def.domain);
  defs_.push_back(std::move(def));
}

bool KernelRegistry::has_op(const std::string& domain, const std::string& op) const {
  const std::string d = ir::canonical_domain(domain);
  return std::any_of(defs_.begin(), defs_.end(),
                     [&](const KernelDef& k) { return k.domain == d && k.op == op; }) ||
         (fallback_ != nullptr && fallback_->has_op(domain, op));
}

Result<const KernelDef*> KernelRegistry::find(const std::string& domain, const std::string& op,
                                              int opset, std::optional<DataType> dtype) const {
  const std::string d = ir::canonical_domain(domain);
  bool op_known = false;
  bool opset_known = false;
  std::ostringstream ranges;
  std::ostringstream types;
  for (const auto& k : defs_) {
    if (k.domain != d || k.op != op) continue;
    ranges << (op_known ? ", " : "") << k.since << "-" << k.until;
    op_known = true;
    if (opset < k.since || opset > k.until) continue;
    opset_known = true;
    if (!dtype || k.types.empty() || k.type_input < 0 ||
        std::find(k.types.begin(), k.types.end(), *dtype) != k.types.end()) {
      return &k;
    }
    for (size_t i = 0; i < k.types.size(); ++i) {
      types << (i ? ", " : "") << data_type_name(k.types[i]);
    }
  }
  const std::string qualified = (d.empty() ? "" : d + ".") + op;
  if (!op_known && fallback_ != nullptr) return fallback_->find(domain, op, opset, dtype);
  if (!op_known) return NotImplemented("operator ", qualified, " is not implemented");
  if (!opset_known) {
    return NotImplemented("operator ", qualified, " is not implemented for opset ", opset,
                          " (implemented opsets: ", ranges.str(), ")");
  }
  return NotImplemented("operator ", qualified, " (opset ", opset,
                        ") is not implemented for element type ", data_type_name(*dtype),
                        " (implemented: ", types.str(), ")");
}

const KernelRegistry& global_registry() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    register_all_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace onyx
