// Loop: runs `body` while (i < M) and cond. Body inputs (iteration_num, cond, v...), outputs
// (cond, v..., scan_outputs...). Scan outputs are stacked along a new axis 0.
//
// Termination: with M absent and cond absent the spec describes an endless loop; we then honor the
// body's cond output (as onnxruntime does) so the loop can end. With cond given, the body's cond
// output drives the loop; with only M given, the body's cond output is ignored. Nothing is
// allocated in proportion to M: memory grows only with the iterations actually run.
#include <limits>

#include "ops/control/control_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class Loop final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(body_, control::BoundBody::bind(info, "body"));
    num_carried_ = info.num_inputs() > 2 ? info.num_inputs() - 2 : 0;
    if (info.num_outputs() < num_carried_) {
      return info.error(StatusCode::kInvalidGraph, "has ", num_carried_,
                        " loop-carried inputs but only ", info.num_outputs(), " outputs");
    }
    num_scan_ = info.num_outputs() - num_carried_;
    if (body_.num_inputs() != 2 + num_carried_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", 2 + num_carried_,
                        " inputs (iteration_num, cond and ", num_carried_,
                        " loop-carried values), has ", body_.num_inputs());
    }
    if (body_.num_outputs() != 1 + num_carried_ + num_scan_) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", 1 + num_carried_ + num_scan_,
                        " outputs (cond, ", num_carried_, " loop-carried values and ", num_scan_,
                        " scan outputs), has ", body_.num_outputs());
    }
    for (size_t k = 0; k < num_scan_; ++k) {
      scan_types_.push_back(control::static_output_type(body_.ir(), 1 + num_carried_ + k));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    int64_t max_trips = std::numeric_limits<int64_t>::max();
    const bool has_m = ctx.has_input(0);
    if (has_m) {
      const Tensor* m = ctx.input(0);
      if (m == nullptr || m->numel() != 1 ||
          (m->dtype() != DataType::kInt64 && m->dtype() != DataType::kInt32)) {
        return ctx.invalid_argument("M must be an int64 tensor with one element, got ",
                                    ctx.input_value(0)->describe());
      }
      max_trips = m->dtype() == DataType::kInt64 ? m->data<int64_t>()[0] : m->data<int32_t>()[0];
    }
    const bool has_cond = ctx.has_input(1);
    bool cond = true;
    if (has_cond) {
      ONYX_ASSIGN_OR_RETURN(cond, read_cond(ctx, *ctx.input_value(1), "input cond"));
    }
    const bool use_body_cond = has_cond || !has_m;

    std::vector<Value> carried(num_carried_);
    for (size_t j = 0; j < num_carried_; ++j) {
      const Value* v = ctx.input_value(2 + j);
      if (v != nullptr) {
        ONYX_RETURN_IF_ERROR(check_carried_kind(ctx, *v, j));
        carried[j] = *v;
      }
    }

    std::vector<std::vector<Tensor>> scans(num_scan_);
    int64_t i = 0;
    for (; i < max_trips && cond; ++i) {
      std::vector<Value> inputs;
      inputs.reserve(2 + num_carried_);
      inputs.emplace_back(Tensor::scalar<int64_t>(i));
      inputs.emplace_back(Tensor::scalar<bool>(cond));
      for (auto& v : carried) inputs.push_back(v);
      auto run = body_.run(ctx, std::move(inputs));
      if (!run.ok()) {
        return run.status().with_context(ctx.node().describe() + ": iteration " +
                                         std::to_string(i) + ": ");
      }
      std::vector<Value>& outs = *run;
      if (use_body_cond) {
        ONYX_ASSIGN_OR_RETURN(cond, read_cond(ctx, outs[0], "body output cond"));
      }
      for (size_t j = 0; j < num_carried_; ++j) {
        Value& v = outs[1 + j];
        ONYX_RETURN_IF_ERROR(check_carried_kind(ctx, v, j));
        // Optionals may wrap or unwrap (opset 16 bodies take optional(seq) and yield seq), but a
        // tensor cannot turn into a sequence or back.
        if ((v.is_tensor() && carried[j].is_sequence()) ||
            (v.is_sequence() && carried[j].is_tensor())) {
          return ctx.invalid_argument("iteration ", i, ": loop-carried value ", j, " changed from ",
                                      carried[j].describe(), " to ", v.describe());
        }
        if (v.is_tensor() && carried[j].is_tensor() &&
            v.tensor().dtype() != carried[j].tensor().dtype()) {
          return ctx.invalid_argument("iteration ", i, ": loop-carried value ", j, " changed type from ",
                                      carried[j].describe(), " to ", v.describe());
        }
        carried[j] = std::move(v);
      }
      for (size_t k = 0; k < num_scan_; ++k) {
        Value& v = outs[1 + num_carried_ + k];
        if (!v.is_tensor()) {
          return ctx.invalid_argument("iteration ", i, ": scan output ", k,
                                      " must be a tensor, got ", v.describe());
        }
        if (!control::copyable(v.tensor().dtype())) {
          return ctx.error(StatusCode::kNotImplemented, "scan output ", k, " of element type ",
                           data_type_name(v.tensor().dtype()), " is not supported");
        }
        if (!scans[k].empty()) {
          const Tensor& first = scans[k].front();
          if (first.dtype() != v.tensor().dtype() || first.shape() != v.tensor().shape()) {
            return ctx.invalid_argument("iteration ", i, ": scan output ", k, " is ",
                                        v.describe(), " but was ", Value(first).describe(),
                                        " in iteration 0; scan outputs must keep their shape");
          }
        }
        scans[k].push_back(std::move(v.tensor()));
      }
    }

    for (size_t j = 0; j < num_carried_; ++j) {
      if (carried[j].is_none() && ctx.output_requested(j)) {
        return ctx.invalid_argument("loop-carried value ", j, " has no value");
      }
      ctx.set_output(j, std::move(carried[j]));
    }
    for (size_t k = 0; k < num_scan_; ++k) {
      const size_t out = num_carried_ + k;
      if (scans[k].empty()) {
        Shape shape{0};
        for (int64_t d : scan_types_[k].shape) shape.push_back(d);
        ctx.allocate_output(out, scan_types_[k].dtype, shape);
        continue;
      }
      const Tensor& first = scans[k].front();
      Shape shape{static_cast<int64_t>(scans[k].size())};
      for (int64_t d : first.shape()) shape.push_back(d);
      Tensor& y = ctx.allocate_output(out, first.dtype(), shape);
      const int64_t n = first.numel();
      for (size_t t = 0; t < scans[k].size(); ++t) {
        control::copy_blocks(scans[k][t], 0, n, y, static_cast<int64_t>(t) * n, n, 1, n);
      }
    }
    return Status::OK();
  }

 private:
  static Result<bool> read_cond(const KernelContext& ctx, const Value& v, const char* what) {
    if (!v.is_tensor() || v.tensor().dtype() != DataType::kBool || v.tensor().numel() != 1) {
      return ctx.invalid_argument(what, " must be a bool tensor with one element, got ",
                                  v.describe());
    }
    return v.tensor().data<bool>()[0];
  }

  Status check_carried_kind(const KernelContext& ctx, const Value& v, size_t j) const {
    if (v.is_sequence() && opset_ < 13) {
      return ctx.invalid_argument("loop-carried value ", j,
                                  " is a sequence; sequences need Loop opset 13 or later");
    }
    if (v.is_optional() && opset_ < 16) {
      return ctx.invalid_argument("loop-carried value ", j,
                                  " is an optional; optionals need Loop opset 16 or later");
    }
    if (v.is_map()) {
      return ctx.invalid_argument("loop-carried value ", j, " is a map, which Loop does not take");
    }
    return Status::OK();
  }

  int opset_ = 0;
  control::BoundBody body_;
  size_t num_carried_ = 0;
  size_t num_scan_ = 0;
  std::vector<control::StaticTensorType> scan_types_;
};

}  // namespace

void register_control_loop(KernelRegistry& r) {
  r.add_versions<Loop>("", "Loop", {1, 11, 13, 16, 19, 21, 23, 24, 25}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
