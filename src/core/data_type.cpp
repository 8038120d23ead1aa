#include "core/data_type.h"

#include <array>

namespace onyx {
namespace {

struct TypeEntry {
  DataType dt;
  std::string_view name;
  size_t size;
};

constexpr std::array<TypeEntry, 27> kTypes = {{
    {DataType::kUndefined, "undefined", 0},
    {DataType::kFloat, "float", 4},
    {DataType::kUInt8, "uint8", 1},
    {DataType::kInt8, "int8", 1},
    {DataType::kUInt16, "uint16", 2},
    {DataType::kInt16, "int16", 2},
    {DataType::kInt32, "int32", 4},
    {DataType::kInt64, "int64", 8},
    {DataType::kString, "string", 0},
    {DataType::kBool, "bool", 1},
    {DataType::kFloat16, "float16", 2},
    {DataType::kDouble, "double", 8},
    {DataType::kUInt32, "uint32", 4},
    {DataType::kUInt64, "uint64", 8},
    {DataType::kComplex64, "complex64", 8},
    {DataType::kComplex128, "complex128", 16},
    {DataType::kBFloat16, "bfloat16", 2},
    {DataType::kFloat8E4M3FN, "float8e4m3fn", 1},
    {DataType::kFloat8E4M3FNUZ, "float8e4m3fnuz", 1},
    {DataType::kFloat8E5M2, "float8e5m2", 1},
    {DataType::kFloat8E5M2FNUZ, "float8e5m2fnuz", 1},
    {DataType::kUInt4, "uint4", 0},  // sub-byte: see data_type_bits
    {DataType::kInt4, "int4", 0},
    {DataType::kFloat4E2M1, "float4e2m1", 0},
    {DataType::kFloat8E8M0, "float8e8m0", 1},
    {DataType::kUInt2, "uint2", 0},
    {DataType::kInt2, "int2", 0},
}};

}  // namespace

std::string_view data_type_name(DataType dt) {
  const auto i = static_cast<size_t>(dt);
  return i < kTypes.size() ? kTypes[i].name : std::string_view("unknown");
}

size_t data_type_size(DataType dt) {
  const auto i = static_cast<size_t>(dt);
  return i < kTypes.size() ? kTypes[i].size : 0;
}

bool is_sub_byte(DataType dt) {
  return dt == DataType::kInt4 || dt == DataType::kUInt4 || dt == DataType::kFloat4E2M1 ||
         dt == DataType::kInt2 || dt == DataType::kUInt2;
}

size_t data_type_bits(DataType dt) {
  if (dt == DataType::kInt2 || dt == DataType::kUInt2) return 2;
  if (is_sub_byte(dt)) return 4;
  return 8 * data_type_size(dt);
}

size_t data_type_storage_bytes(DataType dt, size_t numel) {
  if (is_sub_byte(dt)) {
    const size_t per_byte = 8 / data_type_bits(dt);
    return numel / per_byte + (numel % per_byte != 0 ? 1 : 0);
  }
  return numel * data_type_size(dt);
}

std::optional<DataType> data_type_from_onnx(int32_t code) {
  if (code <= 0 || static_cast<size_t>(code) >= kTypes.size()) return std::nullopt;
  return static_cast<DataType>(code);
}

std::optional<DataType> data_type_from_name(std::string_view name) {
  for (const auto& e : kTypes) {
    if (e.name == name && e.dt != DataType::kUndefined) return e.dt;
  }
  return std::nullopt;
}

bool is_floating(DataType dt) {
  return dt == DataType::kFloat || dt == DataType::kDouble || dt == DataType::kFloat16 ||
         dt == DataType::kBFloat16;
}

bool is_signed_integer(DataType dt) {
  return dt == DataType::kInt8 || dt == DataType::kInt16 || dt == DataType::kInt32 ||
         dt == DataType::kInt64;
}

bool is_unsigned_integer(DataType dt) {
  return dt == DataType::kUInt8 || dt == DataType::kUInt16 || dt == DataType::kUInt32 ||
         dt == DataType::kUInt64;
}

}  // namespace onyx
