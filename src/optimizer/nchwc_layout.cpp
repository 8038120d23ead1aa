#include "optimizer/nchwc_layout.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "ops/nn/dnnl_conv.h"
#include "ops/nn/nchwc.h"
#include "optimizer/nchwc_depthwise_fusion.h"
#include "optimizer/rewrite.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

// Ops computing each output element from the same element of their inputs only (and scalar
// parameters in later inputs): a blocked input gives a blocked output.
const std::set<std::string>& unary_ops() {
  static const std::set<std::string> ops = {
      "Relu",  "Sigmoid",  "Tanh", "Clip",     "LeakyRelu", "HardSigmoid", "HardSwish",
      "Elu",   "Selu",     "Celu", "Softplus", "Softsign",  "Abs",         "Neg",
      "Exp",   "Erf",      "Mish", "Identity", "ThresholdedRelu", "Gelu"};
  return ops;
}
const std::set<std::string>& binary_ops() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum"};
  return ops;
}

bool dims_equal(const ir::Dim& a, const ir::Dim& b) {
  if (a.is_known() || b.is_known()) return a.value == b.value;
  return !a.symbol.empty() && a.symbol == b.symbol;
}

class Pass {
 public:
  Pass(ir::Model& model, int64_t block) : model_(model), g_(model.graph), block_(block) {
    for (const auto& vi : g_.inputs) graph_inputs_.insert(vi.name);
    uses_ = ir::read_counts(g_);
  }

  int64_t run() {
    auto order = ir::topological_order(g_);
    if (!order.ok()) return 0;
    const size_t original = g_.nodes.size();
    for (size_t idx : *order) {
      if (idx < original) visit(idx);
    }
    if (converted_convs_ == 0) return 0;  // (nothing was renamed without a convolution)
    std::erase_if(g_.nodes, [](const ir::Node& n) { return n.op_type.empty(); });
    restore_plain_values();
    for (auto& node : added_) g_.nodes.push_back(std::move(node));
    read_concats_in_channel_scales();
    drop_unread_initializers();  // the weights that were replaced by padded copies
    limit_winograd();
    if (!model_.opset_imports.count(kOnyxDomain)) model_.opset_imports[kOnyxDomain] = 1;
    return converted_convs_;
  }

 private:
  // ---- what is known of a value ----
  const ir::TypeInfo* type(const std::string& v) const { return g_.find_type(v); }
  const Tensor* constant(const std::string& v) const {
    if (graph_inputs_.count(v)) return nullptr;
    auto it = g_.initializers.find(v);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }
  bool is_float(const std::string& v) const {
    const ir::TypeInfo* t = type(v);
    return t != nullptr && t->kind == ir::TypeInfo::Kind::kTensor && t->elem_type == DataType::kFloat;
  }
  const std::vector<ir::Dim>* dims(const std::string& v) const {
    const ir::TypeInfo* t = type(v);
    return t != nullptr && t->shape ? &*t->shape : nullptr;
  }
  // The known channel count of a float 4-D value, or 0.
  int64_t channels(const std::string& v) const {
    const auto* d = dims(v);
    if (!is_float(v) || d == nullptr || d->size() != 4 || !(*d)[1].is_known()) return 0;
    return std::max<int64_t>(*(*d)[1].value, 0);
  }
  // Can have a blocked form (channels padded up to the block).
  bool blockable(const std::string& v) const { return channels(v) > 0; }
  // ... without padding.
  bool unpadded(const std::string& v) const { return blockable(v) && channels(v) % block_ == 0; }
  int64_t padded(int64_t c) const { return nn::padded_channels(c, block_); }
  bool same_shape(const std::string& a, const std::string& b) const {
    const auto *da = dims(a), *db = dims(b);
    if (da == nullptr || db == nullptr || da->size() != db->size()) return false;
    for (size_t i = 0; i < da->size(); ++i) {
      if (!dims_equal((*da)[i], (*db)[i])) return false;
    }
    return true;
  }
  bool is_blocked(const std::string& v) const { return blocked_.count(v) > 0; }

  // ---- editing ----
  std::string fresh(const std::string& hint) {
    std::string name = hint;
    for (int k = 1; g_.find_type(name) != nullptr || used_names_.count(name) || name_in_graph(name);
         ++k) {
      name = hint + "_" + std::to_string(k);
    }
    used_names_.insert(name);
    return name;
  }
  bool name_in_graph(const std::string& name) {
    if (all_names_.empty()) {
      for (const auto& n : g_.nodes) {
        for (const auto& v : n.inputs) all_names_.insert(v);
        for (const auto& v : n.outputs) all_names_.insert(v);
      }
      for (const auto& [k, t] : g_.initializers) all_names_.insert(k);
      for (const auto& vi : g_.inputs) all_names_.insert(vi.name);
    }
    return all_names_.count(name) > 0;
  }
  // `to` is the blocked form of `from`: its type, with the channels padded.
  void copy_type(const std::string& from, const std::string& to) {
    if (const ir::TypeInfo* t = type(from)) {
      ir::TypeInfo copy = *t;
      if (copy.shape && copy.shape->size() >= 2 && (*copy.shape)[1].is_known()) {
        (*copy.shape)[1] = ir::Dim::known(padded(*(*copy.shape)[1].value));
      }
      g_.value_info.push_back(ir::ValueInfo{to, copy, {}});
    }
  }
  // The node's output i now holds the blocked form of its old value.
  // `real` is its channel count before padding (from the weights or the op's inputs: the
  // value's type may not be known).
  void make_output_blocked(ir::Node& n, size_t i, int64_t real) {
    make_output_blocked(n, i, n.outputs[i], real);
  }
  void make_output_blocked(ir::Node& n, size_t i, const std::string& plain_name, int64_t real) {
    const std::string plain = plain_name;
    const std::string b = fresh(plain + "_nchwc");
    copy_type(plain, b);
    n.outputs[i] = b;
    blocked_[plain] = b;
    real_channels_[plain] = real_channels_[b] = real;
    produced_blocked_.insert(plain);
  }
  // The channel count before padding of a blocked value (by its plain or blocked name).
  int64_t real_of(const std::string& v) const {
    auto it = real_channels_.find(v);
    return it != real_channels_.end() ? it->second : channels(v);
  }
  // The blocked form of `v`: made by a ReorderToNchwc unless it exists already.
  std::string blocked_form(const std::string& v) {
    auto it = blocked_.find(v);
    if (it != blocked_.end()) return it->second;
    const std::string b = fresh(v + "_nchwc");
    copy_type(v, b);
    ir::Node r;
    r.name = b + "_reorder";
    to_onyx(r, "ReorderToNchwc");
    r.inputs = {v};
    r.outputs = {b};
    added_.push_back(std::move(r));
    blocked_[v] = b;
    real_channels_[v] = real_channels_[b] = channels(v);
    return b;
  }
  // Makes n the blocked op `op` of the onyx domain, with the pass's block.
  void to_onyx(ir::Node& n, const char* op) const {
    n.op_type = op;
    n.domain = kOnyxDomain;
    n.opset = 1;
    n.attributes.push_back(rules::make_int_attr("block", block_));
  }

  // ---- the rewrites ----
  void visit(size_t idx) {
    ir::Node& n = g_.nodes[idx];
    if (n.domain.empty() && n.op_type == "Conv") return convert_conv(n);
    if (n.domain == kOnyxDomain && n.op_type == "FusedConv") return convert_conv(n);
    if (!n.domain.empty() || n.inputs.empty() || n.outputs.size() != 1 || n.outputs[0].empty()) {
      return;
    }
    if (!is_blocked(n.inputs[0]) && !(binary_ops().count(n.op_type) || n.op_type == "Concat")) {
      return;
    }
    if (n.op_type == "Relu" && fuse_relu_into_channel_scale(n)) return;
    if (per_tensor_quantization(n)) {
      n.inputs[0] = blocked_.at(n.inputs[0]);
      return make_output_blocked(n, 0, real_of(n.inputs[0]));
    }
    if (unary_ops().count(n.op_type)) {
      if (!same_shape(n.inputs[0], n.outputs[0])) return;
      n.inputs[0] = blocked_.at(n.inputs[0]);
      return make_output_blocked(n, 0, real_of(n.inputs[0]));
    }
    if (binary_ops().count(n.op_type)) return convert_binary(n);
    if (n.op_type == "Concat") return convert_concat(n);
    if (n.op_type == "MaxPool" || n.op_type == "AveragePool") return convert_pool(n);
    if (n.op_type == "GlobalAveragePool") {
      const bool pad = !unpadded(n.inputs[0]);
      n.inputs[0] = blocked_.at(n.inputs[0]);
      to_onyx(n, "NchwcGlobalAveragePool");
      // Its [N, C, 1, 1] output is the same in both layouts, unless channels were padded.
      if (pad) make_output_blocked(n, 0, real_of(n.inputs[0]));
      return;
    }
    if (n.op_type == "BatchNormalization") return convert_batch_norm(n);
  }

  // QuantizeLinear / DequantizeLinear with one constant scale and zero point map each element
  // on its own, and 0 to 0 through a Quantize -> Dequantize pair (the padded channels stay
  // zero), so a QDQ model's convolutions keep the blocked layout between them. A quantized
  // value is only kept blocked when every reader is such a DequantizeLinear: the reorders are
  // float-only.
  bool per_tensor_quantization(const ir::Node& n) const {
    const bool q = n.op_type == "QuantizeLinear", dq = n.op_type == "DequantizeLinear";
    if (!(q || dq) || n.inputs.size() < 2 || n.find_attribute("block_size") != nullptr) {
      return false;
    }
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      if (n.inputs[i].empty()) continue;
      const Tensor* t = constant(n.inputs[i]);
      if (t == nullptr || t->numel() != 1) return false;
    }
    if (!q) return is_float(n.outputs[0]);
    if (uses_.count(n.outputs[0]) == 0) return false;
    int readers = 0;
    for (const auto& m : g_.nodes) {
      if (std::find(m.inputs.begin(), m.inputs.end(), n.outputs[0]) == m.inputs.end()) continue;
      if (m.op_type != "DequantizeLinear" || !m.domain.empty() || m.inputs[0] != n.outputs[0]) {
        return false;
      }
      for (size_t i = 1; i < m.inputs.size(); ++i) {
        const Tensor* t = m.inputs[i].empty() ? nullptr : constant(m.inputs[i]);
        if (!m.inputs[i].empty() && (t == nullptr || t->numel() != 1)) return false;
      }
      if (m.find_attribute("block_size") != nullptr) return false;
      ++readers;
    }
    // Graph outputs and subgraph captures count in uses_ but are no node's input.
    return readers == uses_.at(n.outputs[0]);
  }

  // Relu(NchwcChannelScale(x)) -> NchwcChannelScale(x, activation = Relu): the
  // BatchNormalization -> Relu of pre-activation blocks (DenseNet). The Relu node is emptied
  // and dropped at the end.
  bool fuse_relu_into_channel_scale(ir::Node& relu) {
    const std::string in = relu.inputs[0];  // a copy: relu is cleared below
    auto it = scale_producer_.find(in);
    if (it == scale_producer_.end() || uses_[in] != 1) return false;
    ir::Node& scale = g_.nodes[it->second];
    if (scale.find_attribute("activation") != nullptr) return false;
    scale.attributes.push_back(rules::make_string_attr("activation", "Relu"));
    const std::string out = relu.outputs[0];
    relu = ir::Node{};
    scale_producer_.erase(it);
    make_output_blocked(scale, 0, out, real_of(in));
    return true;
  }

  // Conv / FusedConv with constant float weights -> NchwcConv. Channel counts that are not a
  // multiple of the block are padded: the weights and bias get zero rows (and zero columns for
  // padded input channels), so the padding lanes of every blocked tensor stay act(0).
  void convert_conv(ir::Node& n) {
    if (n.inputs.size() < 2 || n.outputs.size() != 1 || n.outputs[0].empty()) return;
    const std::string x = n.inputs[0];
    const Tensor* w = constant(n.inputs[1]);
    if (w == nullptr || w->dtype() != DataType::kFloat || w->rank() != 4 || !is_float(x)) return;
    const Tensor* bias = n.inputs.size() > 2 && !n.inputs[2].empty() ? constant(n.inputs[2]) : nullptr;
    if (n.inputs.size() > 2 && !n.inputs[2].empty() &&
        (bias == nullptr || bias->dtype() != DataType::kFloat || bias->numel() != w->dim(0))) {
      return;
    }
    ir::Attribute* ga = nullptr;
    for (auto& a : n.attributes) {
      if (a.name == "group") ga = &a;
    }
    const int64_t group = ga != nullptr ? ga->i : 1;
    const int64_t M = w->dim(0), Cg = w->dim(1), C = Cg * group;
    if (M == 0 || Cg == 0) return;
    const bool depthwise = group > 1 && Cg == 1 && M == C;
    // Other grouped convolutions keep their groups aligned with blocks: no padding there.
    if (group > 1 && !depthwise && (M % block_ != 0 || C % block_ != 0)) return;
    const bool has_z = n.inputs.size() > 3 && !n.inputs[3].empty();
    if (has_z && !blockable(n.inputs[3])) return;
    // A depthwise conv needs its input in the padded layout of its output.
    bool input_blocked = is_blocked(x) && (group == 1 || C % block_ == 0 || depthwise);
    if (depthwise && !input_blocked) {
      if (!blockable(x)) return;
      input_blocked = true;
    }
    const int64_t Mp = padded(M), Cin = input_blocked ? padded(C) : C;
    const bool pad = Mp != M || Cin != C;
    // Outside a blocked region, a narrow convolution is not worth padding (2 channels would
    // compute 16).
    if (pad && !is_blocked(x) && M < block_) return;
    if (pad) {
      const int64_t cols = depthwise ? 1 : Cin;
      Tensor pw(DataType::kFloat, {Mp, cols, w->dim(2), w->dim(3)});
      std::fill(pw.data<float>(), pw.data<float>() + pw.numel(), 0.f);
      const int64_t K = w->dim(2) * w->dim(3);
      for (int64_t m = 0; m < M; ++m) {
        std::copy(w->data<float>() + m * Cg * K, w->data<float>() + (m + 1) * Cg * K,
                  pw.data<float>() + m * cols * K);
      }
      Tensor pb(DataType::kFloat, {Mp});
      std::fill(pb.data<float>(), pb.data<float>() + Mp, 0.f);
      if (bias != nullptr) std::copy(bias->data<float>(), bias->data<float>() + M, pb.data<float>());
      const std::string wname = fresh(n.inputs[1] + "_padded");
      const std::string bname = fresh(n.outputs[0] + "_bias_padded");
      g_.initializers.emplace(wname, std::move(pw));
      g_.initializers.emplace(bname, std::move(pb));
      if (n.inputs.size() < 3) n.inputs.resize(3);
      n.inputs[1] = wname;
      n.inputs[2] = bname;
      if (depthwise) ga->i = Mp;
    }
    if (has_z) n.inputs[3] = blocked_form(n.inputs[3]);
    if (input_blocked) n.inputs[0] = blocked_form(x);
    to_onyx(n, "NchwcConv");
    n.attributes.push_back(rules::make_int_attr("input_nchwc", input_blocked ? 1 : 0));
    make_output_blocked(n, 0, M);
    ++converted_convs_;
  }

  void convert_binary(ir::Node& n) {
    const std::string& out = n.outputs[0];
    bool any_blocked = false, all_same = true;
    for (const auto& in : n.inputs) {
      any_blocked = any_blocked || is_blocked(in);
      all_same = all_same && same_shape(in, out);
    }
    if (!any_blocked) return;
    // Padding lanes hold act(0) of zero weights; 0 / 0 there would poison the next conv.
    const bool padded_ok = n.op_type != "Div";
    if (all_same && (unpadded(out) || (padded_ok && blockable(out)))) {
      for (auto& in : n.inputs) in = blocked_form(in);
      return make_output_blocked(n, 0, real_of(n.inputs[0]));
    }
    // Squeeze-and-excitation: Mul(x, s) with s of shape [N or 1, C, 1, 1].
    if (n.op_type != "Mul" || n.inputs.size() != 2) return;
    for (size_t side = 0; side < 2; ++side) {
      const std::string x = n.inputs[side], s = n.inputs[1 - side];
      if (!is_blocked(x) || !same_shape(x, out) || !is_float(s)) continue;
      const auto *dx = dims(x), *ds = dims(s);
      if (ds == nullptr || ds->size() != 4 || !dims_equal((*ds)[1], (*dx)[1])) continue;
      if (!(*ds)[2].is_known() || *(*ds)[2].value != 1 || !(*ds)[3].is_known() ||
          *(*ds)[3].value != 1) {
        continue;
      }
      const bool per_image = dims_equal((*ds)[0], (*dx)[0]);
      if (!per_image && !((*ds)[0].is_known() && *(*ds)[0].value == 1)) continue;
      // A [N, C, 1, 1] tensor has the same bytes in both layouts, unless padded: then only
      // its blocked form has the padded channel count.
      if (!is_blocked(s) && !unpadded(x)) continue;
      n.inputs = {blocked_.at(x), is_blocked(s) ? blocked_.at(s) : s};
      to_onyx(n, "NchwcChannelScale");
      make_output_blocked(n, 0, real_of(x));
      scale_producer_[out] = index_of(n);
      return;
    }
  }

  void convert_concat(ir::Node& n) {
    const ir::Attribute* a = n.find_attribute("axis");
    if (a == nullptr || (a->i != 1 && a->i != -3)) return;
    bool any_blocked = false;
    for (const auto& in : n.inputs) {
      if (!unpadded(in)) return;  // padding inside the channels would break the layout
      any_blocked = any_blocked || is_blocked(in);
    }
    if (!any_blocked || !unpadded(n.outputs[0])) return;
    for (auto& in : n.inputs) in = blocked_form(in);
    make_output_blocked(n, 0, channels(n.outputs[0]));
  }

  void convert_pool(ir::Node& n) {
    const ir::Attribute* k = n.find_attribute("kernel_shape");
    if (k == nullptr || k->ints.size() != 2 || !blockable(n.inputs[0])) return;
    n.inputs[0] = blocked_.at(n.inputs[0]);
    std::erase_if(n.attributes, [](const ir::Attribute& at) { return at.name == "storage_order"; });
    to_onyx(n, n.op_type == "MaxPool" ? "NchwcMaxPool" : "NchwcAveragePool");
    make_output_blocked(n, 0, real_of(n.inputs[0]));
  }

  // Inference BatchNormalization with constant parameters: y = x * s + b per channel.
  void convert_batch_norm(ir::Node& n) {
    if (n.inputs.size() != 5 || !blockable(n.inputs[0])) return;
    if (const ir::Attribute* t = n.find_attribute("training_mode"); t != nullptr && t->i != 0) return;
    std::vector<double> p[4];
    for (int i = 0; i < 4; ++i) {
      const Tensor* t = constant(n.inputs[static_cast<size_t>(i) + 1]);
      if (t == nullptr || !rules::as_doubles(*t, p[i])) return;
    }
    const size_t C = p[0].size();
    if (static_cast<int64_t>(C) != channels(n.inputs[0]) || p[1].size() != C ||
        p[2].size() != C || p[3].size() != C) {
      return;
    }
    const int64_t Cp = padded(static_cast<int64_t>(C));
    const ir::Attribute* e = n.find_attribute("epsilon");
    const double eps = e != nullptr ? e->f : 1e-5;
    Tensor scale(DataType::kFloat, {Cp});
    Tensor shift(DataType::kFloat, {Cp});
    std::fill(scale.data<float>(), scale.data<float>() + Cp, 0.f);
    std::fill(shift.data<float>(), shift.data<float>() + Cp, 0.f);
    for (size_t c = 0; c < C; ++c) {
      const double s = p[0][c] / std::sqrt(p[3][c] + eps);
      scale.data<float>()[c] = static_cast<float>(s);
      shift.data<float>()[c] = static_cast<float>(p[1][c] - p[2][c] * s);
    }
    const std::string sname = fresh(n.outputs[0] + "_scale");
    const std::string bname = fresh(n.outputs[0] + "_shift");
    g_.initializers.emplace(sname, std::move(scale));
    g_.initializers.emplace(bname, std::move(shift));
    n.inputs = {blocked_.at(n.inputs[0]), sname, bname};
    n.attributes.clear();
    to_onyx(n, "NchwcChannelScale");
    const std::string plain = n.outputs[0];
    make_output_blocked(n, 0, static_cast<int64_t>(C));
    scale_producer_[plain] = index_of(n);
  }

  // NchwcChannelScale(Concat(X1, X2, ...), S, B) -> NchwcChannelScale(X1, S, B, X2, ...) when
  // the blocked Concat has no other reader: the scale reads the parts in place, so the
  // concatenation is never written out (DenseNet: each layer's Concat -> BatchNormalization ->
  // Relu; the Concat copies were 7% of DenseNet-169's time).
  void read_concats_in_channel_scales() {
    std::unordered_set<std::string> blocked_values;
    for (const auto& [plain, b] : blocked_) blocked_values.insert(b);
    std::unordered_map<std::string, int> readers = ir::read_counts(g_);
    std::unordered_map<std::string, size_t> producer;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (const auto& v : g_.nodes[i].outputs) producer[v] = i;
    }
    bool fused = false;
    for (ir::Node& scale : g_.nodes) {
      if (scale.domain != kOnyxDomain || scale.op_type != "NchwcChannelScale" ||
          scale.inputs.size() < 2 || scale.inputs.size() > 3) {
        continue;
      }
      auto it = producer.find(scale.inputs[0]);
      if (it == producer.end() || readers[scale.inputs[0]] != 1) continue;
      ir::Node& concat = g_.nodes[it->second];
      if (!concat.domain.empty() || concat.op_type != "Concat" || concat.inputs.empty() ||
          !blocked_values.count(concat.outputs[0])) {
        continue;
      }
      std::vector<std::string> inputs{concat.inputs[0], scale.inputs[1],
                                      scale.inputs.size() > 2 ? scale.inputs[2] : std::string()};
      inputs.insert(inputs.end(), concat.inputs.begin() + 1, concat.inputs.end());
      scale.inputs = std::move(inputs);
      concat = ir::Node{};
      fused = true;
    }
    if (fused) std::erase_if(g_.nodes, [](const ir::Node& n) { return n.op_type.empty(); });
  }

  size_t index_of(const ir::Node& n) const { return static_cast<size_t>(&n - g_.nodes.data()); }

  // Every value some node, subgraph or graph output reads.
  std::unordered_set<std::string> read_values() const {
    std::unordered_set<std::string> read = ir::values_read(g_);
    for (const auto& n : added_) read.insert(n.inputs.begin(), n.inputs.end());
    return read;
  }

  // oneDNN's Winograd keeps its own transformed copy of a 3x3 convolution's weights beside
  // the plain one (which cannot be recovered from it): 16/9 of the plain bytes with the 2x2
  // tiles it picks for one image, 4x with the 4x4 tiles of larger batches. Summed over a deep
  // network that is more than the model itself (ResNet-152 at batch 8: 348 MB over 240 MB of
  // weights, peak RSS 708 MB against ONNX Runtime's 682). So the transformed copies are
  // budgeted at the model's own float weight bytes and given to the convolutions where
  // Winograd saves the most per byte first: those with the largest images (the arithmetic it
  // saves per weight grows with the pixels). Each takes 4x its weights from the budget, or,
  // where that does not fit, 2x with `max_winograd_ratio` = 2 (the small tiles only), or none
  // (0).
  void limit_winograd() {
    int64_t budget = 0;
    for (const auto& [name, t] : g_.initializers) {
      if (t.dtype() == DataType::kFloat) budget += static_cast<int64_t>(t.nbytes());
    }
    struct Candidate {
      int64_t pixels, bytes;
      ir::Node* node;
    };
    std::vector<Candidate> candidates;
    for (auto& n : g_.nodes) {
      if (n.op_type != "NchwcConv" || n.domain != kOnyxDomain || n.inputs.size() > 4) continue;
      const Tensor* w = constant(n.inputs[1]);
      if (w == nullptr || w->rank() != 4 || w->dim(2) != 3 || w->dim(3) != 3) continue;
      if (!rules::all_equal(rules::ints_attr(n, "strides", {1}), 1) ||
          !rules::all_equal(rules::ints_attr(n, "dilations", {1}), 1) ||
          rules::int_attr(n, "group", 1) != 1) {
        continue;
      }
      int64_t pixels = 0;  // unknown image sizes rank last
      if (const auto* d = dims(n.outputs[0]); d != nullptr && d->size() == 4 &&
                                              (*d)[2].is_known() && (*d)[3].is_known()) {
        pixels = *(*d)[2].value * *(*d)[3].value;
      }
      candidates.push_back({pixels, static_cast<int64_t>(w->nbytes()), &n});
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.pixels > b.pixels; });
    // A convolution gets the largest ratio whose copies, its own and those of every one before
    // it counted at that ratio, fit: so at one image (every copy at most 2x) and at larger
    // batches (4x) alike, the copies made stay within the budget.
    int64_t prefix2 = 0, prefix4 = 0;
    for (const Candidate& c : candidates) {
      prefix2 += 2 * c.bytes;
      prefix4 += 4 * c.bytes;
      const int64_t ratio = prefix4 <= budget ? 4 : prefix2 <= budget ? 2 : 0;
      if (ratio < 4) {
        c.node->attributes.push_back(rules::make_int_attr("max_winograd_ratio", ratio));
      }
    }
  }

  void drop_unread_initializers() {
    const std::unordered_set<std::string> read = read_values();
    std::erase_if(g_.initializers, [&](const auto& kv) {
      return !read.count(kv.first) && !graph_inputs_.count(kv.first);
    });
  }

  // Values that some converted producer now writes blocked but that a node (or subgraph, or
  // the graph's outputs) still reads plain get a ReorderFromNchwc.
  void restore_plain_values() {
    const std::unordered_set<std::string> read = read_values();
    for (const auto& plain : produced_blocked_) {
      if (!read.count(plain)) continue;
      ir::Node r;
      r.name = plain + "_to_nchw";
      to_onyx(r, "ReorderFromNchwc");
      r.inputs = {blocked_.at(plain)};
      r.outputs = {plain};
      if (const int64_t c = real_of(plain); c > 0 && c % block_ != 0) {
        r.attributes.push_back(rules::make_int_attr("channels", c));
      }
      added_.push_back(std::move(r));
    }
  }

  ir::Model& model_;
  ir::Graph& g_;
  std::unordered_set<std::string> graph_inputs_;
  std::unordered_map<std::string, std::string> blocked_;  // plain name -> blocked value
  std::set<std::string> produced_blocked_;  // plain names whose producer now writes blocked
  std::vector<ir::Node> added_;
  std::unordered_set<std::string> used_names_, all_names_;
  std::unordered_map<std::string, int> uses_;  // readers of each value before the pass
  std::unordered_map<std::string, int64_t> real_channels_;  // of blocked values, both names
  std::unordered_map<std::string, size_t> scale_producer_;  // plain value -> its ChannelScale
  int64_t block_;
  int64_t converted_convs_ = 0;
};

}  // namespace

int64_t apply_nchwc_layout(ir::Model& model) {
  if (!nn::dnnl_available()) return 0;
  const int64_t converted = Pass(model, nn::preferred_nchwc_block()).run();
  if (converted > 0) fuse_nchwc_pointwise_depthwise(model.graph);
  return converted;
}

}  // namespace onyx::opt
