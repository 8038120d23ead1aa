// The onyx._onyx extension: a thin layer over onyx::Session. The onnxruntime-shaped API
// (InferenceSession, SessionOptions, NodeArg, ...) lives in python/onyx/__init__.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/handles.h"
#include "convert.h"
#include "errors.h"
#include "exec/profiler.h"
#include "exec/session.h"
#include "onnx/model_writer.h"

namespace onyx::python {
namespace {

// Python classes raised per status code, set once by onyx/__init__.py.
std::map<StatusCode, py::object>& error_classes() {
  static auto* classes = new std::map<StatusCode, py::object>();
  return *classes;
}

void set_error_classes(const py::dict& by_name) {
  const std::map<std::string, StatusCode> codes = {
      {"InvalidArgument", StatusCode::kInvalidArgument},
      {"NoSuchFile", StatusCode::kNotFound},
      {"InvalidGraph", StatusCode::kInvalidGraph},
      {"NotImplemented", StatusCode::kNotImplemented},
      {"RuntimeException", StatusCode::kRuntimeError},
  };
  for (const auto& [name, code] : codes) {
    if (by_name.contains(name)) error_classes()[code] = by_name[name.c_str()];
  }
}

// (name, type string, shape entries: int, str for a symbol, None for unknown) of a value.
py::tuple describe_value(const ir::ValueInfo& vi) {
  py::object shape = py::none();
  const ir::TypeInfo& t = vi.type;
  if (t.shape) {
    py::list dims;
    for (const auto& d : *t.shape) {
      if (d.value) {
        dims.append(*d.value);
      } else if (!d.symbol.empty()) {
        dims.append(d.symbol);
      } else {
        dims.append(py::none());
      }
    }
    shape = std::move(dims);
  }
  return py::make_tuple(vi.name, t.to_string(), shape);
}

// Whether the buffer of `t` overlaps the buffer of a fed tensor.
bool overlaps_any(const Tensor& t, const NamedValues& feeds) {
  if (t.nbytes() == 0 || t.dtype() == DataType::kString) return false;
  const auto* b = static_cast<const char*>(t.raw_data());
  const char* e = b + t.nbytes();
  for (const auto& [name, v] : feeds) {
    if (!v.is_tensor() || v.tensor().nbytes() == 0) continue;
    const auto* fb = static_cast<const char*>(v.tensor().raw_data());
    const char* fe = fb + v.tensor().nbytes();
    if (b < fe && fb < e) return true;
  }
  return false;
}

// The operators of the custom-op libraries registered with one SessionOptions.
class PyCustomOps {
 public:
  PyCustomOps() : registry_(api::new_custom_registry()) {}
  void load(const std::string& path) {
    py::gil_scoped_release release;
    check(api::load_custom_ops_library(*registry_, path));
  }
  std::shared_ptr<const KernelRegistry> registry() const { return registry_; }

 private:
  std::shared_ptr<KernelRegistry> registry_;
};

class PySession {
 public:
  PySession(const py::object& model, int intra_op_threads, const PyCustomOps* custom_ops,
            int optimization_level, bool parallel, int inter_op_threads, bool mem_pattern) {
    SessionOptions options;
    options.intra_op_num_threads = intra_op_threads;
    options.execution_mode = parallel ? ExecutionMode::kParallel : ExecutionMode::kSequential;
    options.inter_op_num_threads = inter_op_threads;
    options.enable_memory_pattern = mem_pattern;
    options.optimization_level = optimization_level;
    if (custom_ops != nullptr) options.custom_ops = custom_ops->registry();
    if (py::isinstance<py::bytes>(model)) {
      const std::string bytes = model.cast<std::string>();
      py::gil_scoped_release release;
      session_ = unwrap(Session::load_from_bytes(bytes, options));
    } else {
      const std::string path = py::str(py::module_::import("os").attr("fspath")(model));
      py::gil_scoped_release release;
      session_ = unwrap(Session::load(path, options));
    }
  }

  py::list inputs() const {
    py::list out;
    for (const auto& vi : session_->inputs()) out.append(describe_value(vi));
    return out;
  }
  py::list overridable_initializers() const {
    py::list out;
    for (const auto& vi : session_->overridable_initializers()) out.append(describe_value(vi));
    return out;
  }
  py::list outputs() const {
    py::list out;
    for (const auto& vi : session_->outputs()) out.append(describe_value(vi));
    return out;
  }

  py::dict metadata() const {
    const ir::Model& m = session_->model();
    py::dict custom;
    for (const auto& [k, v] : m.metadata) custom[py::str(k)] = v;
    py::dict d;
    d["producer_name"] = m.producer_name;
    d["producer_version"] = m.producer_version;
    d["domain"] = m.domain;
    d["description"] = m.doc;
    d["version"] = m.model_version;
    d["graph_name"] = m.graph.name;
    d["custom_metadata_map"] = custom;
    return d;
  }

  // Writes the graph as optimized at load (fused ops in the onyx domain) as an ONNX model.
  void save_optimized(const std::string& path) const {
    auto model = session_->model_with_weights();
    if (!model.ok()) throw StatusError(model.status());
    Status s = onnx_export::save_model(*model, path);
    if (!s.ok()) throw StatusError(std::move(s));
  }

  // Profiling (SessionOptions.enable_profiling): every later run records per-node events.
  void start_profiling() { profiler_ = std::make_unique<Profiler>(); }
  // Writes the Chrome trace and stops profiling; returns false when profiling was not on.
  bool end_profiling(const std::string& path) {
    if (!profiler_) return false;
    Status s = profiler_->write_chrome_trace(path);
    profiler_.reset();
    if (!s.ok()) throw StatusError(std::move(s));
    return true;
  }

  py::list run(const py::object& output_names, const py::dict& feeds) const {
    // Types of what a caller may feed, to convert lists and scalars and to check dtypes.
    std::map<std::string, const ir::TypeInfo*> types;
    for (const auto& vi : session_->inputs()) types[vi.name] = &vi.type;
    for (const auto& vi : session_->overridable_initializers()) types[vi.name] = &vi.type;
    NamedValues values;
    for (const auto& [k, v] : feeds) {
      const std::string name = py::str(k);
      auto it = types.find(name);
      if (it == types.end()) {
        std::string expected;
        for (const auto& vi : session_->inputs()) expected += (expected.empty() ? "" : ", ") + vi.name;
        throw StatusError(Status(StatusCode::kInvalidArgument,
                                 "'" + name + "' is not an input of the model (inputs: " +
                                     expected + ")"));
      }
      values.emplace_back(name, value_from_python(v, *it->second, name));
    }
    std::vector<std::string> names;
    if (!output_names.is_none()) names = output_names.cast<std::vector<std::string>>();
    Result<std::vector<Value>> result = std::vector<Value>{};
    {
      py::gil_scoped_release release;
      RunOptions run_options;
      run_options.profiler = profiler_.get();
      result = session_->run(values, names, run_options);
    }
    std::vector<Value> outs = unwrap(std::move(result));
    // Feeds are views of the caller's arrays; an output that is one of them (Identity, Reshape)
    // is copied so that writing to the output never changes an input, as with onnxruntime.
    for (Value& v : outs) {
      if (v.is_tensor() && overlaps_any(v.tensor(), values)) v = Value(v.tensor().clone());
    }
    py::list out;
    for (const Value& v : outs) out.append(value_to_python(v));
    // `values` may hold the last references to views of NumPy arrays: released here, with
    // the GIL held.
    return out;
  }

 private:
  std::unique_ptr<Session> session_;
  std::unique_ptr<Profiler> profiler_;  // shared by concurrent runs (Profiler is thread-safe)
};

}  // namespace

PYBIND11_MODULE(_onyx, m) {
  m.doc() = "onyx ONNX runtime: native layer (use the onyx package, not this module)";
  m.def("_set_error_classes", &set_error_classes);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      auto& classes = error_classes();
      auto it = classes.find(e.status().code());
      PyObject* type = it != classes.end() ? it->second.ptr() : PyExc_RuntimeError;
      PyErr_SetString(type, e.status().message().c_str());
    }
  });
  py::class_<PyCustomOps>(m, "_CustomOps")
      .def(py::init<>())
      .def("load", &PyCustomOps::load, py::arg("path"));
  py::class_<PySession>(m, "_Session")
      .def(py::init<const py::object&, int, const PyCustomOps*, int, bool, int, bool>(),
           py::arg("model"), py::arg("intra_op_threads") = 0, py::arg("custom_ops") = nullptr,
           py::arg("optimization_level") = 3, py::arg("parallel") = false,
           py::arg("inter_op_threads") = 0, py::arg("mem_pattern") = true)
      .def("inputs", &PySession::inputs)
      .def("overridable_initializers", &PySession::overridable_initializers)
      .def("outputs", &PySession::outputs)
      .def("metadata", &PySession::metadata)
      .def("save_optimized", &PySession::save_optimized, py::arg("path"))
      .def("start_profiling", &PySession::start_profiling)
      .def("end_profiling", &PySession::end_profiling, py::arg("path"))
      .def("run", &PySession::run, py::arg("output_names"), py::arg("feeds"));
}

}  // namespace onyx::python
