// Shape and Size: metadata of the input, as int64 tensors. Any element type is accepted.
#include <algorithm>

#include "ops/registry.h"

namespace onyx {
namespace {

class ShapeOp final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    if (info.opset() >= 15) {
      ONYX_ASSIGN_OR_RETURN(start_, info.attr_int("start", 0));
      has_end_ = info.has_attr("end");
      ONYX_ASSIGN_OR_RETURN(end_, info.attr_int("end", 0));
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    // start/end (opset 15) select dims like a Python slice, clamped to [0, rank].
    auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const int64_t s = clamp(start_);
    const int64_t e = has_end_ ? clamp(end_) : rank;
    const int64_t n = std::max<int64_t>(0, e - s);
    Tensor& y = ctx.allocate_output(0, DataType::kInt64, {n});
    for (int64_t i = 0; i < n; ++i) y.data<int64_t>()[i] = x->dim(static_cast<size_t>(s + i));
    return Status::OK();
  }

 private:
  int64_t start_ = 0;
  int64_t end_ = 0;
  bool has_end_ = false;
};

class SizeOp final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    Tensor& y = ctx.allocate_output(0, DataType::kInt64, {});
    *y.data<int64_t>() = x->numel();
    return Status::OK();
  }
};

// Like add_versions, with no element-type restriction (the input is only inspected).
template <typename K>
void add_any_type(KernelRegistry& r, const char* op, const std::vector<int>& since) {
  for (size_t i = 0; i < since.size(); ++i) {
    const int until = i + 1 < since.size() ? since[i + 1] - 1 : kMaxOnnxOpset;
    r.add(KernelDef{"", op, since[i], until, {}, -1, kernel_factory<K>()});
  }
}

}  // namespace

void register_shape_size(KernelRegistry& r) {
  add_any_type<ShapeOp>(r, "Shape", {1, 13, 15, 19, 21, 23, 24, 25});
  add_any_type<SizeOp>(r, "Size", {1, 13, 19, 21, 23, 24, 25});
}

}  // namespace onyx
