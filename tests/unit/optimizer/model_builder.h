// Helpers of the optimizer tests: a small graph builder over ir::Model, the optimizer run at a
// level, and the check that an optimized model computes what the plain one does.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "onnx/model_writer.h"
#include "optimizer/optimizer.h"
#include "test_util.h"

namespace onyx::test {

// A tiny graph builder over ir::Model.
struct ModelBuilder {
  ir::Model model;

  explicit ModelBuilder(int opset = 17) {
    model.ir_version = 8;
    model.opset_imports[""] = opset;
  }
  ModelBuilder& input(const std::string& name, Shape shape, DataType dt = DataType::kFloat) {
    std::vector<ir::Dim> dims;
    for (int64_t d : shape) dims.push_back(ir::Dim::known(d));
    model.graph.inputs.push_back({name, ir::TypeInfo::tensor(dt, dims), {}});
    return *this;
  }
  ModelBuilder& output(const std::string& name) {
    model.graph.outputs.push_back({name, {}, {}});
    return *this;
  }
  ModelBuilder& constant(const std::string& name, Tensor t) {
    model.graph.initializers[name] = std::move(t);
    return *this;
  }
  ModelBuilder& node(const std::string& op, std::vector<std::string> in,
                     std::vector<std::string> out, std::vector<ir::Attribute> attrs = {}) {
    ir::Node n;
    n.name = op + std::to_string(model.graph.nodes.size());
    n.op_type = op;
    n.opset = static_cast<int>(model.opset_imports[""]);
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attributes = std::move(attrs);
    model.graph.nodes.push_back(std::move(n));
    return *this;
  }
};

inline opt::OptimizeReport optimize(ir::Model& m, int level = 3, int64_t max_rewrites = -1) {
  opt::OptimizeOptions o;
  o.level = level;
  o.max_rewrites = max_rewrites;
  auto r = opt::optimize(m, global_registry(), o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : opt::OptimizeReport();
}

inline int count_op(const ir::Model& m, const std::string& op) {
  int n = 0;
  for (const auto& node : m.graph.nodes) n += node.op_type == op;
  return n;
}

inline Tensor random_tensor(Shape shape, uint32_t seed) {
  Tensor t(DataType::kFloat, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// Runs `m` at optimization level 0 and at `level` on the same feeds; expects equal outputs.
inline void expect_same_results(const ir::Model& m, const NamedValues& feeds, int level = 3,
                                double tol = 1e-5) {
  SessionOptions plain, optimized;
  plain.optimization_level = 0;
  optimized.optimization_level = level;
  plain.intra_op_num_threads = optimized.intra_op_num_threads = 1;
  auto a = Session::create(m, plain);
  auto b = Session::create(m, optimized);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  auto ra = (*a)->run(feeds);
  auto rb = (*b)->run(feeds);
  ASSERT_TRUE(ra.ok()) << ra.status().to_string();
  ASSERT_TRUE(rb.ok()) << rb.status().to_string();
  ASSERT_EQ(ra->size(), rb->size());
  for (size_t k = 0; k < ra->size(); ++k) {
    const Tensor& x = (*ra)[k].tensor();
    const Tensor& y = (*rb)[k].tensor();
    ASSERT_EQ(x.dtype(), y.dtype());
    ASSERT_EQ(x.shape(), y.shape());
    if (x.dtype() != DataType::kFloat) continue;
    for (int64_t i = 0; i < x.numel(); ++i) {
      EXPECT_NEAR(x.data<float>()[i], y.data<float>()[i], tol * (1 + std::abs(x.data<float>()[i])))
          << "output " << k << " at " << i;
    }
  }
}

// A session on `m` through its serialized form, so that ONNX shape inference types the values
// as it does for a file; null (and a test failure) when it cannot be made.
inline std::unique_ptr<Session> load_serialized(const ir::Model& m, int level, int threads = 2) {
  auto bytes = onnx_export::serialize_model(m);
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  if (!bytes.ok()) return nullptr;
  SessionOptions o;
  o.optimization_level = level;
  o.intra_op_num_threads = threads;
  auto s = Session::load_from_bytes(*bytes, o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(*s) : nullptr;
}

}  // namespace onyx::test
