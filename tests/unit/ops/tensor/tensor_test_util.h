// Shorthand for the tensor-family tests: a NodeSpec built from positional arguments (brace
// initialization of NodeSpec trips -Wmissing-field-initializers).
#pragma once

#include "test_util.h"

namespace onyx::test {

inline NodeSpec node(std::string op, int opset, std::vector<Value> inputs,
                     std::vector<ir::Attribute> attributes = {}, int num_outputs = 1) {
  NodeSpec s;
  s.op = std::move(op);
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  s.num_outputs = num_outputs;
  return s;
}

}  // namespace onyx::test
