// TensorProto / SequenceProto / MapProto / OptionalProto <-> run-time values.
#pragma once

#include <string>

#include "core/status.h"
#include "core/value.h"
#include "ir/type_info.h"

namespace onnx {
class TensorProto;
class TypeProto;
}  // namespace onnx

namespace onyx::onnx_import {

// Converts a TensorProto; external data is read from files under `base_dir` (which the
// location may not escape). `base_dir` empty refuses external data.
Result<Tensor> tensor_from_proto(const onnx::TensorProto& proto, const std::string& base_dir);
// Same, but a large raw_data buffer is moved into the tensor instead of copied (the proto's
// raw_data is left empty): the loader's initializers, so a model's weights are copied once
// (by the protobuf parser), not twice. Such a tensor's data is 16-byte aligned (malloc's),
// not 64.
Result<Tensor> take_tensor_from_proto(onnx::TensorProto& proto, const std::string& base_dir);
void tensor_to_proto(const Tensor& tensor, onnx::TensorProto* proto);

ir::TypeInfo type_from_proto(const onnx::TypeProto& proto);

// Reads a serialized value file (as in the ONNX backend tests: input_0.pb). The message kind
// (TensorProto, SequenceProto, MapProto, OptionalProto) follows `expected` (tensor if unknown).
Result<Value> read_value_file(const std::string& path, const ir::TypeInfo* expected);
// Writes a tensor as a serialized TensorProto.
Status write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name);

}  // namespace onyx::onnx_import
