#include "optimizer/rules/rule_util.h"

#include <algorithm>
#include <cmath>

#include "core/data_type.h"

namespace onyx::opt::rules {

bool is_deterministic(const ir::Node& node) {
  static const char* kRandom[] = {"RandomNormal",     "RandomUniform", "RandomNormalLike",
                                  "RandomUniformLike", "Bernoulli",     "Multinomial"};
  if (!node.domain.empty()) return node.domain == "ai.onnx.ml" || node.domain == "onyx";
  return std::none_of(std::begin(kRandom), std::end(kRandom),
                      [&](const char* op) { return node.op_type == op; }) &&
         node.op_type != "Dropout";  // a training-mode Dropout draws a mask
}

bool has_subgraph(const ir::Node& node) {
  return std::any_of(node.attributes.begin(), node.attributes.end(),
                     [](const ir::Attribute& a) { return a.g != nullptr || !a.graphs.empty(); });
}

namespace {

bool attribute_equal(const ir::Attribute& a, const ir::Attribute& b) {
  if (a.name != b.name || a.type != b.type) return false;
  using T = ir::Attribute::Type;
  switch (a.type) {
    case T::kFloat: return a.f == b.f;
    case T::kInt: return a.i == b.i;
    case T::kString: return a.s == b.s;
    case T::kFloats: return a.floats == b.floats;
    case T::kInts: return a.ints == b.ints;
    case T::kStrings: return a.strings == b.strings;
    case T::kTensor: return a.t.raw_data() == b.t.raw_data() && a.t.shape() == b.t.shape();
    default: return false;
  }
}

}  // namespace

bool attributes_equal(const ir::Node& a, const ir::Node& b) {
  if (a.attributes.size() != b.attributes.size()) return false;
  for (const auto& x : a.attributes) {
    const ir::Attribute* y = b.find_attribute(x.name);
    if (y == nullptr || !attribute_equal(x, *y)) return false;
  }
  return true;
}

bool as_doubles(const Tensor& t, std::vector<double>& out) {
  if (!TypeListTraits<FloatTypes>::contains(t.dtype())) return false;
  out.resize(static_cast<size_t>(t.numel()));
  (void)dispatch<FloatTypes>(t.dtype(), [&]<typename T>() {  // checked above
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) {
      if constexpr (std::is_same_v<T, double>) {
        out[i] = p[i];
      } else {
        out[i] = static_cast<double>(static_cast<float>(p[i]));
      }
    }
    return Status::OK();
  });
  return true;
}

bool is_all(const Tensor& t, double v) {
  if (t.numel() == 0) return false;
  bool ok = true;
  const Status s = dispatch<NumericTypes>(t.dtype(), [&]<typename T>() {
    const T* p = t.data<T>();
    for (int64_t i = 0; i < t.numel() && ok; ++i) {
      ok = static_cast<double>(static_cast<compute_t<T>>(p[i])) == v;
    }
    return Status::OK();
  });
  return s.ok() && ok;
}

bool scalar_value(const Tensor* t, double& v) {
  std::vector<double> d;
  if (t == nullptr || t->numel() != 1 || !as_doubles(*t, d)) return false;
  v = d[0];
  return true;
}

int64_t int_attr(const ir::Node& n, const char* name, int64_t fallback) {
  const ir::Attribute* a = n.find_attribute(name);
  return a != nullptr ? a->i : fallback;
}

std::vector<int64_t> ints_attr(const ir::Node& n, const char* name,
                               std::vector<int64_t> fallback) {
  const ir::Attribute* a = n.find_attribute(name);
  return a != nullptr ? a->ints : fallback;
}

bool all_equal(const std::vector<int64_t>& v, int64_t x) {
  return std::all_of(v.begin(), v.end(), [x](int64_t e) { return e == x; });
}

ir::Attribute make_int_attr(const std::string& name, int64_t v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kInt;
  a.i = v;
  return a;
}

ir::Attribute make_float_attr(const std::string& name, float v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kFloat;
  a.f = v;
  return a;
}

ir::Attribute make_floats_attr(const std::string& name, std::vector<float> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kFloats;
  a.floats = std::move(v);
  return a;
}

ir::Attribute make_string_attr(const std::string& name, std::string v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::Attribute::Type::kString;
  a.s = std::move(v);
  return a;
}

bool same_shape(const ir::TypeInfo* a, const ir::TypeInfo* b) {
  if (a == nullptr || b == nullptr || !a->shape || !b->shape || a->shape->size() != b->shape->size()) {
    return false;
  }
  for (size_t i = 0; i < a->shape->size(); ++i) {
    const ir::Dim &x = (*a->shape)[i], &y = (*b->shape)[i];
    if (x.is_known() || y.is_known()) {
      if (x.value != y.value) return false;
    } else if (x.symbol.empty() || x.symbol != y.symbol) {
      return false;
    }
  }
  return true;
}

}  // namespace onyx::opt::rules
