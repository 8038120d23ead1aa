#include "ir/type_info.h"

namespace onyx::ir {

std::string Dim::to_string() const {
  if (value) return std::to_string(*value);
  if (!symbol.empty()) return symbol;
  return "?";
}

std::string TypeInfo::to_string() const {
  switch (kind) {
    case Kind::kUnknown:
      return "unknown";
    case Kind::kTensor:
      return "tensor(" + std::string(data_type_name(elem_type)) + ")";
    case Kind::kSparseTensor:
      return "sparse_tensor(" + std::string(data_type_name(elem_type)) + ")";
    case Kind::kSequence:
      return "seq(" + (inner ? inner->to_string() : std::string("unknown")) + ")";
    case Kind::kOptional:
      return "optional(" + (inner ? inner->to_string() : std::string("unknown")) + ")";
    case Kind::kMap:
      return "map(" + std::string(data_type_name(elem_type)) + "," +
             (inner ? inner->to_string() : std::string("unknown")) + ")";
  }
  return "unknown";
}

std::string TypeInfo::shape_string() const {
  if (!shape) return "?";
  std::string s = "[";
  for (size_t i = 0; i < shape->size(); ++i) s += (i ? "," : "") + (*shape)[i].to_string();
  return s + "]";
}

}  // namespace onyx::ir
