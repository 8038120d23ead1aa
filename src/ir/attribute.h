// Node attributes, independent of protobuf.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/type_info.h"

namespace onyx::ir {

struct Graph;

struct Attribute {
  enum class Type {
    kUndefined,
    kFloat,
    kInt,
    kString,
    kTensor,
    kGraph,
    kFloats,
    kInts,
    kStrings,
    kTensors,
    kGraphs,
    kTypeProto,
    kTypeProtos,
    kSparseTensor,
    kSparseTensors,
  };

  std::string name;
  Type type = Type::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::vector<TypeInfo> type_protos;
  // In a function body: the caller's attribute this one refers to (empty otherwise).
  std::string ref_attr_name;
};

const char* attribute_type_name(Attribute::Type type);

}  // namespace onyx::ir
