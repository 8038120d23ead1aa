// Helpers for unit tests: build a one-node model in IR form and run it through a Session.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "exec/session.h"
#include "ir/graph.h"

namespace onyx::test {

// A float tensor of `shape` filled with uniform values in [lo, hi) from a fixed seed.
inline Tensor random_floats(Shape shape, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t(DataType::kFloat, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

inline ir::Attribute attr_int(const std::string& name, int64_t v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kInt;
  a.i = v;
  return a;
}
inline ir::Attribute attr_float(const std::string& name, float v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kFloat;
  a.f = v;
  return a;
}
inline ir::Attribute attr_string(const std::string& name, const std::string& v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kString;
  a.s = v;
  return a;
}
inline ir::Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kInts;
  a.ints = std::move(v);
  return a;
}
inline ir::Attribute attr_strings(const std::string& name, std::vector<std::string> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kStrings;
  a.strings = std::move(v);
  return a;
}
inline ir::Attribute attr_floats(const std::string& name, std::vector<float> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}
inline ir::Attribute attr_tensor(const std::string& name, Tensor t) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kTensor;
  a.t = std::move(t);
  return a;
}

struct NodeSpec {
  std::string op;
  int opset = 17;
  std::vector<Value> inputs;            // a kNone Value means "omitted optional input"
  std::vector<ir::Attribute> attributes;
  int num_outputs = 1;
  std::string domain;
};

// How run_node builds the session: its thread count, and which inputs become initializers
// (constants of the graph, which kernels may pre-pack at load) instead of graph inputs.
struct RunConfig {
  int threads = 1;
  std::vector<size_t> constants;
};

// Builds graph inputs x0..xN (types left unknown so any dtype/shape is accepted), one node, and
// outputs y0..yM; runs it once.
inline Result<std::vector<Value>> run_node(const NodeSpec& spec, const RunConfig& config = RunConfig()) {
  ir::Model model;
  model.ir_version = 8;
  model.opset_imports[ir::canonical_domain(spec.domain)] = spec.opset;
  if (!spec.domain.empty()) model.opset_imports[""] = 17;
  ir::Node node;
  node.name = "n0";
  node.op_type = spec.op;
  node.domain = ir::canonical_domain(spec.domain);
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  NamedValues feeds;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (spec.inputs[i].is_none()) {
      node.inputs.push_back("");
      continue;
    }
    const std::string name = "x" + std::to_string(i);
    node.inputs.push_back(name);
    if (std::find(config.constants.begin(), config.constants.end(), i) != config.constants.end()) {
      model.graph.initializers.emplace(name, spec.inputs[i].tensor());
      continue;
    }
    model.graph.inputs.push_back(ir::ValueInfo{name, {}, {}});
    feeds.emplace_back(name, spec.inputs[i]);
  }
  for (int i = 0; i < spec.num_outputs; ++i) {
    const std::string name = "y" + std::to_string(i);
    node.outputs.push_back(name);
    model.graph.outputs.push_back(ir::ValueInfo{name, {}, {}});
  }
  model.graph.nodes.push_back(std::move(node));
  SessionOptions options;
  options.intra_op_num_threads = config.threads;
  ONYX_ASSIGN_OR_RETURN(auto session, Session::create(std::move(model), options));
  return session->run(feeds);
}

// Runs and expects success; returns output 0 as a tensor.
inline Tensor run_ok(const NodeSpec& spec, size_t output = 0) {
  auto r = run_node(spec);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok() || r->size() <= output) return Tensor();
  return (*r)[output].tensor();
}

template <typename T>
Tensor make(std::vector<T> values, Shape shape) {
  return Tensor::from_vector<T>(values, std::move(shape));
}

inline Value V(Tensor t) { return Value(std::move(t)); }

// A tensor of a coded type from its stored bytes (packed for sub-byte types).
inline Tensor coded(DataType dt, const std::vector<uint8_t>& raw, Shape shape) {
  Tensor t(dt, std::move(shape));
  EXPECT_EQ(t.nbytes(), raw.size());
  if (!raw.empty()) std::memcpy(t.raw_data(), raw.data(), std::min(raw.size(), t.nbytes()));
  return t;
}

// The stored bytes of a tensor.
inline std::vector<uint8_t> raw_of(const Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return std::vector<uint8_t>(p, p + t.nbytes());
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  std::vector<T> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<T>()[i];
  return v;
}

// Element-wise comparison with tolerance (floats) or exactly.
template <typename T>
void expect_tensor(const Tensor& actual, const std::vector<T>& expected, const Shape& shape,
                   double tol = 1e-5) {
  ASSERT_TRUE(actual.defined());
  ASSERT_EQ(actual.dtype(), data_type_of<T>);
  ASSERT_EQ(actual.shape(), shape);
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isinf(expected[i])) {
        EXPECT_EQ(actual.data<T>()[i], expected[i]) << "at " << i;
      } else if (std::isnan(expected[i])) {
        EXPECT_TRUE(std::isnan(actual.data<T>()[i])) << "at " << i;
      } else {
        EXPECT_NEAR(actual.data<T>()[i], expected[i], tol * (1 + std::abs(expected[i])))
            << "at " << i;
      }
    } else if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
      EXPECT_NEAR(static_cast<float>(actual.data<T>()[i]), static_cast<float>(expected[i]),
                  1e-2 * (1 + std::abs(static_cast<float>(expected[i]))))
          << "at " << i;
    } else {
      EXPECT_EQ(actual.data<T>()[i], expected[i]) << "at " << i;
    }
  }
}

}  // namespace onyx::test
