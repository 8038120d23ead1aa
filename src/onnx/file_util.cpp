#include "onnx/file_util.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>

namespace onyx::onnx_import {

Result<std::string> read_whole_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return NotFound("file '", path, "' does not exist");
  if (S_ISDIR(st.st_mode)) return InvalidArgument("'", path, "' is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open '", path, "'");
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<size_t>(in.gcount()) != bytes.size()) {
    return RuntimeError("short read on '", path, "'");
  }
  return bytes;
}

Result<std::string> read_file_range(const std::string& path, size_t offset, size_t length) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return NotFound("external data file '", path, "' does not exist");
  const auto size = static_cast<size_t>(st.st_size);
  if (offset > size || length > size - offset) {
    return InvalidGraph("external data file '", path, "' has ", size, " bytes; needed ", length,
                        " at offset ", offset);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open '", path, "'");
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(length, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  if (static_cast<size_t>(in.gcount()) != length) return RuntimeError("short read on '", path, "'");
  return bytes;
}

Result<std::string> resolve_inside(const std::string& base_dir, const std::string& relative) {
  if (relative.empty()) return InvalidGraph("external data has no location");
  if (relative[0] == '/') {
    return InvalidGraph("external data location '", relative, "' is absolute; it must be relative ",
                        "to the model's folder");
  }
  char base_real[PATH_MAX];
  if (realpath(base_dir.c_str(), base_real) == nullptr) {
    return NotFound("model folder '", base_dir, "' does not exist");
  }
  const std::string joined = std::string(base_real) + "/" + relative;
  char real[PATH_MAX];
  if (realpath(joined.c_str(), real) == nullptr) {
    return NotFound("external data file '", relative, "' not found in '", base_dir, "'");
  }
  const std::string prefix = std::string(base_real) + "/";
  if (std::string(real).rfind(prefix, 0) != 0) {
    return InvalidGraph("external data location '", relative, "' escapes the model's folder");
  }
  return std::string(real);
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace onyx::onnx_import
