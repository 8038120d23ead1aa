// The kernel registry: (domain, op, opset range, element types) -> kernel factory.
//
// Each op family registers its kernels in its own register_<family>_ops() function with an
// explicit, closed opset range per kernel. A node resolves to the kernel whose range contains
// the model's opset import for the node's domain and whose type list holds the node's element
// type (the dtype of input `type_input`, when known at load time).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data_type.h"
#include "ops/kernel.h"

namespace onyx {

// Newest opset versions we know the schemas of. A model importing a newer version is refused.
inline constexpr int kMaxOnnxOpset = 27;
inline constexpr int kMaxOnnxMlOpset = 5;
inline constexpr const char* kOnnxMlDomain = "ai.onnx.ml";

using KernelFactory = std::function<Result<std::unique_ptr<OpKernel>>(const KernelInfo&)>;

struct KernelDef {
  std::string domain;  // canonical ("" for ai.onnx)
  std::string op;
  int since = 1;  // first opset served, inclusive
  int until = 1;  // last opset served, inclusive
  std::vector<DataType> types;  // element types of input `type_input`; empty: any
  int type_input = 0;           // which input's dtype selects the kernel (-1: none)
  KernelFactory factory;
};

// Constructs K, calls K::init(info), returns it.
template <typename K>
KernelFactory kernel_factory() {
  return [](const KernelInfo& info) -> Result<std::unique_ptr<OpKernel>> {
    auto k = std::make_unique<K>();
    ONYX_RETURN_IF_ERROR(k->init(info));
    return std::unique_ptr<OpKernel>(std::move(k));
  };
}

// The DataTypes of a TypeList, for KernelDef::types.
template <typename... Ts>
std::vector<DataType> types_of(TypeList<Ts...>) {
  return {data_type_of<Ts>...};
}

class KernelRegistry {
 public:
  void add(KernelDef def);
  // Registers kernel class K for [since, until] over the element types of List.
  template <typename K, typename List = AllTypes>
  void add(const std::string& domain, const std::string& op, int since, int until,
           int type_input = 0) {
    add(KernelDef{domain, op, since, until, types_of(List{}), type_input, kernel_factory<K>()});
  }

  // Registers kernel class K once per schema version of the op: `since_versions` lists every
  // opset in which the op's schema changed (ascending); each becomes the closed range up to the
  // next one, the last up to `until`. One kernel class may serve several versions when their
  // semantics agree; the ranges still mirror the schema history so a test can compare them.
  template <typename K, typename List = AllTypes>
  void add_versions(const std::string& domain, const std::string& op,
                    const std::vector<int>& since_versions, int until = kMaxOnnxOpset,
                    int type_input = 0) {
    for (size_t i = 0; i < since_versions.size(); ++i) {
      const int end = i + 1 < since_versions.size() ? since_versions[i + 1] - 1 : until;
      add<K, List>(domain, op, since_versions[i], end, type_input);
    }
  }

  // The kernel for `op` at `opset` accepting `dtype` (nullopt: not known at load time).
  // Errors name what is missing: the op, the opset or the dtype.
  Result<const KernelDef*> find(const std::string& domain, const std::string& op, int opset,
                                std::optional<DataType> dtype) const;
  bool has_op(const std::string& domain, const std::string& op) const;
  const std::vector<KernelDef>& defs() const { return defs_; }

  // A registry of custom operators layers over the built-in one: an op it does not know is
  // looked up in `fallback` (which must outlive it).
  void set_fallback(const KernelRegistry* fallback) { fallback_ = fallback; }
  // Keeps `owner` (e.g. a loaded custom-op library) alive as long as the registry.
  void keep_alive(std::shared_ptr<void> owner) { owned_.push_back(std::move(owner)); }

 private:
  std::vector<KernelDef> defs_;
  const KernelRegistry* fallback_ = nullptr;
  std::vector<std::shared_ptr<void>> owned_;
};

// The registry holding every built-in kernel (built on first use, then read-only).
const KernelRegistry& global_registry();

}  // namespace onyx
