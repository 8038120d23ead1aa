#include "onnx/tensor_proto.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <onnx/onnx_pb.h>  // defines ONNX_API; must precede onnx-data.pb.h
#include <onnx/onnx-data.pb.h>

#include "onnx/file_util.h"

namespace onyx::onnx_import {
namespace {

// Copies `count` elements out of a repeated proto field, converting each.
template <typename Dst, typename Field, typename Convert>
void copy_field(const Field& field, Dst* dst, int64_t count, Convert convert) {
  for (int64_t i = 0; i < count; ++i) dst[i] = convert(field.Get(static_cast<int>(i)));
}

Status check_count(const onnx::TensorProto& p, int64_t have, int64_t want) {
  if (have != want) {
    return InvalidGraph("tensor '", p.name(), "' holds ", have, " values, its shape needs ", want);
  }
  return Status::OK();
}

// The file and byte range of a tensor's external data, checked against its size.
struct ExternalRange {
  std::string path;
  size_t offset = 0;
};

Result<ExternalRange> external_range(const onnx::TensorProto& p, const std::string& base_dir,
                                     size_t expected_bytes) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : p.external_data()) {
    char* end = nullptr;
    if (kv.key() == "location") location = kv.value();
    if (kv.key() == "offset") offset = std::strtoll(kv.value().c_str(), &end, 10);
    if (kv.key() == "length") length = std::strtoll(kv.value().c_str(), &end, 10);
  }
  if (base_dir.empty()) {
    return InvalidGraph("tensor '", p.name(), "' has external data but the model was not loaded ",
                        "from a file");
  }
  ONYX_ASSIGN_OR_RETURN(std::string path, resolve_inside(base_dir, location));
  if (offset < 0) return InvalidGraph("tensor '", p.name(), "': negative external data offset");
  if (length >= 0 && static_cast<size_t>(length) != expected_bytes) {
    return InvalidGraph("tensor '", p.name(), "': external data length ", length,
                        " does not match its shape (", expected_bytes, " bytes)");
  }
  return ExternalRange{std::move(path), static_cast<size_t>(offset)};
}

// External data as a view into the mapped file when its offset suits the element type's
// alignment (kernels read typed pointers), else as bytes read into `bytes` (t stays undefined).
Result<Tensor> read_external(const onnx::TensorProto& p, const std::string& base_dir, DataType dt,
                             const Shape& shape, size_t nbytes, std::string& bytes) {
  ONYX_ASSIGN_OR_RETURN(ExternalRange r, external_range(p, base_dir, nbytes));
  const size_t align = std::max<size_t>(1, std::min<size_t>(data_type_size(dt), 16));
  if (nbytes > 0 && !is_sub_byte(dt) && r.offset % align == 0) {
    auto mapped = map_file(r.path);
    if (mapped.ok()) {
      const auto& m = *mapped;
      if (r.offset > m->size || nbytes > m->size - r.offset) {
        return InvalidGraph("external data file '", r.path, "' has ", m->size, " bytes; tensor '",
                            p.name(), "' needs ", nbytes, " at offset ", r.offset);
      }
      return Tensor::wrap(dt, shape, m->data + r.offset, m);
    }
  }
  ONYX_ASSIGN_OR_RETURN(bytes, read_file_range(r.path, r.offset, nbytes));
  return Tensor();
}

// Zeroes the unused high bits of the last byte of a packed sub-byte tensor, so tensors read from
// files compare and serialize like the ones kernels produce.
void clear_padding(Tensor& t) {
  const size_t bits = data_type_bits(t.dtype());
  const size_t used_bits = (static_cast<size_t>(t.numel()) * bits) % 8;
  if (used_bits == 0) return;
  auto* last = static_cast<uint8_t*>(t.raw_data()) + t.nbytes() - 1;
  *last = static_cast<uint8_t>(*last & ((1u << used_bits) - 1));
}

}  // namespace

Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir) {
  const auto dt_opt = data_type_from_onnx(p.data_type());
  if (!dt_opt) {
    return InvalidGraph("tensor '", p.name(), "' has unknown element type ", p.data_type());
  }
  const DataType dt = *dt_opt;
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape) {
    if (d < 0) return InvalidGraph("tensor '", p.name(), "' has negative dim ", d);
  }
  const int64_t n = shape_numel(shape);
  if (n < 0) return InvalidGraph("tensor '", p.name(), "' has an overflowing shape");
  const size_t elem = data_type_size(dt);
  const bool packed = is_sub_byte(dt);  // int4, uint4, float4e2m1, int2, uint2
  if (dt != DataType::kString && elem == 0 && !packed) {
    return NotImplemented("tensor '", p.name(), "': element type ", data_type_name(dt),
                          " is not supported yet");
  }
  if (p.has_segment()) return NotImplemented("tensor '", p.name(), "': segmented tensors");

  if (dt == DataType::kString) {
    ONYX_RETURN_IF_ERROR(check_count(p, p.string_data_size(), n));
    Tensor t(dt, shape);  // n is bounded by the strings present in the file
    copy_field(p.string_data(), t.data<std::string>(), n, [](const std::string& s) { return s; });
    return t;
  }
  if (elem != 0 && static_cast<uint64_t>(n) > SIZE_MAX / elem) {
    return InvalidGraph("tensor '", p.name(), "' is too large");
  }
  const size_t bytes = data_type_storage_bytes(dt, static_cast<size_t>(n));

  const bool external = p.data_location() == onnx::TensorProto::EXTERNAL;
  if (external || p.has_raw_data()) {
    std::string external_bytes;
    const std::string* raw = &p.raw_data();
    if (external) {
      ONYX_ASSIGN_OR_RETURN(Tensor mapped,
                            read_external(p, base_dir, dt, shape, bytes, external_bytes));
      if (mapped.defined()) return mapped;
      raw = &external_bytes;
    }
    if (raw->size() != bytes) {
      return InvalidGraph("tensor '", p.name(), "' has ", raw->size(), " bytes of data, its shape ",
                          shape_to_string(shape), " of ", data_type_name(dt), " needs ", bytes);
    }
    Tensor t(dt, shape);
    if (bytes) std::memcpy(t.raw_data(), raw->data(), bytes);
    if (packed && bytes > 0) clear_padding(t);
    return t;
  }

  if (packed) {
    // int32_data holds the packed bytes, one per entry (as raw_data would hold them).
    ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), static_cast<int64_t>(bytes)));
    Tensor t(dt, shape);
    copy_field(p.int32_data(), t.data<uint8_t>(), static_cast<int64_t>(bytes),
               [](int32_t v) { return static_cast<uint8_t>(v); });
    if (bytes > 0) clear_padding(t);
    return t;
  }

  Tensor t;
  // Reject before allocating: the element count must match what the file holds.
  {
    int64_t have = -1;
    switch (dt) {
      case DataType::kFloat: have = p.float_data_size(); break;
      case DataType::kComplex64: have = p.float_data_size() / 2; break;
      case DataType::kDouble: have = p.double_data_size(); break;
      case DataType::kComplex128: have = p.double_data_size() / 2; break;
      case DataType::kInt64: have = p.int64_data_size(); break;
      case DataType::kUInt32:
      case DataType::kUInt64: have = p.uint64_data_size(); break;
      default: have = p.int32_data_size(); break;
    }
    ONYX_RETURN_IF_ERROR(check_count(p, have, n));
    t = Tensor(dt, shape);
  }
  switch (dt) {
    case DataType::kFloat:
      ONYX_RETURN_IF_ERROR(check_count(p, p.float_data_size(), n));
      copy_field(p.float_data(), t.data<float>(), n, [](float v) { return v; });
      break;
    case DataType::kComplex64:
      ONYX_RETURN_IF_ERROR(check_count(p, p.float_data_size(), 2 * n));
      copy_field(p.float_data(), t.data<float>(), 2 * n, [](float v) { return v; });
      break;
    case DataType::kDouble:
      ONYX_RETURN_IF_ERROR(check_count(p, p.double_data_size(), n));
      copy_field(p.double_data(), t.data<double>(), n, [](double v) { return v; });
      break;
    case DataType::kComplex128:
      ONYX_RETURN_IF_ERROR(check_count(p, p.double_data_size(), 2 * n));
      copy_field(p.double_data(), t.data<double>(), 2 * n, [](double v) { return v; });
      break;
    case DataType::kInt64:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int64_data_size(), n));
      copy_field(p.int64_data(), t.data<int64_t>(), n, [](int64_t v) { return v; });
      break;
    case DataType::kUInt32:
      ONYX_RETURN_IF_ERROR(check_count(p, p.uint64_data_size(), n));
      copy_field(p.uint64_data(), t.data<uint32_t>(), n,
                 [](uint64_t v) { return static_cast<uint32_t>(v); });
      break;
    case DataType::kUInt64:
      ONYX_RETURN_IF_ERROR(check_count(p, p.uint64_data_size(), n));
      copy_field(p.uint64_data(), t.data<uint64_t>(), n, [](uint64_t v) { return v; });
      break;
    case DataType::kInt32:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<int32_t>(), n, [](int32_t v) { return v; });
      break;
    case DataType::kInt16:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<int16_t>(), n,
                 [](int32_t v) { return static_cast<int16_t>(v); });
      break;
    case DataType::kInt8:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<int8_t>(), n,
                 [](int32_t v) { return static_cast<int8_t>(v); });
      break;
    case DataType::kUInt16:
    case DataType::kFloat16:
    case DataType::kBFloat16:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<uint16_t>(), n,
                 [](int32_t v) { return static_cast<uint16_t>(v); });
      break;
    case DataType::kUInt8:
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat8E8M0:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<uint8_t>(), n,
                 [](int32_t v) { return static_cast<uint8_t>(v); });
      break;
    case DataType::kBool:
      ONYX_RETURN_IF_ERROR(check_count(p, p.int32_data_size(), n));
      copy_field(p.int32_data(), t.data<bool>(), n, [](int32_t v) { return v != 0; });
      break;
    default:
      return NotImplemented("tensor '", p.name(), "': element type ", data_type_name(dt),
                            " is not supported yet");
  }
  return t;
}

void tensor_to_proto(const Tensor& t, onnx::TensorProto* p) {
  p->set_data_type(static_cast<int32_t>(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  if (t.dtype() == DataType::kString) {
    for (int64_t i = 0; i < t.numel(); ++i) p->add_string_data(t.data<std::string>()[i]);
  } else {
    p->set_raw_data(std::string(static_cast<const char*>(t.raw_data()), t.nbytes()));
  }
}

Result<Tensor> take_tensor_from_proto(onnx::TensorProto& p, const std::string& base_dir) {
  constexpr size_t kMinTakenBytes = size_t{1} << 16;  // small ones are not worth a control block
  const auto dt = data_type_from_onnx(p.data_type());
  if (!dt || *dt == DataType::kString || is_sub_byte(*dt) || data_type_size(*dt) == 0 ||
      p.data_location() == onnx::TensorProto::EXTERNAL || !p.has_raw_data() || p.has_segment() ||
      p.raw_data().size() < kMinTakenBytes) {
    return tensor_from_proto(p, base_dir);
  }
  // Validate the header (and the byte count) through the copying path's checks first, on a
  // proto without the bytes.
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape) {
    if (d < 0) return InvalidGraph("tensor '", p.name(), "' has negative dim ", d);
  }
  const int64_t n = shape_numel(shape);
  if (n < 0) return InvalidGraph("tensor '", p.name(), "' has an overflowing shape");
  const size_t elem = data_type_size(*dt);
  if (static_cast<uint64_t>(n) > SIZE_MAX / elem ||
      p.raw_data().size() != static_cast<size_t>(n) * elem) {
    return tensor_from_proto(p, base_dir);  // words the error
  }
  auto owner = std::make_shared<std::string>(std::move(*p.mutable_raw_data()));
  p.clear_raw_data();
  void* data = owner->data();
  return Tensor::wrap(*dt, std::move(shape), data, std::shared_ptr<void>(owner, data));
}

ir::TypeInfo type_from_proto(const onnx::TypeProto& proto) {
  ir::TypeInfo t;
  switch (proto.value_case()) {
    case onnx::TypeProto::kTensorType: {
      t.kind = ir::TypeInfo::Kind::kTensor;
      const auto& tt = proto.tensor_type();
      t.elem_type = data_type_from_onnx(tt.elem_type()).value_or(DataType::kUndefined);
      if (tt.has_shape()) {
        std::vector<ir::Dim> dims;
        for (const auto& d : tt.shape().dim()) {
          if (d.has_dim_value()) {
            dims.push_back(ir::Dim::known(d.dim_value()));
          } else if (d.has_dim_param()) {
            dims.push_back(ir::Dim::named(d.dim_param()));
          } else {
            dims.push_back(ir::Dim::unknown());
          }
        }
        t.shape = std::move(dims);
      }
      break;
    }
    case onnx::TypeProto::kSparseTensorType:
      t.kind = ir::TypeInfo::Kind::kSparseTensor;
      t.elem_type =
          data_type_from_onnx(proto.sparse_tensor_type().elem_type()).value_or(DataType::kUndefined);
      break;
    case onnx::TypeProto::kSequenceType:
      t.kind = ir::TypeInfo::Kind::kSequence;
      if (proto.sequence_type().has_elem_type()) {
        t.inner = std::make_shared<ir::TypeInfo>(type_from_proto(proto.sequence_type().elem_type()));
      }
      break;
    case onnx::TypeProto::kOptionalType:
      t.kind = ir::TypeInfo::Kind::kOptional;
      if (proto.optional_type().has_elem_type()) {
        t.inner = std::make_shared<ir::TypeInfo>(type_from_proto(proto.optional_type().elem_type()));
      }
      break;
    case onnx::TypeProto::kMapType:
      t.kind = ir::TypeInfo::Kind::kMap;
      t.elem_type = data_type_from_onnx(proto.map_type().key_type()).value_or(DataType::kUndefined);
      if (proto.map_type().has_value_type()) {
        t.inner = std::make_shared<ir::TypeInfo>(type_from_proto(proto.map_type().value_type()));
      }
      break;
    default:
      break;
  }
  return t;
}

namespace {

Result<Value> value_from_sequence(const onnx::SequenceProto& s);
Result<Value> value_from_map(const onnx::MapProto& m);
Result<Value> value_from_optional(const onnx::OptionalProto& o);

Result<Value> value_from_sequence(const onnx::SequenceProto& s) {
  std::vector<Value> items;
  DataType elem = DataType::kUndefined;
  switch (s.elem_type()) {
    case onnx::SequenceProto::TENSOR:
      for (const auto& t : s.tensor_values()) {
        ONYX_ASSIGN_OR_RETURN(Tensor tensor, tensor_from_proto(t, ""));
        elem = tensor.dtype();
        items.emplace_back(std::move(tensor));
      }
      break;
    case onnx::SequenceProto::SEQUENCE:
      for (const auto& v : s.sequence_values()) {
        ONYX_ASSIGN_OR_RETURN(Value item, value_from_sequence(v));
        items.push_back(std::move(item));
      }
      break;
    case onnx::SequenceProto::MAP:
      for (const auto& v : s.map_values()) {
        ONYX_ASSIGN_OR_RETURN(Value item, value_from_map(v));
        items.push_back(std::move(item));
      }
      break;
    case onnx::SequenceProto::OPTIONAL:
      for (const auto& v : s.optional_values()) {
        ONYX_ASSIGN_OR_RETURN(Value item, value_from_optional(v));
        items.push_back(std::move(item));
      }
      break;
    default:
      break;
  }
  return Value::sequence(elem, std::move(items));
}

Result<Value> value_from_map(const onnx::MapProto& m) {
  Tensor keys;
  const auto key_type = data_type_from_onnx(m.key_type());
  if (key_type == DataType::kString) {
    keys = Tensor(DataType::kString, {static_cast<int64_t>(m.string_keys_size())});
    for (int i = 0; i < m.string_keys_size(); ++i) keys.data<std::string>()[i] = m.string_keys(i);
  } else {
    keys = Tensor(DataType::kInt64, {static_cast<int64_t>(m.keys_size())});
    for (int i = 0; i < m.keys_size(); ++i) keys.data<int64_t>()[i] = m.keys(i);
  }
  ONYX_ASSIGN_OR_RETURN(Value values, value_from_sequence(m.values()));
  // Scalar (or 1-element) tensors per key: store as one 1-D tensor.
  DataType vt = values.sequence_elem_type();
  if (values.items().empty()) return Value::map(keys, Tensor(DataType::kFloat, {0}));
  if (is_sub_byte(vt)) {
    return NotImplemented("maps whose values are ", data_type_name(vt), " tensors");
  }
  Tensor flat(vt, {static_cast<int64_t>(values.items().size())});
  const size_t elem = data_type_size(vt);
  for (size_t i = 0; i < values.items().size(); ++i) {
    const Tensor& v = values.items()[i].tensor();
    if (v.numel() != 1 || vt == DataType::kString) {
      return NotImplemented("maps whose values are not numeric scalars");
    }
    std::memcpy(static_cast<char*>(flat.raw_data()) + i * elem, v.raw_data(), elem);
  }
  return Value::map(keys, flat);
}

Result<Value> value_from_optional(const onnx::OptionalProto& o) {
  switch (o.elem_type()) {
    case onnx::OptionalProto::TENSOR: {
      if (!o.has_tensor_value()) return Value::optional(nullptr);
      ONYX_ASSIGN_OR_RETURN(Tensor t, tensor_from_proto(o.tensor_value(), ""));
      return Value::optional(std::make_shared<Value>(std::move(t)));
    }
    case onnx::OptionalProto::SEQUENCE: {
      if (!o.has_sequence_value()) return Value::optional(nullptr);
      ONYX_ASSIGN_OR_RETURN(Value s, value_from_sequence(o.sequence_value()));
      return Value::optional(std::make_shared<Value>(std::move(s)));
    }
    default:
      return Value::optional(nullptr);
  }
}

template <typename Proto>
Status parse_file(const std::string& path, Proto* proto) {
  ONYX_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  if (!proto->ParseFromString(bytes)) {
    return InvalidArgument("'", path, "' is not a valid serialized ", proto->GetTypeName());
  }
  return Status::OK();
}

}  // namespace

Result<Value> read_value_file(const std::string& path, const ir::TypeInfo* expected) {
  using Kind = ir::TypeInfo::Kind;
  const Kind kind = expected ? expected->kind : Kind::kTensor;
  if (kind == Kind::kSequence) {
    onnx::SequenceProto s;
    ONYX_RETURN_IF_ERROR(parse_file(path, &s));
    return value_from_sequence(s);
  }
  if (kind == Kind::kMap) {
    onnx::MapProto m;
    ONYX_RETURN_IF_ERROR(parse_file(path, &m));
    return value_from_map(m);
  }
  if (kind == Kind::kOptional) {
    onnx::OptionalProto o;
    ONYX_RETURN_IF_ERROR(parse_file(path, &o));
    return value_from_optional(o);
  }
  onnx::TensorProto t;
  ONYX_RETURN_IF_ERROR(parse_file(path, &t));
  ONYX_ASSIGN_OR_RETURN(Tensor tensor, tensor_from_proto(t, ""));
  // ONNX 1.12's test data stores bfloat16 values as uint16 tensors: same bits, reinterpret.
  if (expected && expected->is_tensor() && expected->elem_type == DataType::kBFloat16 &&
      tensor.dtype() == DataType::kUInt16) {
    tensor = Tensor::wrap(DataType::kBFloat16, tensor.shape(), tensor.raw_data(),
                          std::make_shared<Tensor>(tensor));
  }
  return Value(std::move(tensor));
}

Status write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name) {
  onnx::TensorProto p;
  tensor_to_proto(tensor, &p);
  p.set_name(name);
  std::ofstream out(path, std::ios::binary);
  if (!out || !p.SerializeToOstream(&out)) return RuntimeError("cannot write '", path, "'");
  return Status::OK();
}

}  // namespace onyx::onnx_import
