// Transpose: a strided read of the input (tensor_util's strided_copy does the work).
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;

class Transpose final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    has_perm_ = info.has_attr("perm");
    ONYX_ASSIGN_OR_RETURN(perm_, info.attr_ints("perm", {}));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const size_t rank = x->rank();
    std::vector<int64_t> perm = perm_;
    if (!has_perm_) {
      perm.resize(rank);
      for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
    }
    if (perm.size() != rank) {
      return ctx.invalid_argument("perm has ", perm.size(), " entries for an input of rank ", rank);
    }
    std::vector<bool> seen(rank, false);
    for (int64_t& p : perm) {
      // Negative entries are not in the spec, but are unambiguous; accept them like numpy.
      if (p < 0) p += static_cast<int64_t>(rank);
      if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) {
        return ctx.invalid_argument("perm ", shape_to_string(perm_), " is not a permutation of ",
                                    rank, " axes");
      }
      seen[static_cast<size_t>(p)] = true;
    }
    const Shape& in = x->shape();
    const std::vector<int64_t> in_strides = tensor_ops::contiguous_strides(in);
    Shape out(rank);
    std::vector<int64_t> strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      out[i] = in[static_cast<size_t>(perm[i])];
      strides[i] = in_strides[static_cast<size_t>(perm[i])];
    }
    // When the dims of size > 1 keep their order the bytes do not move: return a view.
    bool moves = false;
    int64_t last = -1;
    for (size_t i = 0; i < rank; ++i) {
      if (out[i] == 1) continue;
      if (perm[i] < last) moves = true;
      last = perm[i];
    }
    if (!moves) {
      ctx.set_output(0, Value(x->reshaped(std::move(out))));
      return Status::OK();
    }
    if (!tensor_ops::movable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(x->dtype()), " is not supported");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out);
    tensor_ops::strided_copy(x->dtype(), x->raw_data(), 0, y.shape(), strides, y.raw_data(),
                             ctx.pool());
    return Status::OK();
  }

 private:
  bool has_perm_ = false;
  std::vector<int64_t> perm_;
};

}  // namespace

void register_transpose(KernelRegistry& r) {
  r.add_versions<Transpose, MovableTypes>("", "Transpose", {1, 13, 21, 23, 24, 25});
}

}  // namespace onyx
