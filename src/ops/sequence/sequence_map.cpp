// SequenceMap (opset 17): runs `body` once per item of the input sequence. Additional inputs that
// are sequences contribute their i-th item (same length required); tensors are passed whole.
// Each body output becomes a sequence output.
#include "ops/registry.h"

namespace onyx {
namespace {

class SequenceMap final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const ir::Graph* g, info.required_graph("body"));
    auto compiled = info.compile_subgraph(*g);
    if (!compiled.ok()) return compiled.status().with_context(info.node().describe() + ": body: ");
    body_ = std::move(compiled).value();
    if (body_->input_names().size() != info.num_inputs()) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", info.num_inputs(),
                        " inputs (one per node input), has ", body_->input_names().size());
    }
    if (body_->output_names().size() != info.num_outputs()) {
      return info.error(StatusCode::kInvalidGraph, "body must have ", info.num_outputs(),
                        " outputs (one per node output), has ", body_->output_names().size());
    }
    const auto& implicit = info.implicit_inputs();
    for (const auto& name : body_->captured_names()) {
      size_t idx = 0;
      while (idx < implicit.size() && implicit[idx] != name) ++idx;
      if (idx == implicit.size()) {
        return info.error(StatusCode::kInvalidGraph, "body reads '", name,
                          "', which is not among the node's implicit inputs");
      }
      captured_index_.push_back(idx);
    }
    for (const auto& out : g->outputs) {
      const ir::TypeInfo& t = out.type;
      DataType dt = DataType::kFloat;
      if (t.is_tensor() && t.elem_type != DataType::kUndefined) dt = t.elem_type;
      out_types_.push_back(dt);
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    const Value* seq = ctx.input_value(0);
    if (seq == nullptr || !seq->is_sequence()) {
      return ctx.invalid_argument("input 0 must be a sequence, got ",
                                  seq ? seq->describe() : std::string("nothing"));
    }
    const size_t n = seq->items().size();
    for (size_t j = 1; j < ctx.num_inputs(); ++j) {
      const Value* v = ctx.input_value(j);
      if (v == nullptr) return ctx.invalid_argument("input ", j, " is missing");
      if (v->is_sequence() && v->items().size() != n) {
        return ctx.invalid_argument("input ", j, " is a sequence of ", v->items().size(),
                                    " items, input 0 has ", n);
      }
      if (!v->is_sequence() && !v->is_tensor()) {
        return ctx.invalid_argument("input ", j, " must be a tensor or a sequence, got ",
                                    v->describe());
      }
    }
    std::vector<const Value*> captured;
    for (size_t idx : captured_index_) captured.push_back(ctx.implicit_input(idx));

    std::vector<std::vector<Value>> results(ctx.num_outputs());
    for (size_t i = 0; i < n; ++i) {
      std::vector<Value> inputs;
      inputs.push_back(seq->items()[i]);
      for (size_t j = 1; j < ctx.num_inputs(); ++j) {
        const Value* v = ctx.input_value(j);
        inputs.push_back(v->is_sequence() ? v->items()[i] : *v);
      }
      auto outs = body_->run(std::move(inputs), captured, ctx.pool());
      if (!outs.ok()) {
        return outs.status().with_context(ctx.node().describe() + ": item " + std::to_string(i) + ": ");
      }
      for (size_t k = 0; k < results.size() && k < outs->size(); ++k) {
        Value& v = (*outs)[k];
        if (!v.is_tensor()) {
          return ctx.invalid_argument("body output ", k, " must be a tensor, got ", v.describe());
        }
        if (!results[k].empty() && results[k][0].tensor().dtype() != v.tensor().dtype()) {
          return ctx.invalid_argument("body output ", k, " changed element type from ",
                                      results[k][0].describe(), " to ", v.describe());
        }
        results[k].push_back(std::move(v));
      }
    }
    for (size_t k = 0; k < results.size(); ++k) {
      const DataType dt = results[k].empty() ? out_types_[k] : results[k][0].tensor().dtype();
      ctx.set_output(k, Value::sequence(dt, std::move(results[k])));
    }
    return Status::OK();
  }

 private:
  std::shared_ptr<const Subgraph> body_;
  std::vector<size_t> captured_index_;
  std::vector<DataType> out_types_;
};

}  // namespace

void register_sequence_map(KernelRegistry& r) {
  r.add_versions<SequenceMap>("", "SequenceMap", {17}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
