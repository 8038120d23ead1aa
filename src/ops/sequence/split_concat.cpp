// SplitToSequence and ConcatFromSequence.
#include <cstring>

#include "ops/common/block_copy.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class SplitToSequence final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
    ONYX_ASSIGN_OR_RETURN(int64_t keep, info.attr_int("keepdims", 1));
    keepdims_ = keep != 0;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (!block_copyable(x->dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ", data_type_name(x->dtype()),
                       " is not supported");
    }
    const int64_t r = static_cast<int64_t>(x->rank());
    if (axis_ < -r || axis_ >= r) {
      return ctx.invalid_argument("axis ", axis_, " is out of range for rank ", r);
    }
    const size_t axis = static_cast<size_t>(axis_ < 0 ? axis_ + r : axis_);
    const int64_t dim = x->dim(axis);
    std::vector<int64_t> lengths;
    bool squeeze = false;
    if (!ctx.has_input(1)) {
      lengths.assign(static_cast<size_t>(dim), 1);
      squeeze = !keepdims_;
    } else {
      const Tensor* s = ctx.input(1);
      if (s == nullptr || s->rank() > 1 ||
          (s->dtype() != DataType::kInt64 && s->dtype() != DataType::kInt32)) {
        return ctx.invalid_argument("split must be an int32/int64 scalar or 1-D tensor, got ",
                                    ctx.input_value(1)->describe());
      }
      auto at = [&](int64_t i) {
        return s->dtype() == DataType::kInt64 ? s->data<int64_t>()[i]
                                              : static_cast<int64_t>(s->data<int32_t>()[i]);
      };
      if (s->rank() == 0) {
        const int64_t chunk = at(0);
        if (chunk <= 0) return ctx.invalid_argument("split must be positive, got ", chunk);
        for (int64_t done = 0; done < dim; done += chunk) lengths.push_back(std::min(chunk, dim - done));
      } else {
        int64_t sum = 0;
        for (int64_t i = 0; i < s->numel(); ++i) {
          const int64_t l = at(i);
          if (l < 0) return ctx.invalid_argument("split[", i, "] = ", l, " is negative");
          sum += l;
          if (sum > dim) break;
          lengths.push_back(l);
        }
        if (sum != dim) {
          return ctx.invalid_argument("split lengths sum to ", sum, " but axis ", axis,
                                      " has size ", dim);
        }
      }
    }
    const Shape& shape = x->shape();
    const int64_t outer = dims_product(shape, 0, axis);
    const int64_t inner = dims_product(shape, axis + 1, shape.size());
    std::vector<Value> items;
    items.reserve(lengths.size());
    int64_t offset = 0;
    for (int64_t l : lengths) {
      Shape part = shape;
      part[axis] = l;
      Tensor t(x->dtype(), part);
      copy_blocks(*x, offset * inner, dim * inner, t, 0, l * inner, outer, l * inner);
      if (squeeze) {
        part.erase(part.begin() + static_cast<std::ptrdiff_t>(axis));
        t = t.reshaped(part);
      }
      items.emplace_back(std::move(t));
      offset += l;
    }
    ctx.set_output(0, Value::sequence(x->dtype(), std::move(items)));
    return Status::OK();
  }

 private:
  int64_t axis_ = 0;
  bool keepdims_ = true;
};

class ConcatFromSequence final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.required_int("axis"));
    ONYX_ASSIGN_OR_RETURN(int64_t n, info.attr_int("new_axis", 0));
    if (n != 0 && n != 1) {
      return info.error(StatusCode::kInvalidGraph, "new_axis must be 0 or 1, got ", n);
    }
    new_axis_ = n == 1;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    const Value* seq = ctx.input_value(0);
    if (seq == nullptr || !seq->is_sequence()) {
      return ctx.invalid_argument("input must be a sequence, got ",
                                  seq ? seq->describe() : std::string("nothing"));
    }
    const auto& items = seq->items();
    if (items.empty()) return ctx.invalid_argument("cannot concatenate an empty sequence");
    std::vector<const Tensor*> ts;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_tensor()) {
        return ctx.invalid_argument("sequence item ", i, " is not a tensor: ", items[i].describe());
      }
      ts.push_back(&items[i].tensor());
    }
    const Tensor& first = *ts[0];
    if (!block_copyable(first.dtype())) {
      return ctx.error(StatusCode::kNotImplemented, "element type ",
                       data_type_name(first.dtype()), " is not supported");
    }
    const int64_t r = static_cast<int64_t>(first.rank());
    const int64_t out_rank = new_axis_ ? r + 1 : r;
    if (axis_ < -out_rank || axis_ >= out_rank) {
      return ctx.invalid_argument("axis ", axis_, " is out of range for ", new_axis_ ? "stacking " : "",
                                  "tensors of rank ", r);
    }
    const size_t axis = static_cast<size_t>(axis_ < 0 ? axis_ + out_rank : axis_);
    // View each item with the concatenation axis present (size 1 when stacking).
    std::vector<Shape> shapes;
    for (size_t i = 0; i < ts.size(); ++i) {
      const Tensor& t = *ts[i];
      if (t.dtype() != first.dtype() || t.rank() != first.rank()) {
        return ctx.invalid_argument("sequence item ", i, " is ", items[i].describe(),
                                    ", item 0 is ", items[0].describe());
      }
      Shape s = t.shape();
      if (new_axis_) s.insert(s.begin() + static_cast<std::ptrdiff_t>(axis), 1);
      for (size_t d = 0; d < s.size(); ++d) {
        const int64_t ref = new_axis_ && d == axis ? 1 : (shapes.empty() ? s[d] : shapes[0][d]);
        if (d != axis && s[d] != ref) {
          return ctx.invalid_argument("sequence item ", i, " has shape ", shape_to_string(t.shape()),
                                      ", incompatible with item 0's ", shape_to_string(first.shape()),
                                      " for concatenation along axis ", axis);
        }
      }
      shapes.push_back(std::move(s));
    }
    Shape out_shape = shapes[0];
    int64_t total = 0;
    for (const auto& s : shapes) total += s[axis];
    out_shape[axis] = total;
    Tensor& y = ctx.allocate_output(0, first.dtype(), out_shape);
    const int64_t outer = dims_product(out_shape, 0, axis);
    const int64_t inner = dims_product(out_shape, axis + 1, out_shape.size());
    int64_t offset = 0;
    for (size_t i = 0; i < ts.size(); ++i) {
      const int64_t l = shapes[i][axis];
      copy_blocks(*ts[i], 0, l * inner, y, offset * inner, total * inner, outer, l * inner);
      offset += l;
    }
    return Status::OK();
  }

 private:
  int64_t axis_ = 0;
  bool new_axis_ = false;
};

}  // namespace

void register_sequence_split_concat(KernelRegistry& r) {
  r.add_versions<SplitToSequence>("", "SplitToSequence", {11, 24}, kMaxOnnxOpset, -1);
  r.add_versions<ConcatFromSequence>("", "ConcatFromSequence", {11}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
