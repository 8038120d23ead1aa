#include "onnx/file_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <tuple>

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

MappedFile::~MappedFile() {
  if (data != nullptr) munmap(data, size);
}

Result<std::shared_ptr<MappedFile>> map_file(const std::string& path) {
  using Key = std::tuple<std::string, dev_t, ino_t, off_t, int64_t, int64_t>;
  static std::mutex mu;
  static std::map<Key, std::weak_ptr<MappedFile>> live;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open '", path, "'");
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    close(fd);
    return InvalidArgument("'", path, "' cannot be mapped");
  }
  const Key key{path, st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  std::lock_guard<std::mutex> lock(mu);
  if (auto existing = live[key].lock()) {
    close(fd);
    return existing;
  }
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE,
                 fd, 0);
  close(fd);  // the mapping keeps the file open
  if (p == MAP_FAILED) return RuntimeError("cannot map '", path, "'");
  auto mapped = std::make_shared<MappedFile>();
  mapped->data = static_cast<uint8_t*>(p);
  mapped->size = static_cast<size_t>(st.st_size);
  // Forget mappings that are gone, so the table does not grow with every file ever loaded.
  for (auto it = live.begin(); it != live.end();) it = it->second.expired() ? live.erase(it) : ++it;
  live[key] = mapped;
  return mapped;
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
