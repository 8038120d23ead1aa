// The contract between the executor and operator kernels.
//
// A kernel is created once per node at session creation (OpKernel::init reads and validates
// attributes, may pre-compute anything that depends only on the model) and is then const:
// compute() may run concurrently from several threads, so kernels keep no mutable state.
// Output shapes are computed in compute() from the actual inputs.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "core/value.h"
#include "ir/graph.h"

namespace onyx {

class KernelContext;

// A compiled subgraph (If / Loop / Scan body) that a control-flow kernel can run.
class Subgraph {
 public:
  virtual ~Subgraph() = default;
  // Names of the body's formal inputs and outputs.
  virtual const std::vector<std::string>& input_names() const = 0;
  virtual const std::vector<std::string>& output_names() const = 0;
  // Values the body captures from enclosing scopes, in the order run() expects them.
  virtual const std::vector<std::string>& captured_names() const = 0;
  // Runs the body. `captured[i]` is the value named captured_names()[i].
  virtual Result<std::vector<Value>> run(std::vector<Value> inputs,
                                         const std::vector<const Value*>& captured,
                                         ThreadPool* pool) const = 0;
};

// What a kernel factory sees of its node at session creation.
class KernelInfo {
 public:
  using SubgraphCompiler =
      std::function<Result<std::shared_ptr<const Subgraph>>(const ir::Graph&)>;

  KernelInfo(const ir::Node& node, std::vector<const ir::TypeInfo*> input_types,
             std::vector<std::string> implicit_inputs, SubgraphCompiler compiler)
      : node_(node),
        input_types_(std::move(input_types)),
        implicit_inputs_(std::move(implicit_inputs)),
        compiler_(std::move(compiler)) {}

  const ir::Node& node() const { return node_; }
  int opset() const { return node_.opset; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return i < node_.inputs.size() && !node_.inputs[i].empty(); }
  bool has_output(size_t i) const { return i < node_.outputs.size() && !node_.outputs[i].empty(); }
  // Static type of input i when known at load time (null otherwise).
  const ir::TypeInfo* input_type(size_t i) const {
    return i < input_types_.size() ? input_types_[i] : nullptr;
  }
  // Input i's value when it is a constant of the graph (an initializer callers cannot override),
  // so kernels can pre-pack weights once; null otherwise.
  const Tensor* constant_input(size_t i) const {
    return i < constant_inputs_.size() ? constant_inputs_[i] : nullptr;
  }
  void set_constant_inputs(std::vector<const Tensor*> constants) {
    constant_inputs_ = std::move(constants);
  }
  // Values captured by the node's subgraphs, in the order KernelContext::implicit_input() uses.
  const std::vector<std::string>& implicit_inputs() const { return implicit_inputs_; }

  bool has_attr(const std::string& name) const { return node_.find_attribute(name) != nullptr; }
  // Optional attributes with defaults. A present attribute of the wrong type is an error.
  Result<int64_t> attr_int(const std::string& name, int64_t def) const;
  // nullopt when the attribute is absent (for attributes whose absence means something).
  Result<std::optional<int64_t>> attr_optional_int(const std::string& name) const;
  Result<float> attr_float(const std::string& name, float def) const;
  Result<std::string> attr_string(const std::string& name, const std::string& def) const;
  Result<std::vector<int64_t>> attr_ints(const std::string& name,
                                         std::vector<int64_t> def = {}) const;
  Result<std::vector<float>> attr_floats(const std::string& name,
                                         std::vector<float> def = {}) const;
  Result<std::vector<std::string>> attr_strings(const std::string& name,
                                                std::vector<std::string> def = {}) const;
  // Required attributes: missing is an error naming the node and attribute.
  Result<int64_t> required_int(const std::string& name) const;
  Result<float> required_float(const std::string& name) const;
  Result<std::string> required_string(const std::string& name) const;
  Result<std::vector<int64_t>> required_ints(const std::string& name) const;
  Result<Tensor> required_tensor(const std::string& name) const;
  Result<const ir::Graph*> required_graph(const std::string& name) const;

  Result<std::shared_ptr<const Subgraph>> compile_subgraph(const ir::Graph& graph) const {
    return compiler_(graph);
  }

  // An error about this node: "node 'x' (Op, opset N): <message>".
  template <typename... Args>
  Status error(StatusCode code, const Args&... args) const {
    return Status(code, node_.describe() + ": " + detail::concat(args...));
  }

 private:
  Result<const ir::Attribute*> typed_attr(const std::string& name, ir::Attribute::Type type,
                                          bool required) const;

  const ir::Node& node_;
  std::vector<const ir::TypeInfo*> input_types_;
  std::vector<const Tensor*> constant_inputs_;
  std::vector<std::string> implicit_inputs_;
  SubgraphCompiler compiler_;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // Reads attributes; called once at session creation.
  virtual Status init(const KernelInfo& info) {
    (void)info;
    return Status::OK();
  }
  virtual Status compute(KernelContext& ctx) const = 0;
  // Positions of constant inputs (KernelInfo::constant_input) whose data this kernel copied
  // into a form of its own at load (packed weights) and never reads again: when every reader
  // of such a constant says so, the session swaps it for a stand-in of the same type and
  // shape that holds no memory (GraphPlan::compile with the initializers), so the weights are
  // not held twice. The kernel still receives the stand-in as that input and must not read
  // its data.
  virtual std::vector<size_t> packed_constant_inputs() const { return {}; }
  // The data of such a released constant input, recovered from the kernel's own form (for
  // saving the optimized model: Session::model_with_weights).
  virtual Result<Tensor> unpack_constant(size_t input) const {
    return NotImplemented("input ", input, " cannot be unpacked");
  }
  // Output types (at most one per node output; kUnknown where it cannot tell) from the node's
  // static input types, at load, after init. Built-in kernels need none (libonnx's inference
  // types their outputs); custom operators use it so that the nodes reading their outputs get
  // kernels chosen by dtype at load.
  virtual Result<std::vector<ir::TypeInfo>> infer_output_types(const KernelInfo& info) const {
    (void)info;
    return std::vector<ir::TypeInfo>{};
  }
};

// Per-call view of a node's inputs and outputs.
class KernelContext {
 public:
  KernelContext(const ir::Node& node, std::vector<const Value*> inputs,
                std::vector<const Value*> implicit_inputs, size_t num_outputs,
                ThreadPool* pool)
      : node_(node),
        inputs_(std::move(inputs)),
        implicit_inputs_(std::move(implicit_inputs)),
        outputs_(num_outputs),
        pool_(pool) {}

  const ir::Node& node() const { return node_; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  // True when input i was given (not omitted and not past the end).
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  const Value* input_value(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  // Input i as a tensor; null when omitted or not a tensor.
  const Tensor* input(size_t i) const {
    const Value* v = input_value(i);
    return v != nullptr && v->is_tensor() ? &v->tensor() : nullptr;
  }
  // Input i as a tensor, or an error naming the node when it is missing.
  Result<const Tensor*> required_input(size_t i) const;
  const Value* implicit_input(size_t i) const { return implicit_inputs_[i]; }
  const std::vector<const Value*>& implicit_inputs() const { return implicit_inputs_; }

  // Whether the graph uses output i (false for an omitted optional output).
  bool output_requested(size_t i) const {
    return i < node_.outputs.size() && !node_.outputs[i].empty();
  }
  // Allocates output i. Throws std::length_error on an impossible size (caught by the executor).
  Tensor& allocate_output(size_t i, DataType dtype, Shape shape);
  // Output i in the buffer of input j (in-place execution) when the executor allows it — this
  // node is j's last reader, j is not a graph input, initializer or captured value, and no other
  // tensor shares its buffer — and j has this dtype and shape; else as allocate_output. Only
  // for kernels that read each element of input j before writing the same element of the
  // output (elementwise maps; a convolution's residual Z, which it adds into the output).
  // y.shares_buffer_with(*input(j)) tells which happened. With several candidates j, the
  // first that qualifies is taken.
  Tensor& allocate_output_in_place(size_t i, std::initializer_list<size_t> candidates,
                                   DataType dtype, Shape shape);
  Tensor& allocate_output_in_place(size_t i, size_t j, DataType dtype, Shape shape) {
    return allocate_output_in_place(i, {j}, dtype, std::move(shape));
  }
  // Set by the executor: bit j allows allocate_output_in_place to take input j (j < 64).
  void set_in_place_inputs(uint64_t mask) { in_place_inputs_ = mask; }
  // Sets output i to an existing value (views, sequences, pass-through).
  void set_output(size_t i, Value value) { outputs_.at(i) = std::move(value); }
  std::vector<Value>& outputs() { return outputs_; }

  ThreadPool* pool() const { return pool_; }

  template <typename... Args>
  Status error(StatusCode code, const Args&... args) const {
    return Status(code, node_.describe() + ": " + detail::concat(args...));
  }
  template <typename... Args>
  Status invalid_argument(const Args&... args) const {
    return error(StatusCode::kInvalidArgument, args...);
  }

 private:
  const ir::Node& node_;
  std::vector<const Value*> inputs_;
  std::vector<const Value*> implicit_inputs_;
  std::vector<Value> outputs_;
  ThreadPool* pool_;
  uint64_t in_place_inputs_ = 0;
};

}  // namespace onyx
