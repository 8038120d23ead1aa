#include "optimizer/int8_layout.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "ops/quant/int8_conv.h"
#include "optimizer/rewrite.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// Ops computing each output element from the same element of their inputs only (further
// inputs being scalar constants).
const std::set<std::string>& elementwise_ops() {
  static const std::set<std::string> ops = {
      "Relu", "Sigmoid", "Tanh",  "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Identity",
      "Abs",  "Neg",     "Erf",   "Exp",  "Add",       "Sub",         "Mul",       "Div",
      "Max",  "Min",     "Sum",   "QuantizeLinear",    "DequantizeLinear"};
  return ops;
}

const std::vector<int64_t> kToChannelsLast = {0, 2, 3, 1};
const std::vector<int64_t> kToPlanar = {0, 3, 1, 2};

class Pass {
 public:
  explicit Pass(ir::Model& model) : model_(model), g_(model.graph) {
    for (const auto& vi : g_.inputs) graph_inputs_.insert(vi.name);
    for (const auto& n : g_.nodes) {
      for (const auto& v : n.inputs) names_.insert(v);
      for (const auto& v : n.outputs) names_.insert(v);
    }
    for (const auto& [k, t] : g_.initializers) names_.insert(k);
    for (const auto& vi : g_.inputs) names_.insert(vi.name);
  }

  int64_t run() {
    auto order = ir::topological_order(g_);
    if (!order.ok()) return 0;
    for (size_t idx : *order) visit(g_.nodes[idx]);
    if (converted_ == 0) return 0;  // (nothing else changes without a convolution)
    restore_planar_values();
    for (auto& node : added_) g_.nodes.push_back(std::move(node));
    if (!model_.opset_imports.count(kOnyxDomain)) model_.opset_imports[kOnyxDomain] = 1;
    return converted_;
  }

 private:
  const Tensor* constant(const std::string& v) const {
    if (v.empty() || graph_inputs_.count(v)) return nullptr;
    auto it = g_.initializers.find(v);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }
  const std::vector<ir::Dim>* dims(const std::string& v) const {
    const ir::TypeInfo* t = g_.find_type(v);
    return t != nullptr && t->kind == ir::TypeInfo::Kind::kTensor && t->shape ? &*t->shape
                                                                                : nullptr;
  }
  bool rank4(const std::string& v) const {
    const auto* d = dims(v);
    return d != nullptr && d->size() == 4;
  }
  bool same_dims(const std::string& a, const std::string& b) const {
    const auto *da = dims(a), *db = dims(b);
    if (da == nullptr || db == nullptr || da->size() != db->size()) return false;
    for (size_t i = 0; i < da->size(); ++i) {
      const ir::Dim &x = (*da)[i], &y = (*db)[i];
      if (x.is_known() || y.is_known()) {
        if (x.value != y.value) return false;
      } else if (x.symbol.empty() || x.symbol != y.symbol) {
        return false;
      }
    }
    return true;
  }
  bool scalar_constant(const std::string& v) const {
    const Tensor* t = constant(v);
    return t != nullptr && t->numel() == 1;
  }
  bool channels_last(const std::string& v) const { return twin_.count(v) > 0; }

  std::string fresh(const std::string& hint) {
    std::string name = hint;
    for (int k = 1; names_.count(name) || g_.find_type(name) != nullptr; ++k) {
      name = hint + "_" + std::to_string(k);
    }
    names_.insert(name);
    return name;
  }
  // `to` is `from` with its dims in the other order.
  void permuted_type(const std::string& from, const std::string& to,
                     const std::vector<int64_t>& perm) {
    const ir::TypeInfo* t = g_.find_type(from);
    if (t == nullptr) return;
    ir::TypeInfo copy = *t;
    if (copy.shape && copy.shape->size() == 4) {
      std::vector<ir::Dim> d;
      for (int64_t p : perm) d.push_back((*t->shape)[static_cast<size_t>(p)]);
      copy.shape = d;
    }
    g_.value_info.push_back(ir::ValueInfo{to, copy, {}});
  }
  ir::Node transpose(const std::string& in, const std::string& out,
                     const std::vector<int64_t>& perm) {
    ir::Node t;
    t.name = out + "_transpose";
    t.op_type = "Transpose";
    t.opset = static_cast<int>(model_.opset_imports[""]);
    t.inputs = {in};
    t.outputs = {out};
    ir::Attribute a;
    a.name = "perm";
    a.type = ir::Attribute::Type::kInts;
    a.ints = perm;
    t.attributes.push_back(std::move(a));
    return t;
  }
  // The channels-last form of `v`: made by a Transpose unless it exists already.
  std::string channels_last_form(const std::string& v) {
    auto it = twin_.find(v);
    if (it != twin_.end()) return it->second;
    const std::string t = fresh(v + "_nhwc");
    permuted_type(v, t, kToChannelsLast);
    added_.push_back(transpose(v, t, kToChannelsLast));
    twin_[v] = t;
    return t;
  }
  // The node's output now holds the channels-last form of its old value.
  void make_output_channels_last(ir::Node& n) {
    const std::string planar = n.outputs[0];
    const std::string t = fresh(planar + "_nhwc");
    permuted_type(planar, t, kToChannelsLast);
    n.outputs[0] = t;
    twin_[planar] = t;
    produced_twin_.insert(planar);
  }
  void to_onyx(ir::Node& n, const char* op) const {
    n.op_type = op;
    n.domain = kOnyxDomain;
    n.opset = 1;
  }

  void visit(ir::Node& n) {
    if (n.outputs.size() != 1 || n.outputs[0].empty() || n.inputs.empty()) return;
    if (n.domain == kOnyxDomain && n.op_type == "QLinearAdd") {
      if (channels_last(n.inputs[0]) || channels_last(n.inputs[3])) convert_elementwise(n);
      return;
    }
    if (!n.domain.empty()) return;
    if (n.op_type == "QLinearConv") return convert_conv(n);
    if (!channels_last(n.inputs[0]) &&
        !(n.inputs.size() > 1 && channels_last(n.inputs[1]) && n.op_type != "QuantizeLinear" &&
          n.op_type != "DequantizeLinear")) {
      return;
    }
    if (n.op_type == "MaxPool") return convert_max_pool(n);
    if (elementwise_ops().count(n.op_type)) return convert_elementwise(n);
  }

  // QLinearConv with the constants its fast path needs (ops/quant/integer_conv.cpp).
  void convert_conv(ir::Node& n) {
    const Tensor* w = n.inputs.size() > 3 ? constant(n.inputs[3]) : nullptr;
    if (w == nullptr || w->dtype() != DataType::kInt8 || w->rank() != 4) return;
    if (n.inputs.size() < 8 || n.inputs[2].empty() || n.inputs[7].empty()) return;
    for (size_t k = 1; k < n.inputs.size(); ++k) {
      if (!n.inputs[k].empty() && constant(n.inputs[k]) == nullptr) return;
    }
    if (!channels_last(n.inputs[0]) && !rank4(n.inputs[0])) return;
    n.inputs[0] = channels_last_form(n.inputs[0]);
    to_onyx(n, "NhwcQLinearConv");
    make_output_channels_last(n);
    ++converted_;
  }

  void convert_max_pool(ir::Node& n) {
    const ir::Attribute* k = n.find_attribute("kernel_shape");
    const ir::TypeInfo* t = g_.find_type(n.inputs[0]);
    if (k == nullptr || k->ints.size() != 2 || n.inputs.size() != 1 || t == nullptr ||
        (t->elem_type != DataType::kUInt8 && t->elem_type != DataType::kInt8)) {
      return;
    }
    n.inputs[0] = twin_.at(n.inputs[0]);
    std::erase_if(n.attributes, [](const ir::Attribute& a) { return a.name == "storage_order"; });
    to_onyx(n, "NhwcMaxPool");
    make_output_channels_last(n);
  }

  // Every input channels-last (or made so) with the output's shape, or a scalar constant.
  void convert_elementwise(ir::Node& n) {
    const std::string& out = n.outputs[0];
    if (!rank4(out)) return;
    const bool qdq = n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear";
    if (qdq && n.find_attribute("block_size") != nullptr) return;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::string& in = n.inputs[i];
      if (in.empty()) continue;
      if (i > 0 && scalar_constant(in)) continue;
      if (qdq && i > 0) return;  // per-axis parameters would index the channels
      if (!same_dims(in, out)) return;
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      std::string& in = n.inputs[i];
      if (in.empty() || (i > 0 && scalar_constant(in))) continue;
      in = channels_last_form(in);
    }
    make_output_channels_last(n);
  }

  // Every value some node, subgraph or graph output reads.
  std::unordered_set<std::string> read_values() const {
    std::unordered_set<std::string> read = ir::values_read(g_);
    for (const auto& n : added_) read.insert(n.inputs.begin(), n.inputs.end());
    return read;
  }

  // Values a converted producer now writes channels-last but something still reads planar.
  void restore_planar_values() {
    const std::unordered_set<std::string> read = read_values();
    for (const auto& planar : produced_twin_) {
      if (read.count(planar)) added_.push_back(transpose(twin_.at(planar), planar, kToPlanar));
    }
  }

  ir::Model& model_;
  ir::Graph& g_;
  std::unordered_set<std::string> graph_inputs_, names_;
  std::unordered_map<std::string, std::string> twin_;  // planar name -> channels-last value
  std::set<std::string> produced_twin_;  // planar names whose producer now writes the twin
  std::vector<ir::Node> added_;
  int64_t converted_ = 0;
};

}  // namespace

int64_t apply_int8_channels_last(ir::Model& model) {
  const bool any = std::any_of(model.graph.nodes.begin(), model.graph.nodes.end(),
                               [](const ir::Node& n) {
                                 return n.op_type == "QLinearConv" && n.domain.empty();
                               });
  if (!any || !quant::int8_convolution_available()) return 0;  // (the probe JITs a kernel)
  return Pass(model).run();
}

}  // namespace onyx::opt
