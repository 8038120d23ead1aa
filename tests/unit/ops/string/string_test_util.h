// Helpers shared by the string family's unit tests.
#pragma once

#include <string>
#include <vector>

#include "test_util.h"

namespace onyx::test::strings {

inline ir::Attribute attr_strs(const std::string& name, std::vector<std::string> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kStrings;
  a.strings = std::move(v);
  return a;
}

inline Value S(std::vector<std::string> v, Shape shape) {
  return V(make<std::string>(std::move(v), std::move(shape)));
}

// Runs the node and returns all its outputs (empty, with a failure, when it fails).
inline std::vector<Value> outputs(const NodeSpec& spec) {
  auto r = run_node(spec);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<Value>{};
}

// Expects the node to fail with a message containing `fragment`.
inline void expect_fails(const NodeSpec& spec, const std::string& fragment) {
  auto r = run_node(spec);
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(r.status().to_string().find(fragment), std::string::npos) << r.status().to_string();
}

}  // namespace onyx::test::strings
