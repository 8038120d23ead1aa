#include "exec/graph_plan.h"

#include <sys/mman.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace onyx {
namespace {

// Every value a subgraph attached to `node` reads from enclosing scopes.
std::vector<std::string> implicit_inputs_of(const ir::Node& node) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (const auto& a : node.attributes) {
    std::vector<const ir::Graph*> subs;
    if (a.g) subs.push_back(a.g.get());
    for (const auto& g : a.graphs) subs.push_back(g.get());
    for (const auto* g : subs) {
      for (auto& v : g->free_variables()) {
        if (seen.insert(v).second) names.push_back(std::move(v));
      }
    }
  }
  return names;
}

ir::TypeInfo type_of_tensor(const Tensor& t) {
  std::vector<ir::Dim> dims;
  for (int64_t d : t.shape()) dims.push_back(ir::Dim::known(d));
  return ir::TypeInfo::tensor(t.dtype(), std::move(dims));
}

// A tensor of t's type and shape over a read-only anonymous mapping: it holds no memory (pages
// are never touched; a stray read would see zeros, a write would fault), standing in for a
// constant that its kernels packed and no longer read. Empty when the mapping fails.
std::optional<Tensor> unbacked_stand_in(const Tensor& t) {
  const size_t bytes = t.nbytes();
  void* p = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return std::nullopt;
  std::shared_ptr<void> owner(p, [bytes](void* q) { munmap(q, bytes); });
  return Tensor::wrap(t.dtype(), t.shape(), p, std::move(owner));
}

}  // namespace

Result<std::unique_ptr<GraphPlan>> GraphPlan::compile(const ir::Graph& graph,
                                                      const std::vector<std::string>& outer_scope,
                                                      const KernelRegistry& registry,
                                                      std::map<std::string, Tensor>* initializers) {
  ONYX_RETURN_IF_ERROR(ir::validate_graph(graph, outer_scope));
  ONYX_ASSIGN_OR_RETURN(std::vector<size_t> order, ir::topological_order(graph, outer_scope));

  auto plan = std::make_unique<GraphPlan>();
  plan->graph_ = &graph;
  std::unordered_map<std::string, int> slot_of;
  auto slot = [&](const std::string& name) {
    auto [it, inserted] = slot_of.emplace(name, plan->num_slots_);
    if (inserted) ++plan->num_slots_;
    return it->second;
  };

  // Static types known at load time, for kernel selection by dtype.
  std::unordered_map<std::string, ir::TypeInfo> types;
  for (const auto& [name, t] : graph.initializers) types[name] = type_of_tensor(t);
  for (const auto* list : {&graph.value_info, &graph.outputs, &graph.inputs}) {
    for (const auto& vi : *list) {
      if (vi.type.kind != ir::TypeInfo::Kind::kUnknown) types[vi.name] = vi.type;
    }
  }

  std::unordered_set<std::string> graph_inputs;
  for (const auto& vi : graph.inputs) {
    graph_inputs.insert(vi.name);
    plan->input_names_.push_back(vi.name);
    plan->input_slots_.push_back(slot(vi.name));
    auto init = graph.initializers.find(vi.name);
    plan->input_defaults_.push_back(init != graph.initializers.end() ? Value(init->second)
                                                                      : Value());
  }
  for (const auto& [name, t] : graph.initializers) {
    if (!graph_inputs.count(name)) plan->constants_.emplace_back(slot(name), Value(t));
  }
  std::unordered_set<std::string> produced;
  for (const auto& n : graph.nodes) {
    for (const auto& o : n.outputs) {
      if (!o.empty()) produced.insert(o);
    }
  }
  // Names read here but defined in an enclosing graph become captured values.
  auto resolve = [&](const std::string& name) {
    if (!slot_of.count(name) && !produced.count(name)) {
      plan->captured_names_.push_back(name);
      plan->captured_slots_.push_back(slot(name));
    }
    return slot(name);
  };

  const KernelInfo::SubgraphCompiler compile_sub =
      [&registry, &graph, outer_scope](
          const ir::Graph& body) -> Result<std::shared_ptr<const Subgraph>> {
    // A body sees everything visible in this graph plus what this graph sees.
    std::vector<std::string> scope = outer_scope;
    for (const auto& vi : graph.inputs) scope.push_back(vi.name);
    for (const auto& [name, t] : graph.initializers) scope.push_back(name);
    for (const auto& n : graph.nodes) {
      for (const auto& o : n.outputs) {
        if (!o.empty()) scope.push_back(o);
      }
    }
    ONYX_ASSIGN_OR_RETURN(std::unique_ptr<GraphPlan> sub, compile(body, scope, registry));
    return std::shared_ptr<const Subgraph>(std::move(sub));
  };

  // Packed constants to release (see compile's comment): reads of each constant still to be
  // compiled, reads whose kernel packed it, and the constants that must keep their data.
  std::unordered_map<std::string, int> reads_left, reads_total, packed_reads;
  std::unordered_map<std::string, size_t> constant_index;
  std::unordered_set<std::string> pinned;
  if (initializers != nullptr) {
    std::unordered_map<int, size_t> by_slot;
    for (size_t k = 0; k < plan->constants_.size(); ++k) by_slot[plan->constants_[k].first] = k;
    for (const auto& [name, t] : graph.initializers) {
      auto k = graph_inputs.count(name) ? by_slot.end() : by_slot.find(slot_of.at(name));
      if (k != by_slot.end()) constant_index[name] = k->second;
    }
    for (const auto& n : graph.nodes) {
      for (const auto& in : n.inputs) {
        if (constant_index.count(in)) ++reads_left[in];
      }
      for (auto& name : implicit_inputs_of(n)) pinned.insert(std::move(name));
    }
    for (const auto& vi : graph.outputs) pinned.insert(vi.name);
    reads_total = reads_left;
  }
  auto release_packed = [&](const ir::Node& node, const OpKernel& kernel) {
    const std::vector<size_t> own = kernel.packed_constant_inputs();
    for (size_t pos = 0; pos < node.inputs.size(); ++pos) {
      const std::string& name = node.inputs[pos];
      auto left = reads_left.find(name);
      if (left == reads_left.end()) continue;
      const bool packed = std::find(own.begin(), own.end(), pos) != own.end();
      const int done = packed ? ++packed_reads[name] : packed_reads[name];
      if (--left->second > 0 || pinned.count(name)) continue;
      if (done != reads_total.at(name)) continue;
      Value& value = plan->constants_[constant_index.at(name)].second;
      if (!value.is_tensor() || value.tensor().dtype() == DataType::kString ||
          value.tensor().nbytes() == 0) {
        continue;
      }
      std::optional<Tensor> stand_in = unbacked_stand_in(value.tensor());
      if (!stand_in) continue;
      value = Value(*stand_in);
      initializers->insert_or_assign(name, std::move(*stand_in));
      plan->released_[name] = {plan->steps_.size(), pos};  // this node's step comes next
    }
  };

  for (size_t idx : order) {
    const ir::Node& node = graph.nodes[idx];
    Step step;
    step.node = &node;
    std::vector<const ir::TypeInfo*> input_types;
    for (const auto& in : node.inputs) {
      step.inputs.push_back(in.empty() ? -1 : resolve(in));
      auto it = in.empty() ? types.end() : types.find(in);
      input_types.push_back(it == types.end() ? nullptr : &it->second);
    }
    std::vector<std::string> implicit = implicit_inputs_of(node);
    for (const auto& name : implicit) step.implicit.push_back(resolve(name));

    std::optional<DataType> dtype;
    const KernelDef* def = nullptr;
    {
      // Pick the kernel by the dtype of its type-selecting input when that is known.
      auto first = registry.find(node.domain, node.op_type, node.opset, std::nullopt);
      if (!first.ok()) return first.status().with_context(node.describe() + ": ");
      const int ti = (*first)->type_input;
      if (ti >= 0 && static_cast<size_t>(ti) < input_types.size() && input_types[ti] &&
          input_types[ti]->is_tensor() && input_types[ti]->elem_type != DataType::kUndefined) {
        dtype = input_types[ti]->elem_type;
      }
      ONYX_ASSIGN_OR_RETURN(def, ([&]() -> Result<const KernelDef*> {
                              auto r = registry.find(node.domain, node.op_type, node.opset, dtype);
                              if (!r.ok()) return r.status().with_context(node.describe() + ": ");
                              return r;
                            }()));
    }
    KernelInfo info(node, std::move(input_types), std::move(implicit), compile_sub);
    {
      std::vector<const Tensor*> constants;
      for (const auto& in : node.inputs) {
        auto it = in.empty() || graph_inputs.count(in) ? graph.initializers.end()
                                                       : graph.initializers.find(in);
        constants.push_back(it == graph.initializers.end() ? nullptr : &it->second);
      }
      info.set_constant_inputs(std::move(constants));
    }
    auto kernel = def->factory(info);
    if (!kernel.ok()) {
      const Status& s = kernel.status();
      if (s.message().rfind("node '", 0) == 0) return s;
      return s.with_context(node.describe() + ": ");
    }
    step.kernel = std::move(kernel).value();
    {
      auto inferred = step.kernel->infer_output_types(info);
      if (!inferred.ok()) return inferred.status().with_context(node.describe() + ": ");
      for (size_t i = 0; i < inferred->size() && i < node.outputs.size(); ++i) {
        const ir::TypeInfo& t = (*inferred)[i];
        // Declared value_info wins over what the operator infers.
        if (!node.outputs[i].empty() && t.kind != ir::TypeInfo::Kind::kUnknown) {
          types.emplace(node.outputs[i], t);
        }
      }
    }
    if (!dtype && !def->types.empty() && def->type_input >= 0) step.unchecked_def = def;
    for (const auto& out : node.outputs) step.outputs.push_back(out.empty() ? -1 : slot(out));
    if (initializers != nullptr) release_packed(node, *step.kernel);
    plan->steps_.push_back(std::move(step));
  }

  for (const auto& vi : graph.outputs) {
    plan->output_names_.push_back(vi.name);
    plan->output_slots_.push_back(resolve(vi.name));
  }

  // Release each slot right after its last reader, unless it must survive the run.
  std::vector<int> last_use(plan->num_slots_, -1);
  for (size_t s = 0; s < plan->steps_.size(); ++s) {
    for (int i : plan->steps_[s].inputs) {
      if (i >= 0) last_use[i] = static_cast<int>(s);
    }
    for (int i : plan->steps_[s].implicit) last_use[i] = static_cast<int>(s);
    // An output nobody reads is released right away.
    for (int i : plan->steps_[s].outputs) {
      if (i >= 0 && last_use[i] < static_cast<int>(s)) last_use[i] = static_cast<int>(s);
    }
  }
  for (int o : plan->output_slots_) last_use[o] = -1;
  for (int slot_index = 0; slot_index < plan->num_slots_; ++slot_index) {
    if (last_use[slot_index] >= 0) plan->steps_[last_use[slot_index]].release.push_back(slot_index);
  }

  // The dependency graph of the steps, for the parallel executor.
  std::vector<int> producer(plan->num_slots_, -1);
  for (size_t s = 0; s < plan->steps_.size(); ++s) {
    for (int o : plan->steps_[s].outputs) {
      if (o >= 0) producer[o] = static_cast<int>(s);
    }
  }
  plan->slot_readers_.assign(plan->num_slots_, 0);
  plan->keep_slot_.assign(plan->num_slots_, 0);
  for (int o : plan->output_slots_) plan->keep_slot_[o] = 1;
  for (size_t s = 0; s < plan->steps_.size(); ++s) {
    Step& step = plan->steps_[s];
    std::unordered_set<int> reads(step.inputs.begin(), step.inputs.end());
    reads.insert(step.implicit.begin(), step.implicit.end());
    reads.erase(-1);
    std::unordered_set<int> deps;
    for (int slot_index : reads) {
      step.reads.push_back(slot_index);
      ++plan->slot_readers_[slot_index];
      const int p = producer[slot_index];
      if (p >= 0 && p != static_cast<int>(s)) deps.insert(p);
    }
    std::sort(step.reads.begin(), step.reads.end());
    step.num_deps = static_cast<int>(deps.size());
    for (int p : deps) plan->steps_[p].dependents.push_back(static_cast<int>(s));
  }

  // Inputs a kernel may overwrite (KernelContext::allocate_output_in_place): values some node
  // produced (not graph inputs, initializers or captured values), read for the last time by this
  // step, once among its inputs and not by its subgraphs. Whether the buffer is shared with a
  // live view is checked when the step runs.
  for (size_t s = 0; s < plan->steps_.size(); ++s) {
    Step& step = plan->steps_[s];
    for (size_t i = 0; i < step.inputs.size() && i < 64; ++i) {
      const int slot_index = step.inputs[i];
      if (slot_index < 0 || producer[slot_index] < 0 || plan->keep_slot_[slot_index]) continue;
      if (std::count(step.inputs.begin(), step.inputs.end(), slot_index) != 1) continue;
      if (std::count(step.implicit.begin(), step.implicit.end(), slot_index) != 0) continue;
      if (std::count(step.release.begin(), step.release.end(), slot_index) != 1) continue;
      step.in_place_inputs |= uint64_t{1} << i;
    }
  }
  return plan;
}

void GraphPlan::record(Profiler& profiler, const Step& step, const KernelContext& ctx,
                       int64_t start_us) {
  const int64_t end_us = profiler.now_us();
  const ir::Node& node = *step.node;
  std::string shapes;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    shapes += (i ? " " : "") + (t != nullptr ? shape_to_string(t->shape()) : std::string("-"));
  }
  std::string name = node.name;
  if (name.empty()) name = "<output " + (node.outputs.empty() ? "" : node.outputs[0]) + ">";
  const std::string op = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
  profiler.add({std::move(name), op, std::move(shapes), start_us, end_us - start_us, 0});
}

Status GraphPlan::check_input_dtype(const Step& step, const std::vector<const Value*>& in) {
  const KernelDef& def = *step.unchecked_def;
  const size_t ti = static_cast<size_t>(def.type_input);
  if (ti >= in.size() || in[ti] == nullptr || !in[ti]->is_tensor()) return Status::OK();
  const DataType dt = in[ti]->tensor().dtype();
  if (std::find(def.types.begin(), def.types.end(), dt) != def.types.end()) return Status::OK();
  std::string served;
  for (size_t i = 0; i < def.types.size(); ++i) {
    served += (i ? ", " : "") + std::string(data_type_name(def.types[i]));
  }
  return NotImplemented(step.node->describe(), ": input ", ti, " has element type ",
                        data_type_name(dt), ", which this operator does not take at opset ",
                        step.node->opset, " (implemented: ", served, ")");
}

Status GraphPlan::run_step(const Step& step, std::vector<Value>& slots, ThreadPool* pool,
                           Profiler* profiler) const {
  std::vector<const Value*> in(step.inputs.size(), nullptr);
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const int s = step.inputs[i];
    if (s >= 0 && !slots[s].is_none()) in[i] = &slots[s];
  }
  std::vector<const Value*> implicit(step.implicit.size(), nullptr);
  for (size_t i = 0; i < step.implicit.size(); ++i) {
    const Value& v = slots[step.implicit[i]];
    if (!v.is_none()) implicit[i] = &v;
  }
  if (step.unchecked_def != nullptr) {
    ONYX_RETURN_IF_ERROR(check_input_dtype(step, in));
  }
  KernelContext ctx(*step.node, std::move(in), std::move(implicit), step.outputs.size(), pool);
  // The parallel executor's other steps may still read a value this one reads last in the
  // sequential order, so it runs nothing in place.
  const bool parallel = inter_op_threads_ > 1 && steps_.size() > 1;
  if (!parallel) ctx.set_in_place_inputs(step.in_place_inputs);
  Status status;
  const int64_t start_us = profiler != nullptr ? profiler->now_us() : 0;
  try {
    status = step.kernel->compute(ctx);
  } catch (const std::bad_alloc&) {
    status = RuntimeError("out of memory");
  } catch (const std::exception& e) {
    status = RuntimeError(e.what());
  }
  if (!status.ok()) {
    if (status.message().rfind("node '", 0) == 0) return status;
    return status.with_context(step.node->describe() + ": ");
  }
  if (profiler != nullptr) record(*profiler, step, ctx, start_us);
  for (size_t i = 0; i < step.outputs.size(); ++i) {
    const int s = step.outputs[i];
    if (s < 0) continue;
    if (ctx.outputs()[i].is_none()) {
      return RuntimeError(step.node->describe(), ": kernel produced no value for output ", i,
                          " ('", step.node->outputs[i], "')");
    }
    slots[s] = std::move(ctx.outputs()[i]);
  }
  return Status::OK();
}

Result<std::vector<Value>> GraphPlan::run(std::vector<Value> inputs,
                                          const std::vector<const Value*>& captured,
                                          ThreadPool* pool) const {
  std::vector<size_t> all(output_slots_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return run_outputs(std::move(inputs), captured, all, pool);
}

Result<std::vector<Value>> GraphPlan::run_outputs(std::vector<Value> inputs,
                                                  const std::vector<const Value*>& captured,
                                                  const std::vector<size_t>& output_positions,
                                                  ThreadPool* pool, Profiler* profiler) const {
  if (inputs.size() > input_slots_.size()) {
    return InvalidArgument("graph '", graph_->name, "' takes ", input_slots_.size(),
                           " inputs, got ", inputs.size());
  }
  if (captured.size() != captured_slots_.size()) {
    return RuntimeError("graph '", graph_->name, "' expects ", captured_slots_.size(),
                        " captured values, got ", captured.size());
  }
  std::vector<Value> slots(num_slots_);
  for (const auto& [s, v] : constants_) slots[s] = v;
  for (size_t i = 0; i < input_slots_.size(); ++i) {
    if (i < inputs.size() && !inputs[i].is_none()) {
      slots[input_slots_[i]] = std::move(inputs[i]);
    } else {
      slots[input_slots_[i]] = input_defaults_[i];
    }
  }
  for (size_t i = 0; i < captured_slots_.size(); ++i) {
    if (captured[i] != nullptr) slots[captured_slots_[i]] = *captured[i];
  }

  if (inter_op_threads_ > 1 && steps_.size() > 1) {
    ONYX_RETURN_IF_ERROR(run_steps_parallel(slots, pool, profiler));
  } else {
    for (const Step& step : steps_) {
      ONYX_RETURN_IF_ERROR(run_step(step, slots, pool, profiler));
      for (int s : step.release) slots[s] = Value();
    }
  }

  std::vector<Value> outputs;
  outputs.reserve(output_positions.size());
  for (size_t p : output_positions) {
    if (p >= output_slots_.size()) return InvalidArgument("no graph output ", p);
    outputs.push_back(slots[output_slots_[p]]);
  }
  return outputs;
}

std::vector<std::string> GraphPlan::released_constants() const {
  std::vector<std::string> names;
  for (const auto& [name, where] : released_) names.push_back(name);
  return names;
}

Result<Tensor> GraphPlan::unpacked_constant(const std::string& name) const {
  auto it = released_.find(name);
  if (it == released_.end()) return NotFound("constant '", name, "' was not released");
  const auto [step, input] = it->second;
  return steps_[step].kernel->unpack_constant(input);
}

}  // namespace onyx
