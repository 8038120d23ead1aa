// The C API (include/onyx/onyx.h) over onyx::Session. Every entry point catches everything: no
// C++ exception crosses the ABI.
#include "onyx/onyx.h"

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "api/handles.h"
#include "exec/session.h"

struct OnyxSessionOptions {
  onyx::SessionOptions options;
  int optimization_level = 99;
  std::shared_ptr<onyx::KernelRegistry> custom_ops;  // created by the first custom op

  onyx::KernelRegistry& custom_registry() {
    if (!custom_ops) {
      custom_ops = onyx::api::new_custom_registry();
      options.custom_ops = custom_ops;
    }
    return *custom_ops;
  }
};

struct OnyxSession {
  std::unique_ptr<onyx::Session> session;
};

namespace {

using onyx::DataType;
using onyx::StatusCode;
using onyx::api::make_status;

OnyxStatus* from_status(const onyx::Status& s) {
  if (s.ok()) return nullptr;
  return make_status(onyx::api::status_code_of(s.code()), s.message());
}

OnyxStatus* invalid(std::string message) {
  return make_status(ONYX_INVALID_ARGUMENT, std::move(message));
}

// Runs `f` (returning OnyxStatus*), turning any exception into a status.
template <typename F>
OnyxStatus* guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return make_status(ONYX_RUNTIME_ERROR, "out of memory");
  } catch (const std::length_error& e) {
    return make_status(ONYX_INVALID_ARGUMENT, e.what());
  } catch (const std::exception& e) {
    return make_status(ONYX_RUNTIME_ERROR, e.what());
  } catch (...) {
    return make_status(ONYX_RUNTIME_ERROR, "unknown error");
  }
}

// The element types a C caller can create: those with a fixed element size, and strings.
bool creatable(OnyxElementType t) {
  return t >= ONYX_FLOAT && t <= ONYX_BFLOAT16;
}

OnyxStatus* read_shape(const int64_t* dims, size_t rank, onyx::Shape* shape) {
  if (rank > 0 && dims == nullptr) return invalid("dims is NULL but rank is not 0");
  if (rank > 64) return invalid("rank " + std::to_string(rank) + " is over 64");
  shape->clear();
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) return invalid("dim " + std::to_string(i) + " is negative");
    shape->push_back(dims[i]);
  }
  return nullptr;
}

OnyxStatus* describe_type(const onyx::ir::ValueInfo& vi, OnyxElementType* elem_type, int64_t* rank,
                          int64_t* dims, size_t dims_capacity) {
  if (!vi.type.is_tensor()) {
    return make_status(ONYX_NOT_IMPLEMENTED, "value '" + vi.name + "' has type " +
                                                 vi.type.to_string() +
                                                 ", which the C API does not describe");
  }
  if (elem_type != nullptr) *elem_type = static_cast<OnyxElementType>(vi.type.elem_type);
  if (!vi.type.shape) {
    if (rank != nullptr) *rank = -1;
    return nullptr;
  }
  const auto& shape = *vi.type.shape;
  if (rank != nullptr) *rank = static_cast<int64_t>(shape.size());
  if (dims == nullptr) return nullptr;
  if (shape.size() > dims_capacity) {
    return invalid("value '" + vi.name + "' has rank " + std::to_string(shape.size()) +
                   ", more than dims_capacity " + std::to_string(dims_capacity));
  }
  for (size_t i = 0; i < shape.size(); ++i) dims[i] = shape[i].value ? *shape[i].value : -1;
  return nullptr;
}

}  // namespace

extern "C" {

const char* onyx_version(void) { return "0.1.0"; }
int onyx_api_version(void) { return ONYX_API_VERSION; }

OnyxStatusCode onyx_status_code(const OnyxStatus* status) {
  return status == nullptr ? ONYX_OK : status->code;
}
const char* onyx_status_message(const OnyxStatus* status) {
  return status == nullptr ? "" : status->message.c_str();
}
void onyx_status_release(OnyxStatus* status) { onyx::api::release_status(status); }

// ---- session options ------------------------------------------------------------------------

OnyxStatus* onyx_session_options_create(OnyxSessionOptions** out) {
  return guarded([&]() -> OnyxStatus* {
    if (out == nullptr) return invalid("out is NULL");
    *out = new OnyxSessionOptions();
    return nullptr;
  });
}
void onyx_session_options_release(OnyxSessionOptions* options) { delete options; }

OnyxStatus* onyx_session_options_set_intra_op_threads(OnyxSessionOptions* options, int threads) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr) return invalid("options is NULL");
    if (threads < 0 || threads > 4096) return invalid("threads must be 0 to 4096");
    options->options.intra_op_num_threads = threads;
    return nullptr;
  });
}

OnyxStatus* onyx_session_options_set_execution_mode(OnyxSessionOptions* options, int parallel) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr) return invalid("options is NULL");
    if (parallel != 0 && parallel != 1) return invalid("execution mode must be 0 or 1");
    options->options.execution_mode =
        parallel == 1 ? onyx::ExecutionMode::kParallel : onyx::ExecutionMode::kSequential;
    return nullptr;
  });
}

OnyxStatus* onyx_session_options_set_inter_op_threads(OnyxSessionOptions* options, int threads) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr) return invalid("options is NULL");
    if (threads < 0 || threads > 4096) return invalid("threads must be 0 to 4096");
    options->options.inter_op_num_threads = threads;
    return nullptr;
  });
}

OnyxStatus* onyx_session_options_set_optimization_level(OnyxSessionOptions* options, int level) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr) return invalid("options is NULL");
    if (level != 0 && level != 1 && level != 2 && level != 99) {
      return invalid("optimization level must be 0, 1, 2 or 99");
    }
    options->optimization_level = level;
    options->options.optimization_level = level;
    return nullptr;
  });
}

OnyxStatus* onyx_session_options_add_custom_op(OnyxSessionOptions* options,
                                               const OnyxCustomOp* op) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr || op == nullptr) return invalid("options or op is NULL");
    return from_status(onyx::api::add_custom_op(options->custom_registry(), *op));
  });
}

OnyxStatus* onyx_session_options_load_custom_ops_library(OnyxSessionOptions* options,
                                                         const char* path) {
  return guarded([&]() -> OnyxStatus* {
    if (options == nullptr || path == nullptr) return invalid("options or path is NULL");
    return from_status(onyx::api::load_custom_ops_library(options->custom_registry(), path));
  });
}

const OnyxApi* onyx_get_api(void) { return onyx::api::custom_op_api(); }

// ---- sessions -------------------------------------------------------------------------------

OnyxStatus* onyx_session_create(const char* model_path, const OnyxSessionOptions* options,
                                OnyxSession** out) {
  return guarded([&]() -> OnyxStatus* {
    if (model_path == nullptr || out == nullptr) return invalid("model_path or out is NULL");
    *out = nullptr;
    auto s = onyx::Session::load(model_path, options ? options->options : onyx::SessionOptions{});
    if (!s.ok()) return from_status(s.status());
    *out = new OnyxSession{std::move(s).value()};
    return nullptr;
  });
}

OnyxStatus* onyx_session_create_from_bytes(const void* model_bytes, size_t size,
                                           const OnyxSessionOptions* options, OnyxSession** out) {
  return guarded([&]() -> OnyxStatus* {
    if (model_bytes == nullptr || out == nullptr) return invalid("model_bytes or out is NULL");
    *out = nullptr;
    std::string bytes(static_cast<const char*>(model_bytes), size);
    auto s = onyx::Session::load_from_bytes(bytes,
                                            options ? options->options : onyx::SessionOptions{});
    if (!s.ok()) return from_status(s.status());
    *out = new OnyxSession{std::move(s).value()};
    return nullptr;
  });
}

void onyx_session_release(OnyxSession* session) { delete session; }

OnyxStatus* onyx_session_input_count(const OnyxSession* session, size_t* out) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr || out == nullptr) return invalid("session or out is NULL");
    *out = session->session->inputs().size();
    return nullptr;
  });
}

OnyxStatus* onyx_session_output_count(const OnyxSession* session, size_t* out) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr || out == nullptr) return invalid("session or out is NULL");
    *out = session->session->outputs().size();
    return nullptr;
  });
}

OnyxStatus* onyx_session_input_name(const OnyxSession* session, size_t index, const char** out) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr || out == nullptr) return invalid("session or out is NULL");
    const auto& v = session->session->inputs();
    if (index >= v.size()) return invalid("input index " + std::to_string(index) + " out of range");
    *out = v[index].name.c_str();
    return nullptr;
  });
}

OnyxStatus* onyx_session_output_name(const OnyxSession* session, size_t index, const char** out) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr || out == nullptr) return invalid("session or out is NULL");
    const auto& v = session->session->outputs();
    if (index >= v.size()) return invalid("output index " + std::to_string(index) + " out of range");
    *out = v[index].name.c_str();
    return nullptr;
  });
}

OnyxStatus* onyx_session_input_type(const OnyxSession* session, size_t index,
                                    OnyxElementType* elem_type, int64_t* rank, int64_t* dims,
                                    size_t dims_capacity) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr) return invalid("session is NULL");
    const auto& v = session->session->inputs();
    if (index >= v.size()) return invalid("input index " + std::to_string(index) + " out of range");
    return describe_type(v[index], elem_type, rank, dims, dims_capacity);
  });
}

OnyxStatus* onyx_session_output_type(const OnyxSession* session, size_t index,
                                     OnyxElementType* elem_type, int64_t* rank, int64_t* dims,
                                     size_t dims_capacity) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr) return invalid("session is NULL");
    const auto& v = session->session->outputs();
    if (index >= v.size()) {
      return invalid("output index " + std::to_string(index) + " out of range");
    }
    return describe_type(v[index], elem_type, rank, dims, dims_capacity);
  });
}

OnyxStatus* onyx_session_run(const OnyxSession* session, const char* const* input_names,
                             const OnyxTensor* const* inputs, size_t n_inputs,
                             const char* const* output_names, size_t n_outputs,
                             OnyxTensor** outputs) {
  return guarded([&]() -> OnyxStatus* {
    if (session == nullptr) return invalid("session is NULL");
    if (n_inputs > 0 && (input_names == nullptr || inputs == nullptr)) {
      return invalid("input_names or inputs is NULL");
    }
    if (n_outputs > 0 && outputs == nullptr) return invalid("outputs is NULL");
    onyx::NamedValues feeds;
    for (size_t i = 0; i < n_inputs; ++i) {
      if (input_names[i] == nullptr || inputs[i] == nullptr) {
        return invalid("input " + std::to_string(i) + " has a NULL name or tensor");
      }
      feeds.emplace_back(input_names[i], onyx::Value(inputs[i]->tensor));
    }
    std::vector<std::string> names;
    if (output_names != nullptr) {
      for (size_t i = 0; i < n_outputs; ++i) {
        if (output_names[i] == nullptr) return invalid("output name " + std::to_string(i) + " is NULL");
        names.emplace_back(output_names[i]);
      }
    } else if (n_outputs != session->session->outputs().size()) {
      return invalid("output_names is NULL but n_outputs (" + std::to_string(n_outputs) +
                     ") is not the model's output count (" +
                     std::to_string(session->session->outputs().size()) + ")");
    }
    auto result = session->session->run(feeds, names);
    if (!result.ok()) return from_status(result.status());
    for (size_t i = 0; i < n_outputs; ++i) {
      if (!(*result)[i].is_tensor()) {
        return make_status(ONYX_NOT_IMPLEMENTED,
                           "output " + std::to_string(i) + " is " + (*result)[i].describe() +
                               ", which the C API does not return yet");
      }
    }
    for (size_t i = 0; i < n_outputs; ++i) outputs[i] = new OnyxTensor{(*result)[i].tensor()};
    return nullptr;
  });
}

// ---- tensors --------------------------------------------------------------------------------

OnyxStatus* onyx_tensor_create(OnyxElementType elem_type, const int64_t* dims, size_t rank,
                               OnyxTensor** out) {
  return guarded([&]() -> OnyxStatus* {
    if (out == nullptr) return invalid("out is NULL");
    *out = nullptr;
    if (!creatable(elem_type)) return invalid("unsupported element type " + std::to_string(elem_type));
    onyx::Shape shape;
    if (OnyxStatus* s = read_shape(dims, rank, &shape)) return s;
    onyx::Tensor t(static_cast<DataType>(elem_type), shape);
    if (t.dtype() != DataType::kString && t.nbytes() > 0) std::memset(t.raw_data(), 0, t.nbytes());
    *out = new OnyxTensor{std::move(t)};
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_create_over(OnyxElementType elem_type, const int64_t* dims, size_t rank,
                                    void* data, size_t byte_size, OnyxTensor** out) {
  return guarded([&]() -> OnyxStatus* {
    if (out == nullptr) return invalid("out is NULL");
    *out = nullptr;
    if (!creatable(elem_type) || elem_type == ONYX_STRING) {
      return invalid("unsupported element type " + std::to_string(elem_type) +
                     " for a tensor over caller memory");
    }
    onyx::Shape shape;
    if (OnyxStatus* s = read_shape(dims, rank, &shape)) return s;
    const int64_t n = onyx::shape_numel(shape);
    if (n < 0) return invalid("the shape's element count overflows");
    const size_t need = static_cast<size_t>(n) * onyx::data_type_size(static_cast<DataType>(elem_type));
    if (byte_size < need) {
      return invalid("byte_size " + std::to_string(byte_size) + " is less than the " +
                     std::to_string(need) + " bytes the shape needs");
    }
    if (data == nullptr && need > 0) return invalid("data is NULL");
    *out = new OnyxTensor{onyx::Tensor::wrap(static_cast<DataType>(elem_type), shape, data, nullptr)};
    return nullptr;
  });
}

void onyx_tensor_release(OnyxTensor* tensor) { delete tensor; }

OnyxStatus* onyx_tensor_element_type(const OnyxTensor* tensor, OnyxElementType* out) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || out == nullptr) return invalid("tensor or out is NULL");
    *out = static_cast<OnyxElementType>(tensor->tensor.dtype());
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_shape(const OnyxTensor* tensor, size_t* rank, const int64_t** dims) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || rank == nullptr || dims == nullptr) return invalid("argument is NULL");
    *rank = tensor->tensor.rank();
    *dims = tensor->tensor.shape().data();
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_element_count(const OnyxTensor* tensor, int64_t* out) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || out == nullptr) return invalid("tensor or out is NULL");
    *out = tensor->tensor.numel();
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_data(OnyxTensor* tensor, void** out) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || out == nullptr) return invalid("tensor or out is NULL");
    if (tensor->tensor.dtype() == DataType::kString) {
      return invalid("a string tensor has no flat buffer: use onyx_tensor_get_string");
    }
    *out = tensor->tensor.raw_data();
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_set_string(OnyxTensor* tensor, int64_t index, const char* value,
                                   size_t length) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || (value == nullptr && length > 0)) return invalid("argument is NULL");
    if (tensor->tensor.dtype() != DataType::kString) return invalid("not a string tensor");
    if (index < 0 || index >= tensor->tensor.numel()) {
      return invalid("index " + std::to_string(index) + " out of range");
    }
    tensor->tensor.data<std::string>()[index].assign(value == nullptr ? "" : value, length);
    return nullptr;
  });
}

OnyxStatus* onyx_tensor_get_string(const OnyxTensor* tensor, int64_t index, const char** value,
                                   size_t* length) {
  return guarded([&]() -> OnyxStatus* {
    if (tensor == nullptr || value == nullptr) return invalid("argument is NULL");
    if (tensor->tensor.dtype() != DataType::kString) return invalid("not a string tensor");
    if (index < 0 || index >= tensor->tensor.numel()) {
      return invalid("index " + std::to_string(index) + " out of range");
    }
    const std::string& s = tensor->tensor.data<std::string>()[index];
    *value = s.c_str();
    if (length != nullptr) *length = s.size();
    return nullptr;
  });
}

}  // extern "C"
