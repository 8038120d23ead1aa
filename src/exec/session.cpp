#include "exec/session.h"

#include <algorithm>

#include "ir/gradient_graph.h"
#include "ir/inline_functions.h"
#include "onnx/model_loader.h"

// OpenBLAS keeps its own worker threads; sized to the session's intra-op count so the two never
// oversubscribe the cores. (Process-wide: the last session created wins. Sharing one pool with
// the GEMM library is the performance issue's work.)
extern "C" void openblas_set_num_threads(int num_threads);

namespace onyx {

Result<std::unique_ptr<Session>> Session::load(const std::string& path,
                                               const SessionOptions& options) {
  ONYX_ASSIGN_OR_RETURN(ir::Model model, onnx_import::load_model(path));
  return create(std::move(model), options);
}

Result<std::unique_ptr<Session>> Session::load_from_bytes(const std::string& bytes,
                                                          const SessionOptions& options) {
  ONYX_ASSIGN_OR_RETURN(ir::Model model, onnx_import::load_model_from_bytes(bytes, ""));
  return create(std::move(model), options);
}

Result<std::unique_ptr<Session>> Session::create(ir::Model model, const SessionOptions& options) {
  try {
    return create_unchecked(std::move(model), options);
  } catch (const std::bad_alloc&) {
    return RuntimeError("out of memory while creating the session");
  } catch (const std::exception& e) {
    return RuntimeError("while creating the session: ", e.what());
  }
}

Result<std::unique_ptr<Session>> Session::create_unchecked(ir::Model model,
                                                           const SessionOptions& options) {
  auto session = std::unique_ptr<Session>(new Session());
  ONYX_RETURN_IF_ERROR(ir::inline_functions(model));
  ONYX_RETURN_IF_ERROR(ir::attach_gradient_graphs(model));
  session->custom_ops_ = options.custom_ops;
  const KernelRegistry& registry = options.custom_ops ? *options.custom_ops : global_registry();
  // Validate before rewriting, so that errors name the model's own nodes.
  ONYX_RETURN_IF_ERROR(ir::validate_graph(model.graph));
  opt::OptimizeOptions opt_options;
  opt_options.level = options.optimization_level;
  opt_options.max_rewrites = options.max_rewrites;
  ONYX_ASSIGN_OR_RETURN(session->optimize_report_, opt::optimize(model, registry, opt_options));
  session->model_ = std::make_unique<ir::Model>(std::move(model));
  const ir::Graph& graph = session->model_->graph;
  // Weights the kernels pack at load are not kept a second time.
  ONYX_ASSIGN_OR_RETURN(session->plan_, GraphPlan::compile(graph, {}, registry,
                                                           &session->model_->graph.initializers));
  const int threads =
      options.intra_op_num_threads > 0 ? options.intra_op_num_threads : ThreadPool::default_num_threads();
  session->pool_ = std::make_unique<ThreadPool>(threads);
  session->pool_->spread_threads();
  openblas_set_num_threads(threads);
  for (const auto& vi : graph.inputs) {
    (graph.initializers.count(vi.name) ? session->overridable_ : session->inputs_).push_back(vi);
  }
  const bool control_flow = std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const ir::Node& n) {
    return std::any_of(n.attributes.begin(), n.attributes.end(),
                       [](const ir::Attribute& a) { return a.g != nullptr || !a.graphs.empty(); });
  });
  const bool parallel = options.execution_mode == ExecutionMode::kParallel;
  if (parallel) {
    session->plan_->set_inter_op_threads(
        options.inter_op_num_threads > 0 ? options.inter_op_num_threads : threads);
  }
  if (options.enable_memory_pattern && !control_flow && !parallel) {
    session->memory_planner_ = std::make_unique<MemoryPlanner>();
  }
  return session;
}

namespace {

// The memory planner's key: every input's type and shape ("-" for an input not fed).
std::string feed_signature(const std::vector<Value>& inputs) {
  std::string key;
  for (const Value& v : inputs) {
    if (!v.is_tensor()) {
      key += v.is_none() ? "-;" : "?;";
      continue;
    }
    const Tensor& t = v.tensor();
    key += std::to_string(static_cast<int>(t.dtype()));
    for (int64_t d : t.shape()) key += "," + std::to_string(d);
    key += ';';
  }
  return key;
}

}  // namespace

Status Session::check_feed(const ir::ValueInfo& info, const Value& value) const {
  const ir::TypeInfo& t = info.type;
  if (t.kind == ir::TypeInfo::Kind::kTensor) {
    if (!value.is_tensor()) {
      return InvalidArgument("input '", info.name, "' expects ", t.to_string(), ", got ",
                             value.describe());
    }
    const Tensor& v = value.tensor();
    if (t.elem_type != DataType::kUndefined && v.dtype() != t.elem_type) {
      return InvalidArgument("input '", info.name, "' expects element type ",
                             data_type_name(t.elem_type), ", got ", data_type_name(v.dtype()));
    }
    if (t.shape) {
      if (t.shape->size() != v.rank()) {
        return InvalidArgument("input '", info.name, "' expects rank ", t.shape->size(), " (shape ",
                               t.shape_string(), "), got shape ", shape_to_string(v.shape()));
      }
      for (size_t i = 0; i < v.rank(); ++i) {
        const ir::Dim& d = (*t.shape)[i];
        if (d.is_known() && *d.value != v.dim(i)) {
          return InvalidArgument("input '", info.name, "' expects shape ", t.shape_string(),
                                 ", got ", shape_to_string(v.shape()), " (dimension ", i, ")");
        }
      }
    }
  } else if (t.kind == ir::TypeInfo::Kind::kSequence && !value.is_sequence()) {
    return InvalidArgument("input '", info.name, "' expects ", t.to_string(), ", got ",
                           value.describe());
  }
  return Status::OK();
}

Result<std::vector<Value>> Session::run(const NamedValues& feeds,
                                        const std::vector<std::string>& output_names,
                                        const RunOptions& run_options) const {
  const ir::Graph& graph = model_->graph;
  std::vector<Value> inputs(graph.inputs.size());
  for (const auto& [name, value] : feeds) {
    size_t pos = graph.inputs.size();
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
      if (graph.inputs[i].name == name) pos = i;
    }
    if (pos == graph.inputs.size()) {
      std::string expected;
      for (const auto& vi : inputs_) expected += (expected.empty() ? "" : ", ") + vi.name;
      return InvalidArgument("the model has no input named '", name, "' (inputs: ", expected, ")");
    }
    ONYX_RETURN_IF_ERROR(check_feed(graph.inputs[pos], value));
    inputs[pos] = value;
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    if (inputs[i].is_none() && plan_->input_default(i) == nullptr &&
        graph.inputs[i].type.kind != ir::TypeInfo::Kind::kOptional) {
      return InvalidArgument("input '", graph.inputs[i].name, "' (", graph.inputs[i].type.to_string(),
                             graph.inputs[i].type.shape_string(), ") was not fed");
    }
  }
  std::vector<size_t> positions;
  if (output_names.empty()) {
    for (size_t i = 0; i < graph.outputs.size(); ++i) positions.push_back(i);
  } else {
    for (const auto& name : output_names) {
      size_t pos = graph.outputs.size();
      for (size_t i = 0; i < graph.outputs.size(); ++i) {
        if (graph.outputs[i].name == name) pos = i;
      }
      if (pos == graph.outputs.size()) {
        return InvalidArgument("the model has no output named '", name, "'");
      }
      positions.push_back(pos);
    }
  }
  try {
    pool_->bind_library_threads();  // oneDNN calls of this run use the session's thread count
    Profiler* profiler = run_options.profiler;
    const int64_t start_us = profiler != nullptr ? profiler->now_us() : 0;
    std::unique_ptr<MemoryPlanner::Run> planned;
    if (memory_planner_ != nullptr) planned = memory_planner_->begin(feed_signature(inputs));
    auto outputs = plan_->run_outputs(std::move(inputs), {}, positions, pool_.get(), profiler);
    planned.reset();  // every tensor of the run but its outputs is gone by now
    if (profiler != nullptr) profiler->add_run(start_us, profiler->now_us() - start_us);
    return outputs;
  } catch (const std::exception& e) {
    return RuntimeError(e.what());
  }
}

Result<ir::Model> Session::model_with_weights() const {
  ir::Model copy = *model_;
  for (const std::string& name : plan_->released_constants()) {
    ONYX_ASSIGN_OR_RETURN(Tensor data, plan_->unpacked_constant(name));
    copy.graph.initializers.insert_or_assign(name, std::move(data));
  }
  return copy;
}

}  // namespace onyx
