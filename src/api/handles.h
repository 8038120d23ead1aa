// What the C API's opaque handles are, shared by the C API (c_api.cpp, in libonyx.so) and the
// custom-operator bridge (custom_ops.cpp, in the runtime so the CLI has it too).
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "onyx/onyx.h"
#include "ops/kernel.h"
#include "ops/registry.h"

struct OnyxStatus {
  OnyxStatusCode code;
  std::string message;
};

struct OnyxTensor {
  onyx::Tensor tensor;
};

struct OnyxKernelInfo {
  const onyx::KernelInfo* info;
  // Dims of the input last asked for by info_input_type (the pointer it hands out).
  mutable std::vector<int64_t> dims;
};

// One run of one custom node: the tensors handed to the callbacks live here.
struct OnyxKernelContext {
  onyx::KernelContext* context;
  std::deque<OnyxTensor> inputs;   // deque: stable addresses
  std::deque<OnyxTensor> outputs;
};

struct OnyxTypeInference {
  std::vector<onyx::ir::TypeInfo> outputs;  // one per node output
};

struct OnyxCustomOpRegistry {
  onyx::KernelRegistry* registry;
};

namespace onyx::api {

OnyxStatusCode status_code_of(StatusCode code);
StatusCode status_code_from(OnyxStatusCode code);
// A new status (never null), or a static out-of-memory one that release_status ignores.
OnyxStatus* make_status(OnyxStatusCode code, std::string message);
void release_status(OnyxStatus* status);
// Takes (and releases) a status returned by a callback: OK for null.
Status take_status(OnyxStatus* status);

// A registry for custom operators over the built-in one.
std::shared_ptr<KernelRegistry> new_custom_registry();
// Registers `op` (copied) in `registry`.
Status add_custom_op(KernelRegistry& registry, const OnyxCustomOp& op);
// dlopens `path` and calls its onyx_register_custom_ops(registry, api).
Status load_custom_ops_library(KernelRegistry& registry, const std::string& path);

const OnyxApi* custom_op_api();

}  // namespace onyx::api
