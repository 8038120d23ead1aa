#include "optimizer/nchwc_depthwise_fusion.h"

#include <algorithm>
#include <unordered_map>

#include "ops/common/activation.h"
#include "optimizer/rewrite.h"
#include "optimizer/rules/rule_util.h"

namespace onyx::opt {

namespace {

using rules::all_equal;
using rules::int_attr;
using rules::ints_attr;

bool auto_pad_unset(const ir::Node& n) {
  const ir::Attribute* a = n.find_attribute("auto_pad");
  return a == nullptr || a->s.empty() || a->s == "NOTSET";
}

class Fusion {
 public:
  explicit Fusion(ir::Graph& g) : g_(g), readers_(ir::read_counts(g)) {
    for (const auto& vi : g_.inputs) graph_inputs_.push_back(vi.name);
  }

  int64_t run() {
    std::unordered_map<std::string, size_t> reader_of;  // value -> the NchwcConv reading it
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (is_nchwc_conv(g_.nodes[i])) reader_of[g_.nodes[i].inputs[0]] = i;
    }
    int64_t fused = 0;
    for (ir::Node& first : g_.nodes) {
      if (!is_nchwc_conv(first) || first.outputs.size() != 1) continue;
      auto it = reader_of.find(first.outputs[0]);
      if (it == reader_of.end() || readers_[first.outputs[0]] != 1) continue;
      ir::Node& second = g_.nodes[it->second];
      if (&second == &first || !fusable(first, second)) continue;
      fuse(first, second);
      ++fused;
    }
    if (fused > 0) std::erase_if(g_.nodes, [](const ir::Node& n) { return n.op_type.empty(); });
    return fused;
  }

 private:
  static bool is_nchwc_conv(const ir::Node& n) {
    return n.domain == kOnyxDomain && n.op_type == "NchwcConv" && !n.inputs.empty() &&
           (n.inputs.size() < 4 || n.inputs[3].empty()) && n.inputs.size() <= 4;
  }

  const Tensor* constant(const std::string& v) const {
    if (v.empty() ||
        std::find(graph_inputs_.begin(), graph_inputs_.end(), v) != graph_inputs_.end()) {
      return nullptr;
    }
    auto it = g_.initializers.find(v);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }

  // first: 1x1, stride 1, no padding, no groups, blocked input; second: depthwise 3x3 over its
  // channels, padding 1, stride 1 or 2, blocked input. Whether it runs fused is decided per
  // input shape, and where oneDNN lacks the fused primitive it runs as the two convolutions
  // (NchwcConv in ops/nn/conv.cpp): making one here to check would cost session creation a
  // JIT compilation per pair (MobileNetV2: 37 -> 80 ms).
  bool fusable(const ir::Node& first, const ir::Node& second) const {
    const Tensor* w1 = constant(first.inputs[1]);
    const Tensor* w2 = constant(second.inputs[1]);
    if (w1 == nullptr || w2 == nullptr || w1->dtype() != DataType::kFloat ||
        w2->dtype() != DataType::kFloat || w1->rank() != 4 || w2->rank() != 4) {
      return false;
    }
    const int64_t M = w1->dim(0);
    const Tensor* b1 = first.inputs.size() > 2 ? constant(first.inputs[2]) : nullptr;
    const Tensor* b2 = second.inputs.size() > 2 ? constant(second.inputs[2]) : nullptr;
    if ((first.inputs.size() > 2 && !first.inputs[2].empty() && b1 == nullptr) ||
        (second.inputs.size() > 2 && !second.inputs[2].empty() && b2 == nullptr)) {
      return false;
    }
    const bool pointwise = w1->dim(2) == 1 && w1->dim(3) == 1 && int_attr(first, "group", 1) == 1 &&
                           int_attr(first, "input_nchwc", 1) == 1 && auto_pad_unset(first) &&
                           all_equal(ints_attr(first, "strides", {1}), 1) &&
                           all_equal(ints_attr(first, "dilations", {1}), 1) &&
                           all_equal(ints_attr(first, "pads", {0}), 0);
    const std::vector<int64_t> strides = ints_attr(second, "strides", {1, 1});
    const bool depthwise =
        w2->dim(0) == M && w2->dim(1) == 1 && w2->dim(2) == 3 && w2->dim(3) == 3 &&
        int_attr(second, "group", 1) == M && int_attr(second, "input_nchwc", 1) == 1 &&
        int_attr(second, "block", 8) == int_attr(first, "block", 8) && auto_pad_unset(second) &&
        strides.size() == 2 && strides[0] == strides[1] && (strides[0] == 1 || strides[0] == 2) &&
        all_equal(ints_attr(second, "dilations", {1}), 1) &&
        ints_attr(second, "pads", {0}) == std::vector<int64_t>{1, 1, 1, 1};
    if (!pointwise || !depthwise) return false;
    return activation_of(first).has_value() && activation_of(second).has_value();
  }

  static std::optional<ActivationSpec> activation_of(const ir::Node& n) {
    const ir::Attribute* a = n.find_attribute("activation");
    const ir::Attribute* p = n.find_attribute("activation_params");
    return parse_activation(a != nullptr ? a->s : std::string(),
                            p != nullptr ? p->floats : std::vector<float>{});
  }

  // first gets the second's weights as inputs 4 and 5 and its output; second is emptied.
  static void fuse(ir::Node& first, ir::Node& second) {
    first.inputs.resize(6);
    first.inputs[3].clear();
    first.inputs[4] = second.inputs[1];
    first.inputs[5] = second.inputs.size() > 2 ? second.inputs[2] : std::string();
    if (first.inputs[5].empty()) first.inputs.resize(5);
    first.attributes.push_back(
        rules::make_int_attr("dw_stride", ints_attr(second, "strides", {1, 1})[0]));
    if (const ir::Attribute* a = second.find_attribute("activation")) {
      first.attributes.push_back(rules::make_string_attr("dw_activation", a->s));
    }
    if (const ir::Attribute* p = second.find_attribute("activation_params")) {
      first.attributes.push_back(rules::make_floats_attr("dw_activation_params", p->floats));
    }
    first.outputs[0] = second.outputs[0];
    first.name += "+" + second.name;
    second = ir::Node{};
  }

  ir::Graph& g_;
  std::unordered_map<std::string, int> readers_;
  std::vector<std::string> graph_inputs_;
};

}  // namespace

int64_t fuse_nchwc_pointwise_depthwise(ir::Graph& graph) {
  return Fusion(graph).run();
}

}  // namespace onyx::opt
