// Scan. Opset 8: a leading optional sequence_lens input and a batch axis 0 on every state and
// scan input (scan inputs are [batch, seq, ...]); scan outputs are [batch, max_seq, ...], zero
// padded past each batch entry's length. Opset 9+: no batch axis; per-input scan axes and
// directions, per-output axes and directions (negative axes from opset 11).
#include "ops/control/control_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using control::BoundBody;

Status check_flags(const KernelInfo& info, const std::vector<int64_t>& v, const char* name) {
  for (int64_t d : v) {
    if (d != 0 && d != 1) {
      return info.error(StatusCode::kInvalidGraph, name, " must hold 0 (forward) or 1 (reverse), got ", d);
    }
  }
  return Status::OK();
}

Result<std::vector<int64_t>> read_list(const KernelInfo& info, const char* name, size_t count) {
  ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> v, info.attr_ints(name, {}));
  if (v.empty()) return std::vector<int64_t>(count, 0);
  if (v.size() != count) {
    return info.error(StatusCode::kInvalidGraph, "attribute ", name, " has ", v.size(),
                      " entries, expected ", count);
  }
  return v;
}

// Checks that per-iteration value `v` matches the first one seen for the same output.
Status check_consistent(const KernelContext& ctx, const Value& v, const Tensor* first,
                        const char* what, size_t k) {
  if (!v.is_tensor()) {
    return ctx.invalid_argument(what, " ", k, " must be a tensor, got ", v.describe());
  }
  if (!control::copyable(v.tensor().dtype())) {
    return ctx.error(StatusCode::kNotImplemented, what, " ", k, " of element type ",
                     data_type_name(v.tensor().dtype()), " is not supported");
  }
  if (first != nullptr &&
      (first->dtype() != v.tensor().dtype() || first->shape() != v.tensor().shape())) {
    return ctx.invalid_argument(what, " ", k, " is ", v.describe(), " but was ",
                                Value(*first).describe(), " in an earlier iteration");
  }
  return Status::OK();
}

Status check_state(const KernelContext& ctx, const Value& v, const Value& initial, size_t i) {
  if (!v.is_tensor()) {
    return ctx.invalid_argument("state ", i, " must be a tensor, got ", v.describe());
  }
  if (initial.is_tensor() && initial.tensor().dtype() != v.tensor().dtype()) {
    return ctx.invalid_argument("state ", i, " changed type from ", initial.describe(), " to ",
                                v.describe());
  }
  return Status::OK();
}

// Places per-iteration tensors items[t] (same shape S) at positions pos[t] along axis `axis` of a
// new tensor of shape S with `len` inserted at `axis`.
void stack_into(Tensor& y, const std::vector<Tensor>& items, const std::vector<int64_t>& pos,
                size_t axis, int64_t len) {
  const Shape& s = items.front().shape();
  const int64_t outer = control::dims_product(s, 0, axis);
  const int64_t inner = control::dims_product(s, axis, s.size());
  for (size_t t = 0; t < items.size(); ++t) {
    control::copy_blocks(items[t], 0, inner, y, pos[t] * inner, len * inner, outer, inner);
  }
}

class Scan9 final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(body_, BoundBody::bind(info, "body"));
    ONYX_ASSIGN_OR_RETURN(int64_t m, info.required_int("num_scan_inputs"));
    if (m < 1 || static_cast<size_t>(m) > info.num_inputs()) {
      return info.error(StatusCode::kInvalidGraph, "num_scan_inputs is ", m, " but the node has ",
                        info.num_inputs(), " inputs");
    }
    num_scan_in_ = static_cast<size_t>(m);
    num_state_ = info.num_inputs() - num_scan_in_;
    if (info.num_outputs() < num_state_) {
      return info.error(StatusCode::kInvalidGraph, "has ", num_state_, " state inputs but only ",
                        info.num_outputs(), " outputs");
    }
    num_scan_out_ = info.num_outputs() - num_state_;
    if (body_.num_inputs() != num_state_ + num_scan_in_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", num_state_ + num_scan_in_,
                        " inputs (", num_state_, " states and ", num_scan_in_,
                        " scan inputs), has ", body_.num_inputs());
    }
    if (body_.num_outputs() != num_state_ + num_scan_out_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", num_state_ + num_scan_out_,
                        " outputs (", num_state_, " states and ", num_scan_out_,
                        " scan outputs), has ", body_.num_outputs());
    }
    ONYX_ASSIGN_OR_RETURN(in_dirs_, read_list(info, "scan_input_directions", num_scan_in_));
    ONYX_ASSIGN_OR_RETURN(in_axes_, read_list(info, "scan_input_axes", num_scan_in_));
    ONYX_ASSIGN_OR_RETURN(out_dirs_, read_list(info, "scan_output_directions", num_scan_out_));
    ONYX_ASSIGN_OR_RETURN(out_axes_, read_list(info, "scan_output_axes", num_scan_out_));
    ONYX_RETURN_IF_ERROR(check_flags(info, in_dirs_, "scan_input_directions"));
    ONYX_RETURN_IF_ERROR(check_flags(info, out_dirs_, "scan_output_directions"));
    if (opset_ < 11) {
      for (const auto* axes : {&in_axes_, &out_axes_}) {
        for (int64_t a : *axes) {
          if (a < 0) {
            return info.error(StatusCode::kInvalidGraph,
                              "negative scan axes need Scan opset 11 or later, got ", a);
          }
        }
      }
    }
    for (size_t k = 0; k < num_scan_out_; ++k) {
      out_types_.push_back(control::static_output_type(body_.ir(), num_state_ + k));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    std::vector<Value> states(num_state_);
    for (size_t i = 0; i < num_state_; ++i) {
      const Value* v = ctx.input_value(i);
      if (v == nullptr || !v->is_tensor()) {
        return ctx.invalid_argument("initial state ", i, " must be a tensor, got ",
                                    v ? v->describe() : std::string("nothing"));
      }
      states[i] = *v;
    }
    std::vector<const Tensor*> xs(num_scan_in_);
    std::vector<size_t> axes(num_scan_in_);
    int64_t len = -1;
    for (size_t j = 0; j < num_scan_in_; ++j) {
      ONYX_ASSIGN_OR_RETURN(xs[j], ctx.required_input(num_state_ + j));
      const int64_t r = static_cast<int64_t>(xs[j]->rank());
      const int64_t a = in_axes_[j];
      if (a < -r || a >= r) {
        return ctx.invalid_argument("scan_input_axes[", j, "] = ", a,
                                    " is out of range for scan input ", j, " of rank ", r);
      }
      if (!control::copyable(xs[j]->dtype())) {
        return ctx.error(StatusCode::kNotImplemented, "scan input of element type ",
                         data_type_name(xs[j]->dtype()), " is not supported");
      }
      axes[j] = static_cast<size_t>(a < 0 ? a + r : a);
      const int64_t l = xs[j]->dim(axes[j]);
      if (len >= 0 && l != len) {
        return ctx.invalid_argument("scan input ", j, " has sequence length ", l,
                                    " along axis ", axes[j], ", scan input 0 has ", len);
      }
      len = l;
    }

    std::vector<std::vector<Tensor>> scans(num_scan_out_);
    for (int64_t t = 0; t < len; ++t) {
      std::vector<Value> inputs = states;
      for (size_t j = 0; j < num_scan_in_; ++j) {
        const int64_t idx = in_dirs_[j] ? len - 1 - t : t;
        inputs.emplace_back(control::slice_along(*xs[j], axes[j], idx));
      }
      auto run = body_.run(ctx, std::move(inputs));
      if (!run.ok()) {
        return run.status().with_context(ctx.node().describe() + ": iteration " +
                                         std::to_string(t) + ": ");
      }
      std::vector<Value>& outs = *run;
      for (size_t i = 0; i < num_state_; ++i) {
        ONYX_RETURN_IF_ERROR(check_state(ctx, outs[i], states[i], i));
        states[i] = std::move(outs[i]);
      }
      for (size_t k = 0; k < num_scan_out_; ++k) {
        const Value& v = outs[num_state_ + k];
        ONYX_RETURN_IF_ERROR(check_consistent(ctx, v, scans[k].empty() ? nullptr : &scans[k][0],
                                              "scan output", k));
        scans[k].push_back(v.tensor());
      }
    }

    for (size_t i = 0; i < num_state_; ++i) ctx.set_output(i, std::move(states[i]));
    for (size_t k = 0; k < num_scan_out_; ++k) {
      const size_t out = num_state_ + k;
      const bool have = !scans[k].empty();
      const Shape per_iter = have ? scans[k][0].shape() : out_types_[k].shape;
      const int64_t r = static_cast<int64_t>(per_iter.size());
      int64_t a = out_axes_[k];
      if (a < -(r + 1) || a > r) {
        if (!have && !out_types_[k].known_rank) {
          a = 0;  // zero iterations and no static shape: nothing to check against
        } else {
          return ctx.invalid_argument("scan_output_axes[", k, "] = ", a,
                                      " is out of range for scan output ", k, " of rank ", r);
        }
      }
      const size_t axis = static_cast<size_t>(a < 0 ? a + r + 1 : a);
      Shape shape = per_iter;
      shape.insert(shape.begin() + static_cast<std::ptrdiff_t>(axis), std::max<int64_t>(len, 0));
      if (!have) {
        ctx.allocate_output(out, out_types_[k].dtype, shape);
        continue;
      }
      Tensor& y = ctx.allocate_output(out, scans[k][0].dtype(), shape);
      std::vector<int64_t> pos(scans[k].size());
      for (size_t t = 0; t < pos.size(); ++t) {
        pos[t] = out_dirs_[k] ? len - 1 - static_cast<int64_t>(t) : static_cast<int64_t>(t);
      }
      stack_into(y, scans[k], pos, axis, len);
    }
    return Status::OK();
  }

 private:
  int opset_ = 0;
  BoundBody body_;
  size_t num_state_ = 0, num_scan_in_ = 0, num_scan_out_ = 0;
  std::vector<int64_t> in_dirs_, in_axes_, out_dirs_, out_axes_;
  std::vector<control::StaticTensorType> out_types_;
};

class Scan8 final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(body_, BoundBody::bind(info, "body"));
    ONYX_ASSIGN_OR_RETURN(int64_t m, info.required_int("num_scan_inputs"));
    if (m < 1 || static_cast<size_t>(m) + 1 > info.num_inputs()) {
      return info.error(StatusCode::kInvalidGraph, "num_scan_inputs is ", m, " but the node has ",
                        info.num_inputs(), " inputs (including sequence_lens)");
    }
    num_scan_in_ = static_cast<size_t>(m);
    num_state_ = info.num_inputs() - 1 - num_scan_in_;
    if (info.num_outputs() < num_state_) {
      return info.error(StatusCode::kInvalidGraph, "has ", num_state_, " state inputs but only ",
                        info.num_outputs(), " outputs");
    }
    num_scan_out_ = info.num_outputs() - num_state_;
    if (body_.num_inputs() != num_state_ + num_scan_in_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", num_state_ + num_scan_in_,
                        " inputs (", num_state_, " states and ", num_scan_in_,
                        " scan inputs), has ", body_.num_inputs());
    }
    if (body_.num_outputs() != num_state_ + num_scan_out_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", num_state_ + num_scan_out_,
                        " outputs (", num_state_, " states and ", num_scan_out_,
                        " scan outputs), has ", body_.num_outputs());
    }
    ONYX_ASSIGN_OR_RETURN(dirs_, read_list(info, "directions", num_scan_in_));
    ONYX_RETURN_IF_ERROR(check_flags(info, dirs_, "directions"));
    for (size_t k = 0; k < num_scan_out_; ++k) {
      out_types_.push_back(control::static_output_type(body_.ir(), num_state_ + k));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    // Batch size and max sequence length from the scan inputs: [batch, seq, ...].
    std::vector<Tensor> xs(num_scan_in_);  // reshaped to [batch * seq, ...]
    int64_t batch = -1, len = -1;
    for (size_t j = 0; j < num_scan_in_; ++j) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(1 + num_state_ + j));
      if (x->rank() < 2) {
        return ctx.invalid_argument("scan input ", j, " must have rank >= 2 ([batch, sequence, ...]), got ",
                                    shape_to_string(x->shape()));
      }
      if (!control::copyable(x->dtype())) {
        return ctx.error(StatusCode::kNotImplemented, "scan input of element type ",
                         data_type_name(x->dtype()), " is not supported");
      }
      if (j > 0 && (x->dim(0) != batch || x->dim(1) != len)) {
        return ctx.invalid_argument("scan input ", j, " has shape ", shape_to_string(x->shape()),
                                    "; expected [", batch, ", ", len, ", ...] like scan input 0");
      }
      batch = x->dim(0);
      len = x->dim(1);
      Shape flat{batch * len};
      for (size_t d = 2; d < x->rank(); ++d) flat.push_back(x->dim(d));
      xs[j] = x->reshaped(flat);
    }
    std::vector<const Tensor*> init(num_state_);
    for (size_t i = 0; i < num_state_; ++i) {
      ONYX_ASSIGN_OR_RETURN(init[i], ctx.required_input(1 + i));
      if (init[i]->rank() < 1 || init[i]->dim(0) != batch) {
        return ctx.invalid_argument("initial state ", i, " has shape ",
                                    shape_to_string(init[i]->shape()), "; expected batch size ",
                                    batch, " in axis 0");
      }
      if (!control::copyable(init[i]->dtype())) {
        return ctx.error(StatusCode::kNotImplemented, "state of element type ",
                         data_type_name(init[i]->dtype()), " is not supported");
      }
    }
    std::vector<int64_t> lens(static_cast<size_t>(batch), len);
    if (ctx.has_input(0)) {
      const Tensor* sl = ctx.input(0);
      if (sl == nullptr || sl->dtype() != DataType::kInt64 || sl->rank() != 1 ||
          sl->dim(0) != batch) {
        return ctx.invalid_argument("sequence_lens must be an int64 tensor of shape [", batch,
                                    "], got ", ctx.input_value(0)->describe());
      }
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t l = sl->data<int64_t>()[b];
        if (l < 0 || l > len) {
          return ctx.invalid_argument("sequence_lens[", b, "] = ", l, " is outside [0, ", len, "]");
        }
        lens[static_cast<size_t>(b)] = l;
      }
    }

    std::vector<std::vector<Tensor>> final_states(num_state_);
    std::vector<std::vector<Tensor>> scans(num_scan_out_);  // in (b, t) order
    std::vector<std::vector<int64_t>> scan_pos(num_scan_out_);  // b * len + t
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Value> states(num_state_);
      for (size_t i = 0; i < num_state_; ++i) states[i] = control::slice_along(*init[i], 0, b);
      const int64_t lb = lens[static_cast<size_t>(b)];
      for (int64_t t = 0; t < lb; ++t) {
        std::vector<Value> inputs = states;
        for (size_t j = 0; j < num_scan_in_; ++j) {
          const int64_t idx = dirs_[j] ? lb - 1 - t : t;
          inputs.emplace_back(control::slice_along(xs[j], 0, b * len + idx));
        }
        auto run = body_.run(ctx, std::move(inputs));
        if (!run.ok()) {
          return run.status().with_context(ctx.node().describe() + ": batch " + std::to_string(b) +
                                           ", iteration " + std::to_string(t) + ": ");
        }
        std::vector<Value>& outs = *run;
        for (size_t i = 0; i < num_state_; ++i) {
          ONYX_RETURN_IF_ERROR(check_state(ctx, outs[i], states[i], i));
          states[i] = std::move(outs[i]);
        }
        for (size_t k = 0; k < num_scan_out_; ++k) {
          const Value& v = outs[num_state_ + k];
          ONYX_RETURN_IF_ERROR(check_consistent(
              ctx, v, scans[k].empty() ? nullptr : &scans[k][0], "scan output", k));
          scans[k].push_back(v.tensor());
          scan_pos[k].push_back(b * len + t);
        }
      }
      for (size_t i = 0; i < num_state_; ++i) {
        const Value& v = states[i];
        ONYX_RETURN_IF_ERROR(check_consistent(
            ctx, v, final_states[i].empty() ? nullptr : &final_states[i][0], "final state", i));
        final_states[i].push_back(v.tensor());
      }
    }

    for (size_t i = 0; i < num_state_; ++i) {
      if (final_states[i].empty()) {  // batch 0
        ctx.set_output(i, Value(*init[i]));
        continue;
      }
      Shape shape = final_states[i][0].shape();
      shape.insert(shape.begin(), batch);
      Tensor& y = ctx.allocate_output(i, final_states[i][0].dtype(), shape);
      std::vector<int64_t> pos(final_states[i].size());
      for (size_t b = 0; b < pos.size(); ++b) pos[b] = static_cast<int64_t>(b);
      stack_into(y, final_states[i], pos, 0, batch);
    }
    for (size_t k = 0; k < num_scan_out_; ++k) {
      const size_t out = num_state_ + k;
      const bool have = !scans[k].empty();
      Shape shape = have ? scans[k][0].shape() : out_types_[k].shape;
      shape.insert(shape.begin(), {batch, len});
      Tensor& y = ctx.allocate_output(out, have ? scans[k][0].dtype() : out_types_[k].dtype, shape);
      control::zero_fill(y);
      if (have) stack_into(y, scans[k], scan_pos[k], 0, batch * len);
    }
    return Status::OK();
  }

 private:
  BoundBody body_;
  size_t num_state_ = 0, num_scan_in_ = 0, num_scan_out_ = 0;
  std::vector<int64_t> dirs_;
  std::vector<control::StaticTensorType> out_types_;
};

}  // namespace

void register_control_scan(KernelRegistry& r) {
  r.add_versions<Scan8>("", "Scan", {8}, 8, -1);
  r.add_versions<Scan9>("", "Scan", {9, 11, 16, 19, 21, 23, 24, 25}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
