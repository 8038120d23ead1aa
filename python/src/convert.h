// NumPy / Python objects <-> onyx Values, for the Python module.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "core/value.h"
#include "ir/type_info.h"

namespace onyx::python {

namespace py = pybind11;

// The NumPy dtype of an onyx element type; throws NotImplemented for types NumPy lacks
// (bfloat16, float8, sub-byte types).
py::dtype numpy_dtype(DataType dt);

// The onyx element type of a NumPy dtype (strings: 'U', 'S' and object arrays).
DataType data_type_of_numpy(const py::dtype& dt);

// A feed for an input of type `expected`: NumPy arrays (viewed without copying when C-contiguous,
// aligned and of a plain dtype), Python scalars and lists (converted to the input's element
// type), lists for sequences, dicts for maps, None for an empty optional.
Value value_from_python(const py::handle& obj, const ir::TypeInfo& expected, const std::string& name);

// A run result as Python: arrays (sharing the tensor's buffer), lists, dicts, None.
py::object value_to_python(const Value& v);

}  // namespace onyx::python
