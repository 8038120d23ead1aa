// Helpers shared by the signal kernels: element conversion to and from double, and the
// output_datatype attribute of the window and mel-matrix generators.
#pragma once

#include <cstdint>

#include "core/data_type.h"
#include "core/status.h"
#include "ops/kernel.h"

namespace onyx::signal {

// Element types an output_datatype attribute may name (T2 / T3 of the generators).
using GeneratedTypes = NumericTypes;

template <typename T>
double to_double(const T& v) {
  return static_cast<double>(static_cast<compute_t<T>>(v));
}

template <typename T>
T from_double(double v) {
  return static_cast<T>(static_cast<compute_t<T>>(v));
}

// A 0/1 attribute (onesided, inverse, periodic) as a bool; any other value is an error.
inline Result<bool> attr_flag(const KernelInfo& info, const char* name, bool def) {
  ONYX_ASSIGN_OR_RETURN(const int64_t v, info.attr_int(name, def ? 1 : 0));
  if (v != 0 && v != 1) {
    return info.error(StatusCode::kInvalidGraph, name, " must be 0 or 1, got ", v);
  }
  return v == 1;
}

// Reads and validates `output_datatype` (default float).
inline Result<DataType> output_datatype(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(const int64_t code,
                        info.attr_int("output_datatype", static_cast<int64_t>(DataType::kFloat)));
  const auto dt = static_cast<DataType>(static_cast<int32_t>(code));
  if (code != static_cast<int32_t>(code) || !TypeListTraits<GeneratedTypes>::contains(dt)) {
    return info.error(StatusCode::kInvalidGraph, "output_datatype ", code,
                      " is not a numeric tensor type");
  }
  return dt;
}

}  // namespace onyx::signal
