// StringConcat: Z = X + Y element-wise on string tensors, with NumPy broadcasting. Byte-wise
// concatenation of two UTF-8 strings is UTF-8, so no decoding is needed.
#include <string>

#include "ops/common/broadcast.h"
#include "ops/registry.h"
#include "ops/string/register.h"

namespace onyx {
namespace {

class StringConcat final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* y, ctx.required_input(1));
    if (x->dtype() != DataType::kString || y->dtype() != DataType::kString) {
      return ctx.invalid_argument("X and Y must be string tensors, got ",
                                  data_type_name(x->dtype()), " and ", data_type_name(y->dtype()));
    }
    auto shape = broadcast_shapes({x->shape(), y->shape()});
    if (!shape.ok()) return ctx.invalid_argument(shape.status().message());
    Tensor& z = ctx.allocate_output(0, DataType::kString, *shape);
    const std::vector<int64_t> strides[2] = {broadcast_strides(x->shape(), *shape),
                                             broadcast_strides(y->shape(), *shape)};
    const std::string* a = x->data<std::string>();
    const std::string* b = y->data<std::string>();
    std::string* out = z.data<std::string>();
    for_each_broadcast(*shape, strides, [&](int64_t o, const int64_t* idx) {
      const std::string& l = a[idx[0]];
      const std::string& r = b[idx[1]];
      std::string& s = out[o];
      s.reserve(l.size() + r.size());
      s.append(l).append(r);
    });
    return Status::OK();
  }
};

}  // namespace

void register_string_concat(KernelRegistry& r) {
  r.add_versions<StringConcat, TypeList<std::string>>("", "StringConcat", {20});
}

}  // namespace onyx
