// View ops: Reshape, Flatten, Squeeze, Unsqueeze. They only change the shape, so the output
// shares the input's buffer (Tensor::reshaped).
#include <algorithm>

#include "ops/common/axes.h"
#include "ops/registry.h"
#include "ops/tensor/tensor_util.h"

namespace onyx {
namespace {

using tensor_ops::MovableTypes;
using tensor_ops::read_int_tensor;

// Resolves Reshape's requested shape (0 = copy the input dim unless allowzero, -1 = infer).
Result<Shape> reshape_target(const Shape& in, const std::vector<int64_t>& spec, bool allowzero) {
  Shape out(spec.size());
  int infer = -1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t d = spec[i];
    if (d == -1) {
      if (infer >= 0) return InvalidArgument("shape ", shape_to_string(spec), " has more than one -1");
      infer = static_cast<int>(i);
      out[i] = 1;
    } else if (d < -1) {
      return InvalidArgument("shape ", shape_to_string(spec), " has invalid dim ", d);
    } else if (d == 0 && !allowzero) {
      if (i >= in.size()) {
        return InvalidArgument("shape ", shape_to_string(spec), " copies dim ", i,
                               " (0) but the input has rank ", in.size());
      }
      out[i] = in[i];
    } else {
      has_zero = has_zero || d == 0;
      out[i] = d;
    }
  }
  if (allowzero && has_zero && infer >= 0) {
    return InvalidArgument("shape ", shape_to_string(spec), " has both 0 and -1 with allowzero");
  }
  const int64_t numel = shape_numel(in);
  const int64_t known = shape_numel(out);
  if (known < 0) return InvalidArgument("shape ", shape_to_string(spec), " is too large");
  if (infer >= 0) {
    if (known == 0) {
      if (numel != 0) {
        return InvalidArgument("cannot infer -1 in ", shape_to_string(spec), " for input ",
                               shape_to_string(in));
      }
      out[infer] = 0;  // ambiguous for empty inputs; 0 keeps the count at zero
    } else {
      if (numel % known != 0) {
        return InvalidArgument("cannot reshape ", shape_to_string(in), " to ",
                               shape_to_string(spec));
      }
      out[infer] = numel / known;
    }
  } else if (known != numel) {
    return InvalidArgument("cannot reshape ", shape_to_string(in), " (", numel, " elements) to ",
                           shape_to_string(out), " (", known, " elements)");
  }
  return out;
}

class Reshape final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    if (opset_ < 5) {
      ONYX_ASSIGN_OR_RETURN(shape_attr_, info.required_ints("shape"));
    }
    if (opset_ >= 14) {
      ONYX_ASSIGN_OR_RETURN(int64_t az, info.attr_int("allowzero", 0));
      allowzero_ = az != 0;
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    std::vector<int64_t> spec = shape_attr_;
    if (opset_ >= 5) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* s, ctx.required_input(1));
      auto r = read_int_tensor(*s, "shape");
      if (!r.ok()) return ctx.invalid_argument(r.status().message());
      spec = std::move(*r);
    }
    auto out = reshape_target(x->shape(), spec, allowzero_);
    if (!out.ok()) return ctx.invalid_argument(out.status().message());
    ctx.set_output(0, Value(x->reshaped(std::move(*out))));
    return Status::OK();
  }

 private:
  int opset_ = 0;
  bool allowzero_ = false;
  std::vector<int64_t> shape_attr_;
};

class Flatten final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 1));
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    int64_t axis = axis_;
    // Negative axes arrived in opset 11; the valid range is [-rank, rank] (rank: all in dim 0).
    if (axis < 0 && opset_ >= 11) axis += rank;
    if (axis < 0 || axis > rank) {
      return ctx.invalid_argument("axis ", axis_, " is out of range for rank ", rank);
    }
    const Shape& s = x->shape();
    const int64_t outer = tensor_ops::dims_product(s, 0, static_cast<size_t>(axis));
    const int64_t inner = tensor_ops::dims_product(s, static_cast<size_t>(axis), s.size());
    ctx.set_output(0, Value(x->reshaped({outer, inner})));
    return Status::OK();
  }

 private:
  int opset_ = 0;
  int64_t axis_ = 1;
};

// Squeeze / Unsqueeze: axes are an attribute before opset 13 and an input from 13.
class AxesKernel : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    from_input_ = info.opset() >= 13;
    if (!from_input_) {
      has_attr_axes_ = info.has_attr("axes");
      ONYX_ASSIGN_OR_RETURN(axes_attr_, info.attr_ints("axes", {}));
    }
    return Status::OK();
  }

 protected:
  // The axes, or nullopt-like `given == false` when omitted.
  Status read_axes(const KernelContext& ctx, std::vector<int64_t>* axes, bool* given) const {
    if (!from_input_) {
      *axes = axes_attr_;
      *given = has_attr_axes_;
      return Status::OK();
    }
    const Tensor* t = ctx.input(1);
    *given = t != nullptr;
    if (t == nullptr) return Status::OK();
    auto r = read_int_tensor(*t, "axes");
    if (!r.ok()) return ctx.invalid_argument(r.status().message());
    *axes = std::move(*r);
    return Status::OK();
  }

 private:
  bool from_input_ = false;
  bool has_attr_axes_ = false;
  std::vector<int64_t> axes_attr_;
};

class Squeeze final : public AxesKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    std::vector<int64_t> axes;
    bool given = false;
    ONYX_RETURN_IF_ERROR(read_axes(ctx, &axes, &given));
    const Shape& in = x->shape();
    std::vector<bool> drop(in.size(), false);
    // An empty axes tensor means "all unit dims", as when omitted (onnxruntime agrees).
    if (!given || axes.empty()) {
      for (size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
    } else {
      auto norm = normalize_axes(axes, static_cast<int64_t>(in.size()));
      if (!norm.ok()) return ctx.invalid_argument(norm.status().message());
      for (int64_t a : *norm) {
        if (in[static_cast<size_t>(a)] != 1) {
          return ctx.invalid_argument("cannot squeeze axis ", a, " of size ",
                                      in[static_cast<size_t>(a)], " in shape ",
                                      shape_to_string(in));
        }
        drop[static_cast<size_t>(a)] = true;
      }
    }
    Shape out;
    for (size_t d = 0; d < in.size(); ++d) {
      if (!drop[d]) out.push_back(in[d]);
    }
    ctx.set_output(0, Value(x->reshaped(std::move(out))));
    return Status::OK();
  }
};

class Unsqueeze final : public AxesKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    std::vector<int64_t> axes;
    bool given = false;
    ONYX_RETURN_IF_ERROR(read_axes(ctx, &axes, &given));
    if (!given) return ctx.invalid_argument("Unsqueeze requires axes");
    const Shape& in = x->shape();
    const int64_t out_rank = static_cast<int64_t>(in.size() + axes.size());
    auto norm = normalize_axes(axes, out_rank);
    if (!norm.ok()) return ctx.invalid_argument(norm.status().message());
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : *norm) inserted[static_cast<size_t>(a)] = true;
    Shape out(static_cast<size_t>(out_rank));
    size_t k = 0;
    for (size_t d = 0; d < out.size(); ++d) out[d] = inserted[d] ? 1 : in[k++];
    ctx.set_output(0, Value(x->reshaped(std::move(out))));
    return Status::OK();
  }
};

}  // namespace

void register_reshape_ops(KernelRegistry& r) {
  r.add_versions<Reshape, MovableTypes>("", "Reshape", {1, 5, 13, 14, 19, 21, 23, 24, 25});
  r.add_versions<Flatten, MovableTypes>("", "Flatten", {1, 9, 11, 13, 21, 23, 24, 25});
  r.add_versions<Squeeze, MovableTypes>("", "Squeeze", {1, 11, 13, 21, 23, 24, 25});
  r.add_versions<Unsqueeze, MovableTypes>("", "Unsqueeze", {1, 11, 13, 21, 23, 24, 25});
}

}  // namespace onyx
