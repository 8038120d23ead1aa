// Small predicates and builders shared by the rewrite rules.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace onyx::opt::rules {

// Random generators (and training-mode ops) must run every time.
bool is_deterministic(const ir::Node& node);
bool has_subgraph(const ir::Node& node);
// Same attributes (names, types, values; order ignored). Tensor and graph attributes compare
// unequal unless they are the very same object.
bool attributes_equal(const ir::Node& a, const ir::Node& b);

// The values of a float constant widened to double (float, double, float16, bfloat16); false
// for other element types.
bool as_doubles(const Tensor& t, std::vector<double>& out);
// A constant whose every element equals `v` (any numeric type).
bool is_all(const Tensor& t, double v);
// A scalar (or single-element) float constant's value.
bool scalar_value(const Tensor* t, double& v);

// Both shapes known to the same rank and equal dim by dim: equal numbers, or the same symbolic
// name (ONNX gives one dim_param one value throughout a model), so batch-dynamic models match.
bool same_shape(const ir::TypeInfo* a, const ir::TypeInfo* b);

// An int attribute's value, or `fallback` where absent; an ints attribute's values likewise.
int64_t int_attr(const ir::Node& n, const char* name, int64_t fallback);
std::vector<int64_t> ints_attr(const ir::Node& n, const char* name,
                               std::vector<int64_t> fallback);
bool all_equal(const std::vector<int64_t>& v, int64_t x);

ir::Attribute make_int_attr(const std::string& name, int64_t v);
ir::Attribute make_float_attr(const std::string& name, float v);
ir::Attribute make_floats_attr(const std::string& name, std::vector<float> v);
ir::Attribute make_string_attr(const std::string& name, std::string v);

}  // namespace onyx::opt::rules
