// Shared helpers of the CLI subcommands.
#pragma once

#include <string>

#include "exec/session.h"

namespace onyx::cli {

// Prints "onyx: message" to stderr and returns 1.
int fail(const std::string& message);

// Reads a .npy or .pb (TensorProto / SequenceProto / ... following `type`) input file.
Result<Value> read_input_file(const std::string& path, const ir::TypeInfo* type);

// Feeds from MODEL_DIR/test_data_set_<n>/input_K.pb, matched to the model's inputs in order.
// Fails listing the expected inputs when the folder does not exist.
Result<NamedValues> load_test_data_set(const Session& session, const std::string& model_path,
                                       int n);

// "float32 [1,10] = 0.1, 0.2, ..." (first values).
std::string describe_value(const Value& v, size_t max_values = 8);

std::string sanitize_file_name(const std::string& name);

}  // namespace onyx::cli
