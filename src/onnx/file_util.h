// Bounded, confined file reading for everything the importer takes from disk.
#pragma once

#include <string>

#include "core/status.h"

namespace onyx::onnx_import {

Result<std::string> read_whole_file(const std::string& path);
// Reads exactly `length` bytes at `offset`, failing if the file is shorter.
Result<std::string> read_file_range(const std::string& path, size_t offset, size_t length);
// base_dir/relative, refusing absolute paths and anything resolving outside base_dir.
Result<std::string> resolve_inside(const std::string& base_dir, const std::string& relative);
// Folder part of a path ("." when none).
std::string parent_dir(const std::string& path);

}  // namespace onyx::onnx_import
