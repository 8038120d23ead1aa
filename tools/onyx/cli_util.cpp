#include "cli_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <cstdio>
#include <sstream>

#include "api/handles.h"
#include "onnx/file_util.h"
#include "onnx/npy.h"
#include "onnx/tensor_proto.h"

namespace onyx::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

Result<Value> read_input_file(const std::string& path, const ir::TypeInfo* type) {
  if (path.size() > 4 && path.substr(path.size() - 4) == ".npy") {
    ONYX_ASSIGN_OR_RETURN(Tensor t, onnx_import::read_npy(path));
    return Value(std::move(t));
  }
  return onnx_import::read_value_file(path, type);
}

Result<NamedValues> load_test_data_set(const Session& session, const std::string& model_path,
                                       int n) {
  const std::string dir =
      onnx_import::parent_dir(model_path) + "/test_data_set_" + std::to_string(n);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    std::string expected;
    for (const auto& vi : session.inputs()) {
      expected += "\n  " + vi.name + ": " + vi.type.to_string() + " " + vi.type.shape_string();
    }
    return InvalidArgument("no inputs given (-i NAME=FILE) and no ", dir,
                           "/ beside the model; the model expects:", expected);
  }
  return load_inputs_from_dir(session.model(), dir);
}

std::vector<const ir::ValueInfo*> fed_inputs(const ir::Model& model) {
  std::vector<const ir::ValueInfo*> fed;
  for (const auto& vi : model.graph.inputs) {
    if (!model.graph.initializers.count(vi.name)) fed.push_back(&vi);
  }
  return fed;
}

Result<NamedValues> load_inputs_from_dir(const ir::Model& model, const std::string& dir) {
  NamedValues feeds;
  // Inputs are numbered over the graph inputs that are not initializers, in order.
  const std::vector<const ir::ValueInfo*> fed = fed_inputs(model);
  for (size_t k = 0;; ++k) {
    const std::string file = dir + "/input_" + std::to_string(k) + ".pb";
    if (!is_regular_file(file)) break;
    if (k >= fed.size()) return InvalidArgument(file, ": the model has only ", fed.size(), " inputs");
    ONYX_ASSIGN_OR_RETURN(Value v, onnx_import::read_value_file(file, &fed[k]->type));
    feeds.emplace_back(fed[k]->name, std::move(v));
  }
  return feeds;
}

std::optional<long long> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  if (!d) return names;
  while (const dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

template <typename T>
void print_values(std::ostringstream& os, const Tensor& t, size_t max_values) {
  const int64_t n = std::min<int64_t>(t.numel(), static_cast<int64_t>(max_values));
  for (int64_t i = 0; i < n; ++i) {
    if (i) os << ", ";
    if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
      os << static_cast<int>(t.data<T>()[i]);
    } else if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
      os << static_cast<float>(t.data<T>()[i]);
    } else if constexpr (std::is_same_v<T, std::string>) {
      os << '"' << t.data<T>()[i] << '"';
    } else {
      os << t.data<T>()[i];
    }
  }
  if (t.numel() > n) os << ", ...";
}

}  // namespace

std::string describe_value(const Value& v, size_t max_values) {
  if (!v.is_tensor()) return v.describe();
  const Tensor& t = v.tensor();
  std::ostringstream os;
  os << data_type_name(t.dtype()) << " " << shape_to_string(t.shape()) << " = ";
  Status s = dispatch<AllTypes>(t.dtype(), [&]<typename T>() {
    print_values<T>(os, t, max_values);
    return Status::OK();
  });
  if (!s.ok()) os << "(values not shown)";
  return os.str();
}

std::string sanitize_file_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '/' || c == '\\' || c == ':' || c == '\0') c = '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

Result<std::shared_ptr<const KernelRegistry>> load_custom_ops(
    const std::vector<std::string>& libraries) {
  if (libraries.empty()) return std::shared_ptr<const KernelRegistry>();
  std::shared_ptr<KernelRegistry> registry = api::new_custom_registry();
  for (const auto& lib : libraries) {
    ONYX_RETURN_IF_ERROR(api::load_custom_ops_library(*registry, lib));
  }
  return std::shared_ptr<const KernelRegistry>(registry);
}

}  // namespace onyx::cli
