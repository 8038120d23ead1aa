#include "ops/kernel.h"

namespace onyx {

using ir::Attribute;

Result<const Attribute*> KernelInfo::typed_attr(const std::string& name, Attribute::Type type,
                                                bool required) const {
  const Attribute* a = node_.find_attribute(name);
  if (a == nullptr) {
    if (required) {
      return error(StatusCode::kInvalidGraph, "missing required attribute '", name, "'");
    }
    return static_cast<const Attribute*>(nullptr);
  }
  if (a->type != type) {
    return error(StatusCode::kInvalidGraph, "attribute '", name, "' has type ",
                 ir::attribute_type_name(a->type), ", expected ", ir::attribute_type_name(type));
  }
  return a;
}

Result<int64_t> KernelInfo::attr_int(const std::string& name, int64_t def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kInt, false));
  return a ? a->i : def;
}

Result<std::optional<int64_t>> KernelInfo::attr_optional_int(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kInt, false));
  return a ? std::optional<int64_t>(a->i) : std::nullopt;
}

Result<float> KernelInfo::attr_float(const std::string& name, float def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kFloat, false));
  return a ? a->f : def;
}

Result<std::string> KernelInfo::attr_string(const std::string& name,
                                            const std::string& def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kString, false));
  return a ? a->s : def;
}

Result<std::vector<int64_t>> KernelInfo::attr_ints(const std::string& name,
                                                   std::vector<int64_t> def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kInts, false));
  return a ? a->ints : def;
}

Result<std::vector<float>> KernelInfo::attr_floats(const std::string& name,
                                                   std::vector<float> def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kFloats, false));
  return a ? a->floats : def;
}

Result<std::vector<std::string>> KernelInfo::attr_strings(const std::string& name,
                                                          std::vector<std::string> def) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kStrings, false));
  return a ? a->strings : def;
}

Result<int64_t> KernelInfo::required_int(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kInt, true));
  return a->i;
}

Result<float> KernelInfo::required_float(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kFloat, true));
  return a->f;
}

Result<std::string> KernelInfo::required_string(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kString, true));
  return a->s;
}

Result<std::vector<int64_t>> KernelInfo::required_ints(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kInts, true));
  return a->ints;
}

Result<Tensor> KernelInfo::required_tensor(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kTensor, true));
  return a->t;
}

Result<const ir::Graph*> KernelInfo::required_graph(const std::string& name) const {
  ONYX_ASSIGN_OR_RETURN(const Attribute* a, typed_attr(name, Attribute::Type::kGraph, true));
  if (!a->g) return error(StatusCode::kInvalidGraph, "attribute '", name, "' has no graph");
  return static_cast<const ir::Graph*>(a->g.get());
}

Result<const Tensor*> KernelContext::required_input(size_t i) const {
  const Tensor* t = input(i);
  if (t == nullptr) {
    return error(StatusCode::kInvalidArgument, "required input ", i, " is missing or not a tensor");
  }
  return t;
}

Tensor& KernelContext::allocate_output(size_t i, DataType dtype, Shape shape) {
  outputs_.at(i) = Value(Tensor(dtype, std::move(shape)));
  return outputs_[i].tensor();
}

Tensor& KernelContext::allocate_output_in_place(size_t i, std::initializer_list<size_t> candidates,
                                                DataType dtype, Shape shape) {
  for (size_t j : candidates) {
    const Tensor* in = j < 64 && ((in_place_inputs_ >> j) & 1) != 0 ? input(j) : nullptr;
    if (in != nullptr && in->dtype() == dtype && in->shape() == shape &&
        in->sole_owner_of_buffer()) {
      in_place_inputs_ &= ~(uint64_t{1} << j);  // one output per input buffer
      outputs_.at(i) = Value(*in);
      return outputs_[i].tensor();
    }
  }
  return allocate_output(i, dtype, std::move(shape));
}

}  // namespace onyx
