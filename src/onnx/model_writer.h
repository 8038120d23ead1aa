// IR -> ModelProto: saves a model (after the optimizer, for `onyx optimize`) as an .onnx file
// that ONNX tools read back. Fused ops keep their "onyx" domain, imported at version 1.
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace onyx::onnx_export {

// The serialized ModelProto.
Result<std::string> serialize_model(const ir::Model& model);
Status save_model(const ir::Model& model, const std::string& path);

}  // namespace onyx::onnx_export
