#include "convert.h"

#include <complex>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/half.h"
#include "errors.h"

namespace onyx::python {

namespace {

[[noreturn]] void fail(StatusCode code, const std::string& message) {
  throw StatusError(Status(code, message));
}

// Holds a reference to a Python object from C++ (a Tensor's storage owner); takes the GIL to
// drop it, since the last owner may let go on a thread that does not hold it.
std::shared_ptr<void> keep_alive(py::object obj) {
  auto* held = new py::object(std::move(obj));
  return std::shared_ptr<void>(held, [](void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<py::object*>(p);
  });
}

Shape shape_of(const py::array& a) {
  Shape s;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s.push_back(static_cast<int64_t>(a.shape(i)));
  return s;
}

Tensor string_tensor(const py::array& arr, const std::string& name) {
  py::array flat = py::array::ensure(arr.attr("ravel")());
  Tensor t(DataType::kString, shape_of(arr));
  std::string* out = t.data<std::string>();
  py::ssize_t i = 0;
  for (const py::handle item : flat.attr("tolist")()) {
    if (py::isinstance<py::bytes>(item)) {
      out[i++] = item.cast<std::string>();
    } else if (py::isinstance<py::str>(item)) {
      out[i++] = item.cast<std::string>();
    } else {
      fail(StatusCode::kInvalidArgument, "input '" + name + "': element " + std::to_string(i) +
                                             " of a string tensor is " +
                                             py::str(item.get_type().attr("__name__")).cast<std::string>() +
                                             ", not str");
    }
  }
  return t;
}

Tensor tensor_from_python(const py::handle& obj, DataType expected, const std::string& name) {
  py::array arr;
  if (py::isinstance<py::array>(obj)) {
    arr = py::reinterpret_borrow<py::array>(obj);
  } else {
    // Scalars and (nested) lists take the input's element type, as a user means them.
    py::module_ np = py::module_::import("numpy");
    if (expected == DataType::kUndefined || expected == DataType::kString) {
      arr = np.attr("asarray")(obj);
    } else {
      arr = np.attr("asarray")(obj, numpy_dtype(expected));
    }
  }
  const DataType dt = data_type_of_numpy(arr.dtype());
  if (expected != DataType::kUndefined && dt != expected) {
    fail(StatusCode::kInvalidArgument,
         "input '" + name + "' expects element type " + std::string(data_type_name(expected)) +
             ", got " + std::string(data_type_name(dt)) + " (NumPy " +
             py::str(py::handle(arr.dtype())).cast<std::string>() + ")");
  }
  if (dt == DataType::kString) return string_tensor(arr, name);
  // Views the array when its memory is laid out as onyx expects; copies otherwise.
  constexpr int kNeeded = py::array::c_style;
  if ((arr.flags() & kNeeded) != kNeeded || !(arr.flags() & 0x0100 /* NPY_ARRAY_ALIGNED */)) {
    arr = py::array::ensure(arr, py::array::c_style | py::array::forcecast);
  }
  void* data = const_cast<void*>(arr.data());
  return Tensor::wrap(dt, shape_of(arr), data, keep_alive(arr));
}

py::object tensor_to_python(const Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  if (t.dtype() == DataType::kString) {
    py::array out(py::dtype("O"), shape);
    auto* items = static_cast<PyObject**>(out.mutable_data());
    const std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      PyObject* o = PyUnicode_DecodeUTF8(s[i].data(), static_cast<py::ssize_t>(s[i].size()), "strict");
      if (o == nullptr) {  // not UTF-8: hand back the bytes
        PyErr_Clear();
        o = PyBytes_FromStringAndSize(s[i].data(), static_cast<py::ssize_t>(s[i].size()));
      }
      Py_XDECREF(items[i]);
      items[i] = o;
    }
    return out;
  }
  const py::dtype dt = numpy_dtype(t.dtype());
  // The array shares the tensor's buffer; the capsule keeps the buffer alive.
  auto* keep = new Tensor(t);
  py::capsule owner(keep, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(dt, shape, {}, keep->raw_data(), owner);
}

}  // namespace

py::dtype numpy_dtype(DataType dt) {
  switch (dt) {
    case DataType::kFloat: return py::dtype("float32");
    case DataType::kDouble: return py::dtype("float64");
    case DataType::kFloat16: return py::dtype("float16");
    case DataType::kInt8: return py::dtype("int8");
    case DataType::kInt16: return py::dtype("int16");
    case DataType::kInt32: return py::dtype("int32");
    case DataType::kInt64: return py::dtype("int64");
    case DataType::kUInt8: return py::dtype("uint8");
    case DataType::kUInt16: return py::dtype("uint16");
    case DataType::kUInt32: return py::dtype("uint32");
    case DataType::kUInt64: return py::dtype("uint64");
    case DataType::kBool: return py::dtype("bool");
    case DataType::kComplex64: return py::dtype("complex64");
    case DataType::kComplex128: return py::dtype("complex128");
    case DataType::kString: return py::dtype("O");
    default:
      fail(StatusCode::kNotImplemented,
           "element type " + std::string(data_type_name(dt)) + " has no NumPy dtype");
  }
}

DataType data_type_of_numpy(const py::dtype& dt) {
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  switch (kind) {
    case 'f':
      if (size == 2) return DataType::kFloat16;
      if (size == 4) return DataType::kFloat;
      if (size == 8) return DataType::kDouble;
      break;
    case 'i':
      if (size == 1) return DataType::kInt8;
      if (size == 2) return DataType::kInt16;
      if (size == 4) return DataType::kInt32;
      if (size == 8) return DataType::kInt64;
      break;
    case 'u':
      if (size == 1) return DataType::kUInt8;
      if (size == 2) return DataType::kUInt16;
      if (size == 4) return DataType::kUInt32;
      if (size == 8) return DataType::kUInt64;
      break;
    case 'b': return DataType::kBool;
    case 'c':
      if (size == 8) return DataType::kComplex64;
      if (size == 16) return DataType::kComplex128;
      break;
    case 'U':
    case 'S':
    case 'O': return DataType::kString;
    default: break;
  }
  fail(StatusCode::kInvalidArgument,
       "NumPy dtype " + py::str(py::handle(dt)).cast<std::string>() + " has no ONNX element type");
}

Value value_from_python(const py::handle& obj, const ir::TypeInfo& expected,
                        const std::string& name) {
  using Kind = ir::TypeInfo::Kind;
  switch (expected.kind) {
    case Kind::kOptional: {
      if (obj.is_none()) return Value::optional(nullptr);
      const ir::TypeInfo inner = expected.inner ? *expected.inner : ir::TypeInfo{};
      return Value::optional(std::make_shared<Value>(value_from_python(obj, inner, name)));
    }
    case Kind::kSequence: {
      if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
        fail(StatusCode::kInvalidArgument, "input '" + name + "' is a sequence: pass a list");
      }
      const ir::TypeInfo inner = expected.inner ? *expected.inner : ir::TypeInfo{};
      std::vector<Value> items;
      for (const py::handle item : obj) items.push_back(value_from_python(item, inner, name));
      const DataType elem = !items.empty() && items[0].is_tensor() ? items[0].tensor().dtype()
                                                                    : inner.elem_type;
      return Value::sequence(elem, std::move(items));
    }
    case Kind::kMap: {
      if (!py::isinstance<py::dict>(obj)) {
        fail(StatusCode::kInvalidArgument, "input '" + name + "' is a map: pass a dict");
      }
      const auto d = py::reinterpret_borrow<py::dict>(obj);
      py::list keys, values;
      for (const auto& [k, v] : d) {
        keys.append(k);
        values.append(v);
      }
      const DataType vt = expected.inner ? expected.inner->elem_type : DataType::kUndefined;
      Tensor kt = tensor_from_python(keys, expected.elem_type, name + " (keys)").clone();
      Tensor vt_t = tensor_from_python(values, vt, name + " (values)").clone();
      return Value::map(std::move(kt), std::move(vt_t));
    }
    default:
      return Value(tensor_from_python(obj, expected.elem_type, name));
  }
}

py::object value_to_python(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTensor: return tensor_to_python(v.tensor());
    case Value::Kind::kSequence: {
      py::list out;
      for (const Value& item : v.items()) out.append(value_to_python(item));
      return out;
    }
    case Value::Kind::kMap: {
      py::dict out;
      py::list keys = py::reinterpret_steal<py::list>(
          tensor_to_python(v.map_keys()).attr("tolist")().release());
      py::list values = py::reinterpret_steal<py::list>(
          tensor_to_python(v.map_values()).attr("tolist")().release());
      for (size_t i = 0; i < keys.size(); ++i) out[keys[i]] = values[i];
      return out;
    }
    case Value::Kind::kOptional:
      if (!v.has_optional_value()) return py::none();
      return value_to_python(*v.optional_value());
    case Value::Kind::kNone: break;
  }
  return py::none();
}

}  // namespace onyx::python
