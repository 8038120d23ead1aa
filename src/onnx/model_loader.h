// ONNX file -> IR. The only module that sees protobuf (with tensor_proto.h).
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace onyx::onnx_import {

struct LoadOptions {
  // Testing aid (`onyx test --dynamic`): every dim of every graph input, output and value_info
  // becomes unknown before type inference, so the model runs on run-time shape logic only.
  bool unknown_dims = false;
};

// Reads and converts a model. External data files are resolved relative to the model's folder
// and may not escape it.
Result<ir::Model> load_model(const std::string& path, const LoadOptions& options = {});
// `base_dir` resolves external data ("" refuses external data).
Result<ir::Model> load_model_from_bytes(const std::string& bytes, const std::string& base_dir,
                                        const LoadOptions& options = {});

}  // namespace onyx::onnx_import
