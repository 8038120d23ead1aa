// Constant and ConstantOfShape.
#include "ops/registry.h"

namespace onyx {
namespace {

// The value is built once in init() from whichever attribute is present; compute() hands out
// the same buffer each run (no copy: Constant nodes often hold large weights).
class Constant final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    const ir::Node& node = info.node();
    int found = 0;
    for (const ir::Attribute& a : node.attributes) {
      using AT = ir::Attribute::Type;
      if (a.name == "value" || a.name == "sparse_value") {
        if (a.type != AT::kTensor) return bad_type(info, a.name);
        value_ = a.t;
      } else if (a.name == "value_float") {
        if (a.type != AT::kFloat) return bad_type(info, a.name);
        value_ = Tensor::scalar<float>(a.f);
      } else if (a.name == "value_floats") {
        if (a.type != AT::kFloats) return bad_type(info, a.name);
        value_ = Tensor::from_vector<float>(a.floats, {static_cast<int64_t>(a.floats.size())});
      } else if (a.name == "value_int") {
        if (a.type != AT::kInt) return bad_type(info, a.name);
        value_ = Tensor::scalar<int64_t>(a.i);
      } else if (a.name == "value_ints") {
        if (a.type != AT::kInts) return bad_type(info, a.name);
        value_ = Tensor::from_vector<int64_t>(a.ints, {static_cast<int64_t>(a.ints.size())});
      } else if (a.name == "value_string") {
        if (a.type != AT::kString) return bad_type(info, a.name);
        value_ = Tensor::scalar<std::string>(a.s);
      } else if (a.name == "value_strings") {
        if (a.type != AT::kStrings) return bad_type(info, a.name);
        value_ = Tensor::from_vector<std::string>(a.strings,
                                                  {static_cast<int64_t>(a.strings.size())});
      } else {
        continue;
      }
      ++found;
    }
    if (found != 1) {
      return info.error(StatusCode::kInvalidGraph,
                        "exactly one of value, sparse_value, value_float(s), value_int(s), "
                        "value_string(s) must be given, found ", found);
    }
    if (!value_.defined()) {
      return info.error(StatusCode::kInvalidGraph, "the value attribute holds no tensor");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ctx.set_output(0, Value(value_));
    return Status::OK();
  }

 private:
  static Status bad_type(const KernelInfo& info, const std::string& name) {
    return info.error(StatusCode::kInvalidGraph, "attribute '", name, "' has the wrong type");
  }
  Tensor value_;
};

// Output of the shape given by a 1-D int64 input, filled with the one-element `value`
// attribute (default: float 0).
class ConstantOfShape final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if (info.has_attr("value")) {
      ONYX_ASSIGN_OR_RETURN(value_, info.required_tensor("value"));
      if (value_.numel() != 1) {
        return info.error(StatusCode::kInvalidGraph, "attribute 'value' must hold one element, got ",
                          value_.numel());
      }
    } else {
      value_ = Tensor::scalar<float>(0.f);
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* in, ctx.required_input(0));
    if (in->dtype() != DataType::kInt64) {
      return ctx.invalid_argument("input must be int64, got ", data_type_name(in->dtype()));
    }
    if (in->rank() > 1) {
      return ctx.invalid_argument("input must be 1-D, got shape ", shape_to_string(in->shape()));
    }
    Shape shape(in->data<int64_t>(), in->data<int64_t>() + in->numel());
    for (int64_t d : shape) {
      if (d < 0) return ctx.invalid_argument("negative dimension ", d, " in shape");
    }
    if (shape_numel(shape) < 0) return ctx.invalid_argument("shape ", shape_to_string(shape), " is too large");
    Tensor& out = ctx.allocate_output(0, value_.dtype(), shape);
    return dispatch<AllTypes>(value_.dtype(), [&]<typename T>() {
      const T v = value_.data<T>()[0];
      T* o = out.data<T>();
      for (int64_t i = 0; i < out.numel(); ++i) o[i] = v;
      return Status::OK();
    });
  }

 private:
  Tensor value_;
};

}  // namespace

void register_constant(KernelRegistry& r) {
  r.add_versions<Constant, AllTypes>("", "Constant", {1, 9, 11, 12, 13, 19, 21, 23, 24, 25},
                                     kMaxOnnxOpset, /*type_input=*/-1);
  r.add_versions<ConstantOfShape, AllTypes>("", "ConstantOfShape", {9, 20, 21, 23, 24, 25},
                                            kMaxOnnxOpset, /*type_input=*/-1);
}

}  // namespace onyx
