// Gradient (ai.onnx.preview.training): dy/dx for each x of the xs attribute, at the values the
// node's inputs give xs then zs.
//
// ir::attach_gradient_graphs (at session creation) cuts the slice of the graph from xs/zs to y
// out of the graph around the node and attaches it as a subgraph. init() compiles it and checks
// that every node on a path from xs to y has a rule below; compute() runs the slice forward on
// the node's inputs, keeping every intermediate value, seeds dy/dy with ones (so a non-scalar y
// is differentiated as the sum of its elements, the usual convention) and walks the nodes
// backwards, each rule adding its inputs' gradients (the adjoint of broadcasting is a sum over
// the broadcast dims). Gradients are accumulated in double and stored in each x's type.
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/gradient_graph.h"
#include "ops/common/broadcast.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using Values = std::vector<double>;

Result<Values> values_of(const Tensor& t) {
  Values v(static_cast<size_t>(t.numel()));
  Status s = dispatch<FloatTypes>(t.dtype(), [&]<typename T>() {
    const T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = static_cast<double>(static_cast<compute_t<T>>(p[i]));
    return Status::OK();
  });
  if (!s.ok()) return InvalidArgument("only float tensors can be differentiated: ", s.message());
  return v;
}

// What a rule sees of one forward node: its input and output tensors, the gradient of its
// output, and where to add each input's gradient (null when that input needs none).
struct RuleArgs {
  const ir::Node& node;
  std::vector<const Tensor*> in;
  const Tensor& out;
  const Values& gout;
  std::vector<Values*> gin;
};

using Rule = Status (*)(const RuleArgs&);

enum class Arith { kAdd, kSub, kMul, kDiv };

template <Arith kOp>
Status binary_rule(const RuleArgs& r) {
  if (r.in.size() != 2) return InvalidArgument(r.node.describe(), " needs two inputs");
  ONYX_ASSIGN_OR_RETURN(const Values a, values_of(*r.in[0]));
  ONYX_ASSIGN_OR_RETURN(const Values b, values_of(*r.in[1]));
  const Shape& os = r.out.shape();
  const std::vector<int64_t> strides[2] = {broadcast_strides(r.in[0]->shape(), os),
                                           broadcast_strides(r.in[1]->shape(), os)};
  Values* ga = r.gin[0];
  Values* gb = r.gin[1];
  for_each_broadcast<2>(os, strides, [&](int64_t o, const int64_t* idx) {
    const double g = r.gout[o], x = a[idx[0]], y = b[idx[1]];
    double da = g, db = g;
    if constexpr (kOp == Arith::kSub) db = -g;
    if constexpr (kOp == Arith::kMul) da = g * y, db = g * x;
    if constexpr (kOp == Arith::kDiv) da = g / y, db = -g * x / (y * y);
    if (ga) (*ga)[idx[0]] += da;
    if (gb) (*gb)[idx[1]] += db;
  });
  return Status::OK();
}

// Elementwise ops: d(out)/d(in) from the input value x and the output value y.
enum class Unary { kIdentity, kNeg, kRelu, kSigmoid, kTanh, kExp };

template <Unary kOp>
Status unary_rule(const RuleArgs& r) {
  if (r.gin.empty() || r.gin[0] == nullptr) return Status::OK();
  ONYX_ASSIGN_OR_RETURN(const Values x, values_of(*r.in[0]));
  ONYX_ASSIGN_OR_RETURN(const Values y, values_of(r.out));
  Values& g = *r.gin[0];
  for (size_t i = 0; i < g.size(); ++i) {
    double d = 1;
    if constexpr (kOp == Unary::kNeg) d = -1;
    if constexpr (kOp == Unary::kRelu) d = x[i] > 0 ? 1 : 0;
    if constexpr (kOp == Unary::kSigmoid) d = y[i] * (1 - y[i]);
    if constexpr (kOp == Unary::kTanh) d = 1 - y[i] * y[i];
    if constexpr (kOp == Unary::kExp) d = y[i];
    g[i] += r.gout[i] * d;
  }
  return Status::OK();
}

// MatMul with numpy semantics: a 1-D A is a row [1, K], a 1-D B a column [K, 1] (the unit dim
// absent from the output), leading dims broadcast. dA = dY B^T and dB = A^T dY per batch, summed
// over the batches each operand was broadcast across.
Status matmul_rule(const RuleArgs& r) {
  if (r.in.size() != 2) return InvalidArgument(r.node.describe(), " needs two inputs");
  Shape sa = r.in[0]->shape(), sb = r.in[1]->shape();
  if (sa.empty() || sb.empty()) return InvalidArgument(r.node.describe(), ": scalar operand");
  if (sa.size() == 1) sa.insert(sa.begin(), 1);
  if (sb.size() == 1) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
  ONYX_ASSIGN_OR_RETURN(const Shape batch, broadcast_shapes({batch_a, batch_b}));
  if (sb[sb.size() - 2] != k || shape_numel(batch) * m * n != r.out.numel()) {
    return InvalidArgument(r.node.describe(), ": operand shapes do not match the output");
  }
  ONYX_ASSIGN_OR_RETURN(const Values a, values_of(*r.in[0]));
  ONYX_ASSIGN_OR_RETURN(const Values b, values_of(*r.in[1]));
  Values* ga = r.gin[0];
  Values* gb = r.gin[1];
  const std::vector<int64_t> strides[2] = {broadcast_strides(batch_a, batch),
                                           broadcast_strides(batch_b, batch)};
  for_each_broadcast<2>(batch, strides, [&](int64_t bi, const int64_t* idx) {
    const double* g = r.gout.data() + bi * m * n;
    const double* pa = a.data() + idx[0] * m * k;
    const double* pb = b.data() + idx[1] * k * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const double gij = g[i * n + j];
        for (int64_t p = 0; p < k; ++p) {
          if (ga) (*ga)[idx[0] * m * k + i * k + p] += gij * pb[p * n + j];
          if (gb) (*gb)[idx[1] * k * n + p * n + j] += pa[i * k + p] * gij;
        }
      }
    }
  });
  return Status::OK();
}

const std::unordered_map<std::string, Rule>& rules() {
  static const std::unordered_map<std::string, Rule> table = {
      {"Add", &binary_rule<Arith::kAdd>},
      {"Sub", &binary_rule<Arith::kSub>},
      {"Mul", &binary_rule<Arith::kMul>},
      {"Div", &binary_rule<Arith::kDiv>},
      {"Identity", &unary_rule<Unary::kIdentity>},
      {"Neg", &unary_rule<Unary::kNeg>},
      {"Relu", &unary_rule<Unary::kRelu>},
      {"Sigmoid", &unary_rule<Unary::kSigmoid>},
      {"Tanh", &unary_rule<Unary::kTanh>},
      {"Exp", &unary_rule<Unary::kExp>},
      {"MatMul", &matmul_rule},
  };
  return table;
}

class Gradient final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const std::vector<std::string> xs, info.attr_strings("xs"));
    ONYX_ASSIGN_OR_RETURN(const std::vector<std::string> zs, info.attr_strings("zs"));
    ONYX_ASSIGN_OR_RETURN(y_, info.required_string("y"));
    num_xs_ = xs.size();
    if (info.num_inputs() != xs.size() + zs.size()) {
      return info.error(StatusCode::kInvalidGraph, "expected ", xs.size() + zs.size(),
                        " inputs (xs then zs), got ", info.num_inputs());
    }
    if (info.num_outputs() > xs.size()) {
      return info.error(StatusCode::kInvalidGraph, "expected at most ", xs.size(),
                        " outputs (one per xs), got ", info.num_outputs());
    }
    if (!info.has_attr(ir::kGradientGraphAttr)) {
      return info.error(StatusCode::kNotImplemented,
                        "Gradient is supported in the main graph only");
    }
    ONYX_ASSIGN_OR_RETURN(body_, info.required_graph(ir::kGradientGraphAttr));
    // Values that depend on xs, and the rule of each node through which they flow.
    active_.insert(xs.begin(), xs.end());
    for (const ir::Node& n : body_->nodes) {
      bool on_path = false;
      for (const std::string& in : n.inputs) on_path = on_path || active_.count(in) > 0;
      if (!on_path) {
        node_rules_.push_back(nullptr);
        continue;
      }
      auto it = n.domain.empty() ? rules().find(n.op_type) : rules().end();
      if (it == rules().end()) {
        return info.error(StatusCode::kNotImplemented, "no gradient rule for ", n.describe());
      }
      if (n.outputs.size() != 1) {
        return info.error(StatusCode::kNotImplemented, "cannot differentiate ", n.describe(),
                          " with ", n.outputs.size(), " outputs");
      }
      node_rules_.push_back(it->second);
      active_.insert(n.outputs[0]);
    }
    ONYX_ASSIGN_OR_RETURN(plan_, info.compile_subgraph(*body_));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    std::vector<Value> feeds;
    std::unordered_map<std::string, const Tensor*> tape;
    for (size_t i = 0; i < body_->inputs.size(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* t, ctx.required_input(i));
      feeds.emplace_back(*t);
      tape[body_->inputs[i].name] = t;
    }
    for (const auto& [name, t] : body_->initializers) tape[name] = &t;
    ONYX_ASSIGN_OR_RETURN(const std::vector<Value> produced, plan_->run(feeds, {}, ctx.pool()));
    for (size_t i = 0; i < produced.size() && i < body_->outputs.size(); ++i) {
      if (!produced[i].is_tensor()) {
        return ctx.invalid_argument("'", body_->outputs[i].name, "' is not a tensor");
      }
      tape[body_->outputs[i].name] = &produced[i].tensor();
    }
    auto yt = tape.find(y_);
    if (yt == tape.end()) return ctx.invalid_argument("y '", y_, "' was not computed");

    std::unordered_map<std::string, Values> grads;
    grads[y_] = Values(static_cast<size_t>(yt->second->numel()), 1.0);
    for (size_t k = body_->nodes.size(); k-- > 0;) {
      if (node_rules_[k] == nullptr) continue;
      const ir::Node& n = body_->nodes[k];
      auto g = grads.find(n.outputs[0]);
      if (g == grads.end()) continue;  // y does not depend on this node's output
      const Values& gout = g->second;  // stays valid while grads grows (iterators may not)
      std::vector<const Tensor*> in;
      std::vector<Values*> gin;
      for (const std::string& name : n.inputs) {
        auto t = tape.find(name);
        if (t == tape.end())
          return ctx.invalid_argument(n.describe(), ": input '", name, "' missing");
        in.push_back(t->second);
        Values* acc = nullptr;
        if (active_.count(name)) {
          acc = &grads[name];
          if (acc->empty()) acc->assign(static_cast<size_t>(t->second->numel()), 0.0);
        }
        gin.push_back(acc);
      }
      const Status s = node_rules_[k](RuleArgs{n, in, *tape.at(n.outputs[0]), gout, gin});
      if (!s.ok()) return ctx.invalid_argument(s.message());
    }

    for (size_t i = 0; i < ctx.num_outputs() && i < num_xs_; ++i) {
      if (!ctx.output_requested(i)) continue;
      const Tensor& x = *ctx.input(i);
      Tensor& out = ctx.allocate_output(i, x.dtype(), x.shape());
      auto g = grads.find(body_->inputs[i].name);
      ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(x.dtype(), [&]<typename T>() {
        T* o = out.data<T>();
        for (int64_t e = 0; e < out.numel(); ++e) {
          const double v = g == grads.end() || g->second.empty() ? 0.0 : g->second[e];
          o[e] = static_cast<T>(static_cast<compute_t<T>>(v));
        }
        return Status::OK();
      }));
    }
    return Status::OK();
  }

 private:
  std::string y_;
  size_t num_xs_ = 0;
  const ir::Graph* body_ = nullptr;
  std::unordered_set<std::string> active_;
  std::vector<Rule> node_rules_;  // per body node; null off the xs -> y paths
  std::shared_ptr<const Subgraph> plan_;
};

}  // namespace

void register_gradient(KernelRegistry& r) {
  // Inputs mix differentiated and fixed tensors of any type: no single input selects a kernel.
  r.add_versions<Gradient, FloatTypes>(ir::kGradientDomain, "Gradient", {1}, 1, -1);
}

}  // namespace onyx
