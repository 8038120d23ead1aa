#include "core/value.h"

namespace onyx {

std::string Value::describe() const {
  switch (kind_) {
    case Kind::kNone:
      return "none";
    case Kind::kTensor:
      return "tensor(" + std::string(data_type_name(tensor_.dtype())) + ")" +
             shape_to_string(tensor_.shape());
    case Kind::kSequence:
      return "seq(" + std::string(data_type_name(elem_type_)) + ")[" +
             std::to_string(items_.size()) + "]";
    case Kind::kMap:
      return "map(" + std::string(data_type_name(tensor_.dtype())) + "," +
             std::string(data_type_name(map_values_->dtype())) + ")";
    case Kind::kOptional:
      return optional_ ? "optional(" + optional_->describe() + ")" : "optional(none)";
  }
  return "?";
}

}  // namespace onyx
