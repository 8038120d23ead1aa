// Static type of a graph value: tensor element type and (possibly partial) shape, or a
// sequence / map / optional of another type.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data_type.h"

namespace onyx::ir {

// One dimension: a known size, a named symbol ("batch"), or unknown.
struct Dim {
  std::optional<int64_t> value;
  std::string symbol;

  static Dim known(int64_t v) { return Dim{v, {}}; }
  static Dim named(std::string s) { return Dim{std::nullopt, std::move(s)}; }
  static Dim unknown() { return Dim{}; }
  bool is_known() const { return value.has_value(); }
  std::string to_string() const;
};

struct TypeInfo {
  enum class Kind { kUnknown, kTensor, kSequence, kMap, kOptional, kSparseTensor };

  Kind kind = Kind::kUnknown;
  DataType elem_type = DataType::kUndefined;  // tensor element type / map key type
  std::optional<std::vector<Dim>> shape;      // nullopt: rank unknown
  std::shared_ptr<TypeInfo> inner;            // sequence / optional element, map value

  static TypeInfo tensor(DataType dt, std::optional<std::vector<Dim>> shape = std::nullopt) {
    TypeInfo t;
    t.kind = Kind::kTensor;
    t.elem_type = dt;
    t.shape = std::move(shape);
    return t;
  }
  bool is_tensor() const { return kind == Kind::kTensor; }
  // "tensor(float)", "seq(tensor(int64))", "map(int64,tensor(float))", "optional(...)".
  std::string to_string() const;
  // "[batch,3,224,224]" or "?" when the rank is unknown.
  std::string shape_string() const;
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
  std::string doc;
};

}  // namespace onyx::ir
