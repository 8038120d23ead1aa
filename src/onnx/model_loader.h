// ONNX file -> IR. The only module that sees protobuf (with tensor_proto.h).
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace onyx::onnx_import {

// Reads and converts a model. External data files are resolved relative to the model's folder
// and may not escape it.
Result<ir::Model> load_model(const std::string& path);
// `base_dir` resolves external data ("" refuses external data).
Result<ir::Model> load_model_from_bytes(const std::string& bytes, const std::string& base_dir);

}  // namespace onyx::onnx_import
