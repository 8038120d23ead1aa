// Optional, OptionalHasElement, OptionalGetElement.
//
// The executor hands a kernel "input absent" as a null input; an empty optional is a kOptional
// Value without an inner value. The two differ: OptionalHasElement is false for both, but only
// the empty optional is a value of optional type.
#include "ops/registry.h"

namespace onyx {
namespace {

class Optional final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if (!info.has_input(0) && !info.has_attr("type")) {
      return info.error(StatusCode::kInvalidGraph,
                        "without an input, the attribute 'type' must give the element type");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v == nullptr) {
      ctx.set_output(0, Value::optional(nullptr));
      return Status::OK();
    }
    if (v->is_optional()) {
      return ctx.invalid_argument("input must be a tensor or a sequence, got ", v->describe());
    }
    ctx.set_output(0, Value::optional(std::make_shared<Value>(*v)));
    return Status::OK();
  }
};

class OptionalHasElement final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if (info.opset() < 18 && !info.has_input(0)) {
      return info.error(StatusCode::kInvalidGraph, "input is required before opset 18");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    bool has = false;
    if (v == nullptr) {
      has = false;
    } else if (v->is_optional()) {
      has = v->has_optional_value();
    } else {
      has = true;  // a plain tensor / sequence (opset 18 allows it; Loop bodies feed them earlier)
    }
    ctx.set_output(0, Value(Tensor::scalar<bool>(has)));
    return Status::OK();
  }
};

class OptionalGetElement final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v == nullptr) return ctx.invalid_argument("input is missing");
    if (v->is_optional()) {
      if (!v->has_optional_value()) {
        return ctx.invalid_argument("the optional input is empty");
      }
      ctx.set_output(0, *v->optional_value());
      return Status::OK();
    }
    // A plain tensor / sequence passes through (opset 18 allows it; opset 15-17 Loop bodies that
    // carry optional(seq) receive the unwrapped sequence from iteration 1 on, as in ONNX's tests).
    ctx.set_output(0, *v);
    return Status::OK();
  }
};

}  // namespace

void register_sequence_optional(KernelRegistry& r) {
  r.add_versions<Optional>("", "Optional", {15}, kMaxOnnxOpset, -1);
  r.add_versions<OptionalHasElement>("", "OptionalHasElement", {15, 18}, kMaxOnnxOpset, -1);
  r.add_versions<OptionalGetElement>("", "OptionalGetElement", {15, 18}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
