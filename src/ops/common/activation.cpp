#include "ops/common/activation.h"

#include "ops/common/dnnl_eltwise.h"

namespace onyx {

std::optional<ActivationSpec> parse_activation(const std::string& name,
                                               const std::vector<float>& params) {
  struct Entry {
    const char* name;
    Activation kind;
    size_t params;
  };
  static const Entry kEntries[] = {
      {"Relu", Activation::kRelu, 0},       {"LeakyRelu", Activation::kLeakyRelu, 1},
      {"Clip", Activation::kClip, 2},       {"Sigmoid", Activation::kSigmoid, 0},
      {"Tanh", Activation::kTanh, 0},       {"HardSigmoid", Activation::kHardSigmoid, 2},
      {"Swish", Activation::kSwish, 0},     {"Gelu", Activation::kGelu, 0},
      {"GeluTanh", Activation::kGeluTanh, 0}, {"HardSwish", Activation::kHardSwish, 0},
  };
  if (name.empty()) return params.empty() ? std::optional<ActivationSpec>(ActivationSpec{})
                                          : std::nullopt;
  for (const Entry& e : kEntries) {
    if (name != e.name) continue;
    if (params.size() != e.params) return std::nullopt;
    ActivationSpec spec;
    spec.kind = e.kind;
    if (!params.empty()) spec.alpha = params[0];
    if (params.size() > 1) spec.beta = params[1];
    return spec;
  }
  return std::nullopt;
}

const char* activation_name(Activation kind) {
  switch (kind) {
    case Activation::kNone: return "";
    case Activation::kRelu: return "Relu";
    case Activation::kLeakyRelu: return "LeakyRelu";
    case Activation::kClip: return "Clip";
    case Activation::kSigmoid: return "Sigmoid";
    case Activation::kTanh: return "Tanh";
    case Activation::kHardSigmoid: return "HardSigmoid";
    case Activation::kSwish: return "Swish";
    case Activation::kHardSwish: return "HardSwish";
    case Activation::kGelu: return "Gelu";
    case Activation::kGeluTanh: return "GeluTanh";
  }
  return "";
}

Result<ActivationSpec> read_activation_attrs(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(const std::string act, info.attr_string("activation", ""));
  ONYX_ASSIGN_OR_RETURN(const std::vector<float> params, info.attr_floats("activation_params"));
  auto spec = parse_activation(act, params);
  if (!spec) {
    return info.error(StatusCode::kInvalidGraph, "unknown activation '", act, "' with ",
                      params.size(), " parameters");
  }
  return *spec;
}

namespace {

std::optional<dnnl_ops::Eltwise> dnnl_form(Activation kind) {
  switch (kind) {
    case Activation::kSigmoid: return dnnl_ops::Eltwise::kLogistic;
    case Activation::kSwish: return dnnl_ops::Eltwise::kSwish;
    case Activation::kTanh: return dnnl_ops::Eltwise::kTanh;
    case Activation::kGelu: return dnnl_ops::Eltwise::kGeluErf;
    case Activation::kGeluTanh: return dnnl_ops::Eltwise::kGeluTanh;
    default: return std::nullopt;
  }
}

}  // namespace

bool dnnl_activation_applies(const ActivationSpec& a, int64_t n) {
  return n >= dnnl_ops::kMinElements && dnnl_form(a.kind).has_value();
}

void apply_activation_vectorized(const ActivationSpec& a, float* p, int64_t n,
                                 const ThreadPool* pool) {
  const auto f = dnnl_form(a.kind);
  if (!f || !dnnl_ops::eltwise(*f, 0.f, p, p, n, pool)) apply_activation(a, p, n);
}

}  // namespace onyx
