// Sequence ops: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase,
// SequenceLength. Sequences are immutable values: "modifying" ops return a new item list whose
// tensors share buffers with the input's.
#include "ops/registry.h"

namespace onyx {
namespace {

Result<const Value*> sequence_input(const KernelContext& ctx, size_t i) {
  const Value* v = ctx.input_value(i);
  if (v == nullptr) return ctx.invalid_argument("input ", i, " (a sequence) is missing");
  if (!v->is_sequence()) {
    return ctx.invalid_argument("input ", i, " must be a sequence, got ", v->describe());
  }
  return v;
}

// Reads a position scalar (int32/int64) and checks it against [lo, hi].
Result<int64_t> read_position(const KernelContext& ctx, size_t i, int64_t lo, int64_t hi) {
  const Tensor* p = ctx.input(i);
  if (p == nullptr || p->numel() != 1 || p->rank() > 1 ||
      (p->dtype() != DataType::kInt64 && p->dtype() != DataType::kInt32)) {
    return ctx.invalid_argument("position must be an int32 or int64 scalar, got ",
                                ctx.input_value(i) ? ctx.input_value(i)->describe() : "nothing");
  }
  const int64_t pos = p->dtype() == DataType::kInt64 ? p->data<int64_t>()[0] : p->data<int32_t>()[0];
  if (pos < lo || pos > hi) {
    return ctx.invalid_argument("position ", pos, " is out of range [", lo, ", ", hi, "]");
  }
  return pos;
}

class SequenceEmpty final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(int64_t dt, info.attr_int("dtype", static_cast<int64_t>(DataType::kFloat)));
    auto t = data_type_from_onnx(static_cast<int32_t>(dt));
    if (!t || *t == DataType::kUndefined) {
      return info.error(StatusCode::kInvalidGraph, "dtype ", dt, " is not a valid element type");
    }
    dtype_ = *t;
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ctx.set_output(0, Value::sequence(dtype_, {}));
    return Status::OK();
  }

 private:
  DataType dtype_ = DataType::kFloat;
};

class SequenceConstruct final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    if (ctx.num_inputs() == 0) return ctx.invalid_argument("needs at least one input");
    std::vector<Value> items;
    items.reserve(ctx.num_inputs());
    DataType dt = DataType::kUndefined;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* t, ctx.required_input(i));
      if (i == 0) dt = t->dtype();
      if (t->dtype() != dt) {
        return ctx.invalid_argument("input ", i, " is ", data_type_name(t->dtype()),
                                    " but input 0 is ", data_type_name(dt),
                                    "; sequence items must share one element type");
      }
      items.emplace_back(*t);
    }
    ctx.set_output(0, Value::sequence(dt, std::move(items)));
    return Status::OK();
  }
};

class SequenceInsert final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Value* seq, sequence_input(ctx, 0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* t, ctx.required_input(1));
    const DataType et = seq->sequence_elem_type();
    if (et != DataType::kUndefined && t->dtype() != et) {
      return ctx.invalid_argument("cannot insert a tensor of type ", data_type_name(t->dtype()),
                                  " into a sequence of ", data_type_name(et));
    }
    const int64_t n = static_cast<int64_t>(seq->items().size());
    int64_t pos = n;
    if (ctx.has_input(2)) {
      ONYX_ASSIGN_OR_RETURN(pos, read_position(ctx, 2, -n, n));
      if (pos < 0) pos += n;
    }
    std::vector<Value> items = seq->items();
    items.insert(items.begin() + pos, Value(*t));
    ctx.set_output(0, Value::sequence(t->dtype(), std::move(items)));
    return Status::OK();
  }
};

class SequenceAt final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Value* seq, sequence_input(ctx, 0));
    const int64_t n = static_cast<int64_t>(seq->items().size());
    if (n == 0) return ctx.invalid_argument("the sequence is empty");
    ONYX_ASSIGN_OR_RETURN(int64_t pos, read_position(ctx, 1, -n, n - 1));
    if (pos < 0) pos += n;
    ctx.set_output(0, seq->items()[static_cast<size_t>(pos)]);
    return Status::OK();
  }
};

class SequenceErase final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Value* seq, sequence_input(ctx, 0));
    const int64_t n = static_cast<int64_t>(seq->items().size());
    if (n == 0) return ctx.invalid_argument("cannot erase from an empty sequence");
    int64_t pos = n - 1;
    if (ctx.has_input(1)) {
      ONYX_ASSIGN_OR_RETURN(pos, read_position(ctx, 1, -n, n - 1));
      if (pos < 0) pos += n;
    }
    std::vector<Value> items = seq->items();
    items.erase(items.begin() + pos);
    ctx.set_output(0, Value::sequence(seq->sequence_elem_type(), std::move(items)));
    return Status::OK();
  }
};

class SequenceLength final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Value* seq, sequence_input(ctx, 0));
    ctx.set_output(0, Value(Tensor::scalar<int64_t>(static_cast<int64_t>(seq->items().size()))));
    return Status::OK();
  }
};

}  // namespace

void register_sequence_basic(KernelRegistry& r) {
  r.add_versions<SequenceEmpty>("", "SequenceEmpty", {11}, kMaxOnnxOpset, -1);
  r.add_versions<SequenceConstruct>("", "SequenceConstruct", {11}, kMaxOnnxOpset, -1);
  r.add_versions<SequenceInsert>("", "SequenceInsert", {11}, kMaxOnnxOpset, -1);
  r.add_versions<SequenceAt>("", "SequenceAt", {11}, kMaxOnnxOpset, -1);
  r.add_versions<SequenceErase>("", "SequenceErase", {11}, kMaxOnnxOpset, -1);
  r.add_versions<SequenceLength>("", "SequenceLength", {11}, kMaxOnnxOpset, -1);
}

}  // namespace onyx
