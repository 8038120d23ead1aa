// If: runs then_branch or else_branch; outputs are whatever the branch produced (tensors of any
// shape, sequences, optionals).
#include "ops/control/control_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class If final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(then_, control::BoundBody::bind(info, "then_branch"));
    ONYX_ASSIGN_OR_RETURN(else_, control::BoundBody::bind(info, "else_branch"));
    for (const auto* b : {&then_, &else_}) {
      const char* which = b == &then_ ? "then_branch" : "else_branch";
      if (b->num_inputs() != 0) {
        return info.error(StatusCode::kInvalidGraph, which, " must have no inputs, has ",
                          b->num_inputs());
      }
      if (b->num_outputs() != info.num_outputs()) {
        return info.error(StatusCode::kInvalidGraph, which, " has ", b->num_outputs(),
                          " outputs, the node has ", info.num_outputs());
      }
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* cond, ctx.required_input(0));
    if (cond->dtype() != DataType::kBool || cond->numel() != 1) {
      return ctx.invalid_argument("cond must be a bool tensor with one element, got ",
                                  ctx.input_value(0)->describe());
    }
    const control::BoundBody& branch = cond->data<bool>()[0] ? then_ : else_;
    ONYX_ASSIGN_OR_RETURN(std::vector<Value> outs, branch.run(ctx, {}));
    for (size_t i = 0; i < outs.size() && i < ctx.num_outputs(); ++i) {
      if (ctx.output_requested(i) && outs[i].is_none()) {
        return ctx.error(StatusCode::kRuntimeError, cond->data<bool>()[0] ? "then" : "else",
                         "_branch produced no value for output ", i);
      }
      ctx.set_output(i, std::move(outs[i]));
    }
    return Status::OK();
  }

 private:
  control::BoundBody then_;
  control::BoundBody else_;
};

}  // namespace

void register_control_if(KernelRegistry& r) {
  r.add_versions<If>("", "If", {1, 11, 13, 16, 19, 21, 23, 24, 25}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
