// A run-time value: what flows along a graph edge. Mostly a Tensor; also ONNX sequences,
// maps and optionals.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace onyx {

class Value {
 public:
  enum class Kind { kNone, kTensor, kSequence, kMap, kOptional };

  Value() = default;
  Value(Tensor t) : kind_(Kind::kTensor), tensor_(std::move(t)) {}  // NOLINT

  static Value sequence(DataType elem_type, std::vector<Value> items) {
    Value v;
    v.kind_ = Kind::kSequence;
    v.elem_type_ = elem_type;
    v.items_ = std::move(items);
    return v;
  }
  // A map as two 1-D tensors of equal length (ONNX maps hold scalar values in practice).
  static Value map(Tensor keys, Tensor values) {
    Value v;
    v.kind_ = Kind::kMap;
    v.tensor_ = std::move(keys);
    v.map_values_ = std::make_shared<Tensor>(std::move(values));
    return v;
  }
  // An optional: `inner` null means "no value".
  static Value optional(std::shared_ptr<Value> inner) {
    Value v;
    v.kind_ = Kind::kOptional;
    v.optional_ = std::move(inner);
    return v;
  }

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_tensor() const { return kind_ == Kind::kTensor; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_optional() const { return kind_ == Kind::kOptional; }

  Tensor& tensor() { return tensor_; }
  const Tensor& tensor() const { return tensor_; }

  DataType sequence_elem_type() const { return elem_type_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<Value>& items() const { return items_; }

  const Tensor& map_keys() const { return tensor_; }
  const Tensor& map_values() const { return *map_values_; }

  const Value* optional_value() const { return optional_.get(); }
  bool has_optional_value() const { return optional_ != nullptr; }

  // "tensor(float)[2,3]", "seq(tensor(int64))", ... for messages.
  std::string describe() const;

 private:
  Kind kind_ = Kind::kNone;
  Tensor tensor_;
  DataType elem_type_ = DataType::kUndefined;
  std::vector<Value> items_;
  std::shared_ptr<Tensor> map_values_;
  std::shared_ptr<Value> optional_;
};

}  // namespace onyx
