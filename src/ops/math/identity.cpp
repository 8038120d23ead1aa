// Identity: passes any value (tensor, sequence, optional, map) through; tensors share the buffer.
#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

class IdentityKernel final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (v == nullptr) return ctx.invalid_argument("input 0 is missing");
    ctx.set_output(0, *v);
    return Status::OK();
  }
};

}  // namespace

void register_identity(KernelRegistry& r) {
  // Any type: type_input -1 (sequences and optionals have no tensor dtype).
  r.add_versions<IdentityKernel, AllTypes>("", "Identity", {1, 13, 14, 16, 19, 21, 23, 24, 25},
                                           kMaxOnnxOpset, /*type_input=*/-1);
}

}  // namespace onyx::math
