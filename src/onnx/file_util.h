// Bounded, confined file reading for everything the importer takes from disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace onyx::onnx_import {

Result<std::string> read_whole_file(const std::string& path);
// Reads exactly `length` bytes at `offset`, failing if the file is shorter.
Result<std::string> read_file_range(const std::string& path, size_t offset, size_t length);
// A whole file mapped copy-on-write (MAP_PRIVATE): initializers view their external data in it
// instead of copying it, so weights cost page cache shared with other processes, not heap.
// Mappings are shared by every tensor (and session) reading the same file version (device,
// inode, size, modification time) and unmapped with the last of them.
struct MappedFile {
  uint8_t* data = nullptr;
  size_t size = 0;
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
};
// Fails for empty files and where mmap does (callers then read the bytes instead).
Result<std::shared_ptr<MappedFile>> map_file(const std::string& path);
// base_dir/relative, refusing absolute paths and anything resolving outside base_dir.
Result<std::string> resolve_inside(const std::string& base_dir, const std::string& relative);
// Folder part of a path ("." when none).
std::string parent_dir(const std::string& path);

}  // namespace onyx::onnx_import
