// Shared helpers of the CLI subcommands.
#pragma once

#include <optional>
#include <string>
#include <vector>

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

// The graph inputs a caller feeds (not backed by an initializer), in graph order.
std::vector<const ir::ValueInfo*> fed_inputs(const ir::Model& model);

// Feeds from DIR/input_K.pb (K = 0, 1, ... while the file exists), the K-th file matched to the
// K-th fed input and read as its declared type.
Result<NamedValues> load_inputs_from_dir(const ir::Model& model, const std::string& dir);

// A registry of the operators of custom-op libraries (`--custom-ops LIB`) over the built-in
// ones; null when `libraries` is empty.
Result<std::shared_ptr<const KernelRegistry>> load_custom_ops(
    const std::vector<std::string>& libraries);

// Argument parsing helpers: parse a whole string as a number (nullopt on junk or overflow).
std::optional<long long> parse_int(const std::string& s);
std::optional<double> parse_double(const std::string& s);

bool is_directory(const std::string& path);
bool is_regular_file(const std::string& path);
// Names of the entries of a folder (no "." / ".."), sorted; empty if it cannot be read.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace onyx::cli
