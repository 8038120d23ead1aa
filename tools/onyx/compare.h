// Comparison of run-time values against expected ones, as the ONNX backend tests do it.
#pragma once

#include <string>

#include "core/value.h"

namespace onyx::cli {

struct CompareOptions {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// "" when `got` matches `expected`: same kind; tensors with the same element type and shape and
// values within |got - expected| <= atol + rtol * |expected| (floating types, NaN equal to NaN,
// float16 / bfloat16 compared as float) or exactly equal (integers, bool, strings); sequences,
// maps and optionals element by element. Otherwise a one-line description of the first mismatch,
// prefixed by `where` ("output 'y'").
std::string compare_values(const Value& got, const Value& expected, const std::string& where,
                           const CompareOptions& options = {});

}  // namespace onyx::cli
