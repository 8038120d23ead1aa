// NumPy .npy files (format 1.0-3.0, C order, little-endian) <-> tensors.
#pragma once

#include <string>

#include "core/status.h"
#include "core/tensor.h"

namespace onyx::onnx_import {

Result<Tensor> read_npy(const std::string& path);
Result<Tensor> parse_npy(const std::string& bytes);
Status write_npy(const std::string& path, const Tensor& tensor);

}  // namespace onyx::onnx_import
