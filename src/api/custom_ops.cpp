// Custom operators through the C ABI: the OnyxApi function table, the kernel that calls an
// OnyxCustomOp's callbacks, and loading custom-op libraries with dlopen.
#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <string>

#include "api/handles.h"

namespace onyx::api {

namespace {

// Returned when even a status cannot be allocated; release_status ignores it.
OnyxStatus g_out_of_memory{ONYX_RUNTIME_ERROR, "out of memory"};

OnyxStatus* invalid(const std::string& message) {
  return make_status(ONYX_INVALID_ARGUMENT, message);
}

OnyxStatus* from(const Status& s) {
  return s.ok() ? nullptr : make_status(status_code_of(s.code()), s.message());
}

template <typename F>
OnyxStatus* guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return &g_out_of_memory;
  } catch (const std::exception& e) {
    return make_status(ONYX_RUNTIME_ERROR, e.what());
  } catch (...) {
    return make_status(ONYX_RUNTIME_ERROR, "unknown error");
  }
}

// The attribute `name` of the node, of type `type`; a status when missing or of another type.
OnyxStatus* find_attr(const OnyxKernelInfo* info, const char* name, ir::Attribute::Type type,
                      const ir::Attribute** out) {
  if (info == nullptr || name == nullptr || out == nullptr) return invalid("argument is NULL");
  const ir::Attribute* a = info->info->node().find_attribute(name);
  if (a == nullptr) {
    return make_status(ONYX_NOT_FOUND, info->info->node().describe() + ": no attribute '" +
                                           name + "'");
  }
  if (a->type != type) {
    return invalid(info->info->node().describe() + ": attribute '" + name + "' is " +
                   ir::attribute_type_name(a->type) + ", not " + ir::attribute_type_name(type));
  }
  *out = a;
  return nullptr;
}

// ---- the function table ---------------------------------------------------------------------

OnyxStatus* api_create_status(OnyxStatusCode code, const char* message) {
  return make_status(code == ONYX_OK ? ONYX_RUNTIME_ERROR : code, message ? message : "");
}

OnyxStatusCode api_status_code(const OnyxStatus* status) {
  return status == nullptr ? ONYX_OK : status->code;
}

void api_release_status(OnyxStatus* status) { release_status(status); }

OnyxStatus* api_register_op(OnyxCustomOpRegistry* registry, const OnyxCustomOp* op) {
  return guarded([&]() -> OnyxStatus* {
    if (registry == nullptr || op == nullptr) return invalid("registry or op is NULL");
    return from(add_custom_op(*registry->registry, *op));
  });
}

int api_info_opset(const OnyxKernelInfo* info) { return info ? info->info->opset() : 0; }
size_t api_info_input_count(const OnyxKernelInfo* info) {
  return info ? info->info->num_inputs() : 0;
}
size_t api_info_output_count(const OnyxKernelInfo* info) {
  return info ? info->info->num_outputs() : 0;
}

OnyxStatus* api_attr_int(const OnyxKernelInfo* info, const char* name, int64_t* out) {
  return guarded([&]() -> OnyxStatus* {
    const ir::Attribute* a = nullptr;
    if (OnyxStatus* s = find_attr(info, name, ir::Attribute::Type::kInt, &a)) return s;
    if (out == nullptr) return invalid("out is NULL");
    *out = a->i;
    return nullptr;
  });
}

OnyxStatus* api_attr_float(const OnyxKernelInfo* info, const char* name, float* out) {
  return guarded([&]() -> OnyxStatus* {
    const ir::Attribute* a = nullptr;
    if (OnyxStatus* s = find_attr(info, name, ir::Attribute::Type::kFloat, &a)) return s;
    if (out == nullptr) return invalid("out is NULL");
    *out = a->f;
    return nullptr;
  });
}

OnyxStatus* api_attr_string(const OnyxKernelInfo* info, const char* name, const char** out,
                            size_t* length) {
  return guarded([&]() -> OnyxStatus* {
    const ir::Attribute* a = nullptr;
    if (OnyxStatus* s = find_attr(info, name, ir::Attribute::Type::kString, &a)) return s;
    if (out == nullptr) return invalid("out is NULL");
    *out = a->s.c_str();
    if (length != nullptr) *length = a->s.size();
    return nullptr;
  });
}

OnyxStatus* api_attr_ints(const OnyxKernelInfo* info, const char* name, const int64_t** out,
                          size_t* count) {
  return guarded([&]() -> OnyxStatus* {
    const ir::Attribute* a = nullptr;
    if (OnyxStatus* s = find_attr(info, name, ir::Attribute::Type::kInts, &a)) return s;
    if (out == nullptr || count == nullptr) return invalid("out or count is NULL");
    *out = a->ints.data();
    *count = a->ints.size();
    return nullptr;
  });
}

OnyxStatus* api_attr_floats(const OnyxKernelInfo* info, const char* name, const float** out,
                            size_t* count) {
  return guarded([&]() -> OnyxStatus* {
    const ir::Attribute* a = nullptr;
    if (OnyxStatus* s = find_attr(info, name, ir::Attribute::Type::kFloats, &a)) return s;
    if (out == nullptr || count == nullptr) return invalid("out or count is NULL");
    *out = a->floats.data();
    *count = a->floats.size();
    return nullptr;
  });
}

size_t api_context_input_count(const OnyxKernelContext* c) {
  return c ? c->context->num_inputs() : 0;
}
size_t api_context_output_count(const OnyxKernelContext* c) {
  return c ? c->context->num_outputs() : 0;
}

OnyxStatus* api_context_input(OnyxKernelContext* c, size_t index, const OnyxTensor** out) {
  return guarded([&]() -> OnyxStatus* {
    if (c == nullptr || out == nullptr) return invalid("context or out is NULL");
    if (index >= c->context->num_inputs()) {
      return invalid(c->context->node().describe() + ": input index " + std::to_string(index) +
                     " out of range");
    }
    const Value* v = c->context->input_value(index);
    if (v == nullptr) {
      *out = nullptr;
      return nullptr;
    }
    if (!v->is_tensor()) {
      return make_status(ONYX_NOT_IMPLEMENTED, c->context->node().describe() + ": input " +
                                                   std::to_string(index) + " is " +
                                                   v->describe() + ", not a tensor");
    }
    c->inputs.push_back(OnyxTensor{v->tensor()});
    *out = &c->inputs.back();
    return nullptr;
  });
}

OnyxStatus* api_context_allocate_output(OnyxKernelContext* c, size_t index,
                                        OnyxElementType elem_type, const int64_t* dims,
                                        size_t rank, OnyxTensor** out) {
  return guarded([&]() -> OnyxStatus* {
    if (c == nullptr || out == nullptr) return invalid("context or out is NULL");
    if (index >= c->context->num_outputs()) {
      return invalid(c->context->node().describe() + ": output index " + std::to_string(index) +
                     " out of range");
    }
    if (elem_type < ONYX_FLOAT || elem_type > ONYX_BFLOAT16) {
      return invalid("unsupported element type " + std::to_string(elem_type));
    }
    if (rank > 0 && dims == nullptr) return invalid("dims is NULL");
    Shape shape;
    for (size_t i = 0; i < rank; ++i) {
      if (dims[i] < 0) return invalid("negative dim");
      shape.push_back(dims[i]);
    }
    Tensor& t = c->context->allocate_output(index, static_cast<DataType>(elem_type), shape);
    c->outputs.push_back(OnyxTensor{t});  // shares the output's buffer
    *out = &c->outputs.back();
    return nullptr;
  });
}

OnyxStatus* api_tensor_element_type(const OnyxTensor* t, OnyxElementType* out) {
  if (t == nullptr || out == nullptr) return invalid("tensor or out is NULL");
  *out = static_cast<OnyxElementType>(t->tensor.dtype());
  return nullptr;
}

OnyxStatus* api_tensor_shape(const OnyxTensor* t, size_t* rank, const int64_t** dims) {
  if (t == nullptr || rank == nullptr || dims == nullptr) return invalid("argument is NULL");
  *rank = t->tensor.rank();
  *dims = t->tensor.shape().data();
  return nullptr;
}

OnyxStatus* api_tensor_element_count(const OnyxTensor* t, int64_t* out) {
  if (t == nullptr || out == nullptr) return invalid("tensor or out is NULL");
  *out = t->tensor.numel();
  return nullptr;
}

OnyxStatus* api_tensor_data(OnyxTensor* t, void** out) {
  if (t == nullptr || out == nullptr) return invalid("tensor or out is NULL");
  if (t->tensor.dtype() == DataType::kString) return invalid("a string tensor has no flat buffer");
  *out = t->tensor.raw_data();
  return nullptr;
}

OnyxStatus* api_tensor_const_data(const OnyxTensor* t, const void** out) {
  if (t == nullptr || out == nullptr) return invalid("tensor or out is NULL");
  if (t->tensor.dtype() == DataType::kString) return invalid("a string tensor has no flat buffer");
  *out = t->tensor.raw_data();
  return nullptr;
}

OnyxStatus* api_info_input_type(const OnyxKernelInfo* info, size_t index,
                                OnyxElementType* elem_type, int64_t* rank, const int64_t** dims) {
  return guarded([&]() -> OnyxStatus* {
    if (info == nullptr || elem_type == nullptr || rank == nullptr || dims == nullptr) {
      return invalid("argument is NULL");
    }
    const ir::TypeInfo* t = info->info->input_type(index);
    if (t == nullptr || !t->is_tensor()) {
      return make_status(ONYX_NOT_FOUND, info->info->node().describe() + ": input " +
                                             std::to_string(index) + " has no static type");
    }
    *elem_type = static_cast<OnyxElementType>(t->elem_type);
    info->dims.clear();
    if (t->shape) {
      for (const ir::Dim& d : *t->shape) info->dims.push_back(d.is_known() ? *d.value : -1);
    }
    *rank = t->shape ? static_cast<int64_t>(t->shape->size()) : -1;
    *dims = info->dims.data();
    return nullptr;
  });
}

OnyxStatus* api_inference_set_output(OnyxTypeInference* inference, size_t index,
                                     OnyxElementType elem_type, const int64_t* dims,
                                     int64_t rank) {
  return guarded([&]() -> OnyxStatus* {
    if (inference == nullptr) return invalid("inference is NULL");
    if (index >= inference->outputs.size()) {
      return invalid("output index " + std::to_string(index) + " out of range (" +
                     std::to_string(inference->outputs.size()) + " outputs)");
    }
    const auto dt = data_type_from_onnx(static_cast<int32_t>(elem_type));
    if (!dt) return invalid("unknown element type " + std::to_string(elem_type));
    if (rank > 0 && dims == nullptr) return invalid("dims is NULL");
    std::optional<std::vector<ir::Dim>> shape;
    if (rank >= 0) {
      shape.emplace();
      for (int64_t i = 0; i < rank; ++i) {
        shape->push_back(dims[i] >= 0 ? ir::Dim::known(dims[i]) : ir::Dim::unknown());
      }
    }
    inference->outputs[index] = ir::TypeInfo::tensor(*dt, std::move(shape));
    return nullptr;
  });
}

const OnyxApi kApi = {
    ONYX_API_VERSION,
    api_create_status,
    api_status_code,
    api_release_status,
    api_register_op,
    api_info_opset,
    api_info_input_count,
    api_info_output_count,
    api_attr_int,
    api_attr_float,
    api_attr_string,
    api_attr_ints,
    api_attr_floats,
    api_context_input_count,
    api_context_output_count,
    api_context_input,
    api_context_allocate_output,
    api_tensor_element_type,
    api_tensor_shape,
    api_tensor_element_count,
    api_tensor_data,
    api_tensor_const_data,
    api_info_input_type,
    api_inference_set_output,
};

// ---- the kernel that calls a custom op's callbacks ------------------------------------------

struct CustomOpDef {
  OnyxCustomOp op;  // domain and name point into the strings below
  std::string domain;
  std::string name;
};

class CustomOpKernel final : public OpKernel {
 public:
  explicit CustomOpKernel(std::shared_ptr<const CustomOpDef> def) : def_(std::move(def)) {}
  ~CustomOpKernel() override {
    if (def_->op.destroy != nullptr) def_->op.destroy(state_);
  }

  Status init(const KernelInfo& info) override {
    if (def_->op.create == nullptr) return Status::OK();
    OnyxKernelInfo handle{&info, {}};
    Status s = take_status(def_->op.create(def_->op.user_data, &kApi, &handle, &state_));
    if (!s.ok()) return Status(s.code(), info.node().describe() + ": " + s.message());
    return Status::OK();
  }

  // The op's infer callback (when it has one) over this node's static input types.
  Result<std::vector<ir::TypeInfo>> infer_output_types(const KernelInfo& info) const override {
    OnyxTypeInference inference{std::vector<ir::TypeInfo>(info.num_outputs())};
    if (def_->op.infer != nullptr) {
      OnyxKernelInfo handle{&info, {}};
      Status s = take_status(def_->op.infer(state_, &kApi, &handle, &inference));
      if (!s.ok()) return s;
    }
    return std::move(inference.outputs);
  }

  Status compute(KernelContext& ctx) const override {
    OnyxKernelContext handle{&ctx, {}, {}};
    return take_status(def_->op.compute(state_, &kApi, &handle));
  }

 private:
  std::shared_ptr<const CustomOpDef> def_;
  void* state_ = nullptr;
};

}  // namespace

OnyxStatusCode status_code_of(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return ONYX_OK;
    case StatusCode::kInvalidArgument: return ONYX_INVALID_ARGUMENT;
    case StatusCode::kNotFound: return ONYX_NOT_FOUND;
    case StatusCode::kInvalidGraph: return ONYX_INVALID_GRAPH;
    case StatusCode::kNotImplemented: return ONYX_NOT_IMPLEMENTED;
    case StatusCode::kRuntimeError: return ONYX_RUNTIME_ERROR;
  }
  return ONYX_RUNTIME_ERROR;
}

StatusCode status_code_from(OnyxStatusCode code) {
  switch (code) {
    case ONYX_OK: return StatusCode::kOk;
    case ONYX_INVALID_ARGUMENT: return StatusCode::kInvalidArgument;
    case ONYX_NOT_FOUND: return StatusCode::kNotFound;
    case ONYX_INVALID_GRAPH: return StatusCode::kInvalidGraph;
    case ONYX_NOT_IMPLEMENTED: return StatusCode::kNotImplemented;
    case ONYX_RUNTIME_ERROR: return StatusCode::kRuntimeError;
  }
  return StatusCode::kRuntimeError;
}

OnyxStatus* make_status(OnyxStatusCode code, std::string message) {
  try {
    return new OnyxStatus{code, std::move(message)};
  } catch (...) {
    return &g_out_of_memory;
  }
}

void release_status(OnyxStatus* status) {
  if (status != &g_out_of_memory) delete status;
}

Status take_status(OnyxStatus* status) {
  if (status == nullptr) return Status::OK();
  Status s(status_code_from(status->code), status->message);
  release_status(status);
  if (s.ok()) return Status(StatusCode::kRuntimeError, "a callback returned a status with ONYX_OK");
  return s;
}

std::shared_ptr<KernelRegistry> new_custom_registry() {
  auto r = std::make_shared<KernelRegistry>();
  r->set_fallback(&global_registry());
  return r;
}

Status add_custom_op(KernelRegistry& registry, const OnyxCustomOp& op) {
  if (op.domain == nullptr || op.name == nullptr || op.name[0] == '\0') {
    return InvalidArgument("custom op: domain and name are required");
  }
  if (op.compute == nullptr) return InvalidArgument("custom op '", op.name, "': compute is NULL");
  if (op.since_version < 1 || op.until_version < op.since_version) {
    return InvalidArgument("custom op '", op.name, "': bad opset range ", op.since_version, "-",
                           op.until_version);
  }
  auto def = std::make_shared<CustomOpDef>();
  def->op = op;
  def->domain = op.domain;
  def->name = op.name;
  def->op.domain = def->domain.c_str();
  def->op.name = def->name.c_str();
  KernelDef k;
  k.domain = def->domain;
  k.op = def->name;
  k.since = op.since_version;
  k.until = op.until_version;
  k.type_input = -1;  // any element types: the callbacks check them
  k.factory = [def](const KernelInfo& info) -> Result<std::unique_ptr<OpKernel>> {
    auto kernel = std::make_unique<CustomOpKernel>(def);
    ONYX_RETURN_IF_ERROR(kernel->init(info));
    return std::unique_ptr<OpKernel>(std::move(kernel));
  };
  registry.add(std::move(k));
  return Status::OK();
}

Status load_custom_ops_library(KernelRegistry& registry, const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Status(StatusCode::kNotFound,
                  "cannot load custom-op library '" + path + "': " + (why ? why : "unknown"));
  }
  std::shared_ptr<void> library(handle, [](void* h) { dlclose(h); });
  using RegisterFn = OnyxStatus* (*)(OnyxCustomOpRegistry*, const OnyxApi*);
  auto fn = reinterpret_cast<RegisterFn>(dlsym(handle, "onyx_register_custom_ops"));
  if (fn == nullptr) {
    return InvalidArgument("custom-op library '", path,
                           "' has no function onyx_register_custom_ops");
  }
  OnyxCustomOpRegistry r{&registry};
  Status s = take_status(fn(&r, &kApi));
  if (!s.ok()) return Status(s.code(), "custom-op library '" + path + "': " + s.message());
  registry.keep_alive(std::move(library));
  return Status::OK();
}

const OnyxApi* custom_op_api() { return &kApi; }

}  // namespace onyx::api
