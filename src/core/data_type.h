// Element types, numbered as in ONNX's TensorProto.DataType, and the one dtype-dispatch utility.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/half.h"
#include "core/status.h"

namespace onyx {

enum class DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUInt4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kFloat8E8M0 = 24,
  kUInt2 = 25,
  kInt2 = 26,
};

// "float", "int64", ... as in ONNX type strings ("tensor(float)").
std::string_view data_type_name(DataType dt);
// Bytes per element in our in-memory layout (0 for string and sub-byte types).
size_t data_type_size(DataType dt);
// Bits per element: 2 or 4 for the packed sub-byte types, 8 * data_type_size otherwise (0 for
// string and undefined).
size_t data_type_bits(DataType dt);
// int4, uint4, float4e2m1, int2, uint2: stored packed, several elements per byte, element i in
// bits [(i % k) * bits, (i % k + 1) * bits) of byte i / k (low bits first, as ONNX raw_data).
bool is_sub_byte(DataType dt);
// Bytes that `numel` elements of `dt` occupy (rounded up for sub-byte types; 0 for string).
size_t data_type_storage_bytes(DataType dt, size_t numel);
// A DataType from an ONNX integer code, or nullopt when the code is unknown.
std::optional<DataType> data_type_from_onnx(int32_t code);
// Parses "float", "int64", ... back to a DataType.
std::optional<DataType> data_type_from_name(std::string_view name);

bool is_floating(DataType dt);  // float, double, float16, bfloat16
bool is_signed_integer(DataType dt);
bool is_unsigned_integer(DataType dt);

// C++ storage type <-> DataType.
template <typename T>
struct DataTypeOf;
#define ONYX_DATA_TYPE_OF(T, DT) \
  template <>                    \
  struct DataTypeOf<T> {         \
    static constexpr DataType value = DT; \
  };
ONYX_DATA_TYPE_OF(float, DataType::kFloat)
ONYX_DATA_TYPE_OF(double, DataType::kDouble)
ONYX_DATA_TYPE_OF(float16, DataType::kFloat16)
ONYX_DATA_TYPE_OF(bfloat16, DataType::kBFloat16)
ONYX_DATA_TYPE_OF(int8_t, DataType::kInt8)
ONYX_DATA_TYPE_OF(int16_t, DataType::kInt16)
ONYX_DATA_TYPE_OF(int32_t, DataType::kInt32)
ONYX_DATA_TYPE_OF(int64_t, DataType::kInt64)
ONYX_DATA_TYPE_OF(uint8_t, DataType::kUInt8)
ONYX_DATA_TYPE_OF(uint16_t, DataType::kUInt16)
ONYX_DATA_TYPE_OF(uint32_t, DataType::kUInt32)
ONYX_DATA_TYPE_OF(uint64_t, DataType::kUInt64)
ONYX_DATA_TYPE_OF(bool, DataType::kBool)
ONYX_DATA_TYPE_OF(std::string, DataType::kString)
ONYX_DATA_TYPE_OF(std::complex<float>, DataType::kComplex64)
ONYX_DATA_TYPE_OF(std::complex<double>, DataType::kComplex128)
#undef ONYX_DATA_TYPE_OF

template <typename T>
inline constexpr DataType data_type_of = DataTypeOf<T>::value;

// ---- dtype dispatch -------------------------------------------------------------------------
// Usage:
//   return dispatch<FloatTypes>(t.dtype(), [&]<typename T>() -> Status { ...; return Status::OK(); });
// The callable's template operator() is instantiated for each type in the list; a dtype outside
// the list yields NotImplemented naming the dtype.

template <typename... Ts>
struct TypeList {};

using FloatTypes = TypeList<float, double, float16, bfloat16>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using IntTypes = TypeList<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>;
using NumericTypes = TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t, int64_t,
                              uint8_t, uint16_t, uint32_t, uint64_t>;
using SignedNumericTypes =
    TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t, int64_t>;
using NumericAndBoolTypes = TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t,
                                     int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>;
using AllTypes = TypeList<float, double, float16, bfloat16, int8_t, int16_t, int32_t, int64_t,
                          uint8_t, uint16_t, uint32_t, uint64_t, bool, std::string>;

template <typename List>
struct TypeListTraits;
template <typename... Ts>
struct TypeListTraits<TypeList<Ts...>> {
  static bool contains(DataType dt) { return ((data_type_of<Ts> == dt) || ...); }
};

template <typename List, typename F>
Status dispatch(DataType dt, F&& f);

template <typename... Ts, typename F>
Status dispatch_impl(TypeList<Ts...>, DataType dt, F&& f) {
  Status result = NotImplemented("element type ", data_type_name(dt), " is not supported here");
  (void)((data_type_of<Ts> == dt ? (result = f.template operator()<Ts>(), true) : false) || ...);
  return result;
}

template <typename List, typename F>
Status dispatch(DataType dt, F&& f) {
  return dispatch_impl(List{}, dt, std::forward<F>(f));
}

// Arithmetic type used to compute on T: float for the 16-bit floats, T otherwise.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<float16> {
  using type = float;
};
template <>
struct ComputeType<bfloat16> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

}  // namespace onyx
