#include "compare.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <type_traits>

#include "core/float8.h"
#include "core/sub_byte.h"

namespace onyx::cli {

namespace {

// Multi-index of flat element `flat` in `shape`: "[1,0,2]".
std::string index_string(const Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
  return s + "]";
}

template <typename T>
std::string show(const T& v) {
  std::ostringstream os;
  if constexpr (std::is_same_v<T, std::string>) {
    os << '"' << (v.size() > 60 ? v.substr(0, 60) + "..." : v) << '"';
  } else if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "true" : "false");
  } else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
    os << static_cast<int>(v);
  } else if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    os.precision(6);
    os << static_cast<float>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    os.precision(std::is_same_v<T, float> ? 9 : 17);
    os << v;
  } else {
    os << v;
  }
  return os.str();
}

bool close_enough(double got, double expected, const CompareOptions& o) {
  if (std::isnan(got) || std::isnan(expected)) return std::isnan(got) && std::isnan(expected);
  if (got == expected) return true;  // also equal infinities
  if (std::isinf(got) || std::isinf(expected)) return false;
  return std::fabs(got - expected) <= o.atol + o.rtol * std::fabs(expected);
}

template <typename T>
bool element_equal(const T& got, const T& expected, const CompareOptions& o) {
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    return close_enough(static_cast<float>(got), static_cast<float>(expected), o);
  } else if constexpr (std::is_floating_point_v<T>) {
    return close_enough(static_cast<double>(got), static_cast<double>(expected), o);
  } else if constexpr (std::is_same_v<T, std::complex<float>> ||
                       std::is_same_v<T, std::complex<double>>) {
    return close_enough(got.real(), expected.real(), o) &&
           close_enough(got.imag(), expected.imag(), o);
  } else {
    return got == expected;
  }
}

template <typename T>
std::string compare_elements(const Tensor& got, const Tensor& expected, const std::string& where,
                             const CompareOptions& o) {
  const T* g = got.data<T>();
  const T* e = expected.data<T>();
  const int64_t n = expected.numel();
  int64_t first = -1, count = 0;
  double max_abs = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (element_equal<T>(g[i], e[i], o)) continue;
    if (first < 0) first = i;
    ++count;
    if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16> ||
                  std::is_floating_point_v<T>) {
      const double d = std::fabs(static_cast<double>(static_cast<float>(g[i])) -
                                 static_cast<double>(static_cast<float>(e[i])));
      if (!std::isnan(d) && d > max_abs) max_abs = d;
    }
  }
  if (first < 0) return "";
  std::ostringstream os;
  os << where << ": value mismatch at " << index_string(expected.shape(), first);
  if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
    os << ": got " << g[first] << ", expected " << e[first];
  } else {
    os << ": got " << show(g[first]) << ", expected " << show(e[first]);
  }
  os << " (" << count << " of " << n << " elements differ";
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16> ||
                std::is_floating_point_v<T>) {
    os << ", max abs diff " << max_abs;
  }
  os << ")";
  return os.str();
}

// Float8 / float4e2m1 values decoded to float (NaN equal to NaN, whatever its code) and
// int4 / uint4 / int2 / uint2 values unpacked (padding bits ignored); nullopt for other types.
std::optional<std::string> compare_decoded(const Tensor& got, const Tensor& expected,
                                           const std::string& where, const CompareOptions& o) {
  const DataType dt = expected.dtype();
  std::function<float(const Tensor&, int64_t)> as_float;
  if (auto f8 = float8_format(dt)) {
    const Float8Format fmt = *f8;
    as_float = [fmt](const Tensor& t, int64_t i) {
      return float8_to_float(t.data<uint8_t>()[i], fmt);
    };
  } else if (dt == DataType::kFloat8E8M0) {
    as_float = [](const Tensor& t, int64_t i) { return float8e8m0_to_float(t.data<uint8_t>()[i]); };
  } else if (dt == DataType::kFloat4E2M1) {
    as_float = [](const Tensor& t, int64_t i) {
      return float4e2m1_to_float(packed_get(t.raw_data(), i, 4));
    };
  } else if (is_sub_byte_integer(dt)) {
    const int bits = static_cast<int>(data_type_bits(dt));
    as_float = [bits, dt](const Tensor& t, int64_t i) {
      return static_cast<float>(sub_byte_int_value(packed_get(t.raw_data(), i, bits), dt));
    };
  } else {
    return std::nullopt;
  }
  const bool exact = is_sub_byte_integer(dt);
  const int64_t n = expected.numel();
  int64_t first = -1, count = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float g = as_float(got, i), e = as_float(expected, i);
    if (exact ? g == e : close_enough(g, e, o)) continue;
    if (first < 0) first = i;
    ++count;
  }
  if (first < 0) return std::string();
  std::ostringstream os;
  os << where << ": value mismatch at " << index_string(expected.shape(), first) << ": got "
     << as_float(got, first) << ", expected " << as_float(expected, first) << " ("
     << data_type_name(dt) << ", " << count << " of " << n << " elements differ)";
  return os.str();
}

std::string compare_tensors(const Tensor& got, const Tensor& expected, const std::string& where,
                            const CompareOptions& o) {
  if (got.dtype() != expected.dtype()) {
    return where + ": element type " + std::string(data_type_name(got.dtype())) + ", expected " +
           std::string(data_type_name(expected.dtype()));
  }
  if (got.shape() != expected.shape()) {
    return where + ": shape " + shape_to_string(got.shape()) + ", expected " +
           shape_to_string(expected.shape());
  }
  if (expected.numel() == 0) return "";
  std::string result;
  Status s = dispatch<AllTypes>(expected.dtype(), [&]<typename T>() {
    result = compare_elements<T>(got, expected, where, o);
    return Status::OK();
  });
  if (s.ok()) return result;
  if (expected.dtype() == DataType::kComplex64) {
    return compare_elements<std::complex<float>>(got, expected, where, o);
  }
  if (expected.dtype() == DataType::kComplex128) {
    return compare_elements<std::complex<double>>(got, expected, where, o);
  }
  if (auto decoded = compare_decoded(got, expected, where, o)) return *decoded;
  // Other types: compare the stored bytes.
  const size_t nbytes = expected.nbytes();
  if (got.nbytes() != nbytes) return where + ": storage size differs";
  if (nbytes && std::memcmp(got.raw_data(), expected.raw_data(), nbytes) != 0) {
    return where + ": bytes differ (" + std::string(data_type_name(expected.dtype())) + ")";
  }
  return "";
}

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::kNone:
      return "none";
    case Value::Kind::kTensor:
      return "tensor";
    case Value::Kind::kSequence:
      return "sequence";
    case Value::Kind::kMap:
      return "map";
    case Value::Kind::kOptional:
      return "optional";
  }
  return "?";
}

}  // namespace

std::string compare_values(const Value& got, const Value& expected, const std::string& where,
                           const CompareOptions& options) {
  if (got.kind() != expected.kind()) {
    return where + ": got a " + kind_name(got.kind()) + " (" + got.describe() + "), expected a " +
           kind_name(expected.kind()) + " (" + expected.describe() + ")";
  }
  switch (expected.kind()) {
    case Value::Kind::kNone:
      return "";
    case Value::Kind::kTensor:
      return compare_tensors(got.tensor(), expected.tensor(), where, options);
    case Value::Kind::kSequence: {
      if (got.items().size() != expected.items().size()) {
        return where + ": sequence of " + std::to_string(got.items().size()) +
               " elements, expected " + std::to_string(expected.items().size());
      }
      for (size_t i = 0; i < expected.items().size(); ++i) {
        std::string r = compare_values(got.items()[i], expected.items()[i],
                                       where + "[" + std::to_string(i) + "]", options);
        if (!r.empty()) return r;
      }
      return "";
    }
    case Value::Kind::kMap: {
      std::string r = compare_tensors(got.map_keys(), expected.map_keys(), where + " keys", options);
      if (!r.empty()) return r;
      return compare_tensors(got.map_values(), expected.map_values(), where + " values", options);
    }
    case Value::Kind::kOptional: {
      if (got.has_optional_value() != expected.has_optional_value()) {
        return where + (got.has_optional_value() ? ": optional holds a value, expected none"
                                                 : ": optional is empty, expected a value");
      }
      if (!expected.has_optional_value()) return "";
      return compare_values(*got.optional_value(), *expected.optional_value(), where, options);
    }
  }
  return "";
}

}  // namespace onyx::cli
