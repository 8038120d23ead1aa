#include "cli_util.h"

#include <sys/stat.h>

#include <cstdio>
#include <sstream>

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
  NamedValues feeds;
  const auto& inputs = session.model().graph.inputs;
  // Inputs are numbered over the graph inputs that are not initializers, in order.
  std::vector<const ir::ValueInfo*> fed;
  for (const auto& vi : inputs) {
    if (!session.model().graph.initializers.count(vi.name)) fed.push_back(&vi);
  }
  for (size_t k = 0;; ++k) {
    const std::string file = dir + "/input_" + std::to_string(k) + ".pb";
    if (stat(file.c_str(), &st) != 0) break;
    if (k >= fed.size()) return InvalidArgument(file, ": the model has only ", fed.size(), " inputs");
    ONYX_ASSIGN_OR_RETURN(Value v, onnx_import::read_value_file(file, &fed[k]->type));
    feeds.emplace_back(fed[k]->name, std::move(v));
  }
  return feeds;
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

}  // namespace onyx::cli
