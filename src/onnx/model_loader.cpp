#include "onnx/model_loader.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/unknown_field_set.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <set>

#include "onnx/file_util.h"
#include "onnx/tensor_proto.h"
#include "ops/registry.h"

namespace onyx::onnx_import {
namespace {

constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 13;
// Newest opsets libonnx (1.12) has schemas for: shape inference runs only within them.
constexpr int64_t kLibOnnxMaxOpset = 17;
constexpr int64_t kLibOnnxMaxMlOpset = 3;

struct Converter {
  const std::map<std::string, int64_t>& opsets;
  std::string base_dir;
  int depth = 0;

  // `owned`, when given, is `g` itself, mutable: each initializer's bytes are freed once
  // converted, so a model's weights are not held twice while loading (peak memory).
  Result<ir::Graph> graph(const onnx::GraphProto& g, onnx::GraphProto* owned = nullptr);
  Result<ir::Node> node(const onnx::NodeProto& n, const std::map<std::string, int64_t>& imports);
  Result<ir::Attribute> attribute(const onnx::AttributeProto& a);
};

Result<Tensor> sparse_to_dense(const onnx::SparseTensorProto& sp, const std::string& base_dir) {
  ONYX_ASSIGN_OR_RETURN(Tensor values, tensor_from_proto(sp.values(), base_dir));
  ONYX_ASSIGN_OR_RETURN(Tensor indices, tensor_from_proto(sp.indices(), base_dir));
  Shape dims(sp.dims().begin(), sp.dims().end());
  const int64_t n = shape_numel(dims);
  if (n < 0) return InvalidGraph("sparse tensor has an invalid shape");
  if (values.dtype() == DataType::kString) return NotImplemented("sparse string tensors");
  if (is_sub_byte(values.dtype())) {
    return NotImplemented("sparse ", data_type_name(values.dtype()), " tensors");
  }
  if (indices.dtype() != DataType::kInt64) return InvalidGraph("sparse indices must be int64");
  Tensor dense(values.dtype(), dims);
  const size_t elem = data_type_size(values.dtype());
  std::memset(dense.raw_data(), 0, dense.nbytes());
  const int64_t nnz = values.numel();
  const int64_t* idx = indices.data<int64_t>();
  const bool linear = indices.rank() == 1;
  if ((linear && indices.numel() != nnz) ||
      (!linear && (indices.rank() != 2 || indices.dim(0) != nnz ||
                   indices.dim(1) != static_cast<int64_t>(dims.size())))) {
    return InvalidGraph("sparse tensor indices do not match its values");
  }
  for (int64_t i = 0; i < nnz; ++i) {
    int64_t flat = 0;
    if (linear) {
      flat = idx[i];
    } else {
      for (size_t d = 0; d < dims.size(); ++d) {
        const int64_t c = idx[i * static_cast<int64_t>(dims.size()) + static_cast<int64_t>(d)];
        if (c < 0 || c >= dims[d]) return InvalidGraph("sparse index out of range");
        flat = flat * dims[d] + c;
      }
    }
    if (flat < 0 || flat >= n) return InvalidGraph("sparse index out of range");
    std::memcpy(static_cast<char*>(dense.raw_data()) + flat * elem,
                static_cast<const char*>(values.raw_data()) + i * elem, elem);
  }
  return dense;
}

Result<ir::Attribute> Converter::attribute(const onnx::AttributeProto& a) {
  using T = ir::Attribute::Type;
  ir::Attribute out;
  out.name = a.name();
  out.ref_attr_name = a.ref_attr_name();
  switch (a.type()) {
    case onnx::AttributeProto::FLOAT:
      out.type = T::kFloat;
      out.f = a.f();
      break;
    case onnx::AttributeProto::INT:
      out.type = T::kInt;
      out.i = a.i();
      break;
    case onnx::AttributeProto::STRING:
      out.type = T::kString;
      out.s = a.s();
      break;
    case onnx::AttributeProto::TENSOR: {
      out.type = T::kTensor;
      ONYX_ASSIGN_OR_RETURN(out.t, tensor_from_proto(a.t(), base_dir));
      break;
    }
    case onnx::AttributeProto::SPARSE_TENSOR: {
      // Kernels see sparse constants as dense tensors.
      out.type = T::kTensor;
      ONYX_ASSIGN_OR_RETURN(out.t, sparse_to_dense(a.sparse_tensor(), base_dir));
      break;
    }
    case onnx::AttributeProto::GRAPH: {
      out.type = T::kGraph;
      ONYX_ASSIGN_OR_RETURN(ir::Graph g, graph(a.g()));
      out.g = std::make_shared<ir::Graph>(std::move(g));
      break;
    }
    case onnx::AttributeProto::FLOATS:
      out.type = T::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::INTS:
      out.type = T::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::STRINGS:
      out.type = T::kStrings;
      out.strings.assign(a.strings().begin(), a.strings().end());
      break;
    case onnx::AttributeProto::TENSORS:
      out.type = T::kTensors;
      for (const auto& t : a.tensors()) {
        ONYX_ASSIGN_OR_RETURN(Tensor tensor, tensor_from_proto(t, base_dir));
        out.tensors.push_back(std::move(tensor));
      }
      break;
    case onnx::AttributeProto::GRAPHS:
      out.type = T::kGraphs;
      for (const auto& g : a.graphs()) {
        ONYX_ASSIGN_OR_RETURN(ir::Graph sub, graph(g));
        out.graphs.push_back(std::make_shared<ir::Graph>(std::move(sub)));
      }
      break;
    case onnx::AttributeProto::TYPE_PROTO:
      out.type = T::kTypeProto;
      out.type_protos.push_back(type_from_proto(a.tp()));
      break;
    case onnx::AttributeProto::TYPE_PROTOS:
      out.type = T::kTypeProtos;
      for (const auto& tp : a.type_protos()) out.type_protos.push_back(type_from_proto(tp));
      break;
    default:
      // Files from before the type field: infer from the populated field.
      if (a.has_f()) {
        out.type = T::kFloat;
        out.f = a.f();
      } else if (a.has_i()) {
        out.type = T::kInt;
        out.i = a.i();
      } else if (a.has_s()) {
        out.type = T::kString;
        out.s = a.s();
      } else if (a.ints_size() > 0) {
        out.type = T::kInts;
        out.ints.assign(a.ints().begin(), a.ints().end());
      } else if (a.floats_size() > 0) {
        out.type = T::kFloats;
        out.floats.assign(a.floats().begin(), a.floats().end());
      } else if (a.strings_size() > 0) {
        out.type = T::kStrings;
        out.strings.assign(a.strings().begin(), a.strings().end());
      } else if (out.ref_attr_name.empty()) {
        return InvalidGraph("attribute '", a.name(), "' has no type");
      }
      break;
  }
  return out;
}

Result<ir::Node> Converter::node(const onnx::NodeProto& n,
                                 const std::map<std::string, int64_t>& imports) {
  ir::Node out;
  out.name = n.name();
  out.op_type = n.op_type();
  out.domain = ir::canonical_domain(n.domain());
  out.inputs.assign(n.input().begin(), n.input().end());
  out.outputs.assign(n.output().begin(), n.output().end());
  auto it = imports.find(out.domain);
  if (it == imports.end()) {
    return InvalidGraph(out.describe(), " uses domain '", n.domain(),
                        "', which the model does not import");
  }
  out.opset = static_cast<int>(it->second);
  if (out.op_type.empty()) return InvalidGraph("node '", n.name(), "' has no op_type");
  std::set<std::string> seen;
  for (const auto& a : n.attribute()) {
    if (!seen.insert(a.name()).second) {
      return InvalidGraph(out.describe(), " has attribute '", a.name(), "' twice");
    }
    auto attr = attribute(a);
    if (!attr.ok()) return attr.status().with_context(out.describe() + ": ");
    out.attributes.push_back(std::move(attr).value());
  }
  return out;
}

Result<ir::Graph> Converter::graph(const onnx::GraphProto& g, onnx::GraphProto* owned) {
  if (++depth > 64) return InvalidGraph("subgraphs nested more than 64 deep");
  ir::Graph out;
  out.name = g.name();
  for (int i = 0; i < g.initializer_size(); ++i) {
    const onnx::TensorProto& t = g.initializer(i);
    if (t.name().empty()) return InvalidGraph("graph '", g.name(), "' has an unnamed initializer");
    // From a proto we own, the weights' bytes move into the tensor (no second copy).
    auto tensor = owned != nullptr ? take_tensor_from_proto(*owned->mutable_initializer(i), base_dir)
                                   : tensor_from_proto(t, base_dir);
    if (!tensor.ok()) return tensor.status().with_context("initializer '" + t.name() + "': ");
    if (!out.initializers.emplace(t.name(), std::move(tensor).value()).second) {
      return InvalidGraph("graph '", g.name(), "' has two initializers named '", t.name(), "'");
    }
    if (owned != nullptr) std::string().swap(*owned->mutable_initializer(i)->mutable_raw_data());
  }
  for (const auto& sp : g.sparse_initializer()) {
    ONYX_ASSIGN_OR_RETURN(Tensor dense, sparse_to_dense(sp, base_dir));
    out.initializers.emplace(sp.values().name(), std::move(dense));
  }
  auto value_info = [](const onnx::ValueInfoProto& v) {
    return ir::ValueInfo{v.name(), type_from_proto(v.type()), v.doc_string()};
  };
  for (const auto& v : g.input()) out.inputs.push_back(value_info(v));
  for (const auto& v : g.output()) out.outputs.push_back(value_info(v));
  for (const auto& v : g.value_info()) out.value_info.push_back(value_info(v));
  for (const auto& n : g.node()) {
    ONYX_ASSIGN_OR_RETURN(ir::Node node_ir, node(n, opsets));
    out.nodes.push_back(std::move(node_ir));
  }
  --depth;
  return out;
}

Status check_opsets(const std::map<std::string, int64_t>& opsets) {
  for (const auto& [domain, version] : opsets) {
    const std::string shown = domain.empty() ? "ai.onnx" : domain;
    int64_t max = -1;
    if (domain.empty()) max = kMaxOnnxOpset;
    if (domain == kOnnxMlDomain) max = kMaxOnnxMlOpset;
    if (version < 1) return InvalidGraph("opset import ", shown, " has invalid version ", version);
    if (max > 0 && version > max) {
      return NotImplemented("the model imports opset ", version, " of ", shown,
                            "; onyx serves up to ", max);
    }
  }
  return Status::OK();
}

// Fills value_info with ONNX's own type inference when every import is within libonnx's
// schemas (used to pick kernels by dtype at load time). Failures only lose information.
void infer_types(onnx::ModelProto& proto, const std::map<std::string, int64_t>& opsets) {
  for (const auto& [domain, version] : opsets) {
    if (domain.empty() && version > kLibOnnxMaxOpset) return;
    if (domain == kOnnxMlDomain && version > kLibOnnxMaxMlOpset) return;
    if (!domain.empty() && domain != kOnnxMlDomain) return;
  }
  try {
    onnx::ShapeInferenceOptions options{false, 0, false};
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), options);
  } catch (...) {
    // Keep whatever types the file itself declares.
  }
}

}  // namespace

namespace {

// FunctionProto.attribute_proto (field 11, IR 9) holds defaults of the function's attributes.
// libonnx 1.12's schema predates the field, so protobuf keeps it among the unknown fields.
Result<std::vector<ir::Attribute>> attribute_defaults(const onnx::FunctionProto& f,
                                                      Converter& conv) {
  constexpr int kAttributeProtoField = 11;
  std::vector<ir::Attribute> defaults;
  const auto& unknown = f.unknown_fields();
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& field = unknown.field(i);
    if (field.number() != kAttributeProtoField ||
        field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      continue;
    }
    onnx::AttributeProto a;
    if (!a.ParseFromString(field.length_delimited())) {
      return InvalidGraph("function '", f.name(), "': unreadable attribute default");
    }
    ONYX_ASSIGN_OR_RETURN(ir::Attribute attr, conv.attribute(a));
    defaults.push_back(std::move(attr));
  }
  return defaults;
}

// Keeps each tensor type's rank and element type, forgets its dims.
void forget_dims(onnx::ValueInfoProto& vi) {
  if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
  for (auto& d : *vi.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()) {
    d.clear_dim_value();
    d.clear_dim_param();
  }
}

void forget_graph_dims(onnx::GraphProto& g) {
  for (auto& vi : *g.mutable_input()) forget_dims(vi);
  for (auto& vi : *g.mutable_output()) forget_dims(vi);
  g.clear_value_info();
}

// Parses a ModelProto from `stream` (bounded: 2 GiB, nesting 200).
Status parse_model(google::protobuf::io::CodedInputStream& stream, bool empty,
                   onnx::ModelProto* proto) {
  stream.SetTotalBytesLimit(INT_MAX);
  stream.SetRecursionLimit(200);
  if (empty || !proto->ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return InvalidGraph("not a valid ONNX model (the protobuf could not be parsed; the file may ",
                        "be truncated or of another format)");
  }
  return Status::OK();
}

Result<ir::Model> convert_model(onnx::ModelProto& proto, const std::string& base_dir,
                                const LoadOptions& options) {
  if (!proto.has_graph()) return InvalidGraph("the model has no graph");
  if (proto.ir_version() < kMinIrVersion || proto.ir_version() > kMaxIrVersion) {
    return NotImplemented("IR version ", proto.ir_version(), " is not supported (onyx reads ",
                          kMinIrVersion, " to ", kMaxIrVersion, ")");
  }
  ir::Model model;
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  model.domain = proto.domain();
  model.model_version = proto.model_version();
  model.doc = proto.doc_string();
  for (const auto& kv : proto.metadata_props()) model.metadata[kv.key()] = kv.value();
  for (const auto& op : proto.opset_import()) {
    model.opset_imports[ir::canonical_domain(op.domain())] = op.version();
  }
  if (proto.opset_import_size() == 0) model.opset_imports[""] = 1;  // IR 3 default
  ONYX_RETURN_IF_ERROR(check_opsets(model.opset_imports));

  if (options.unknown_dims) forget_graph_dims(*proto.mutable_graph());
  infer_types(proto, model.opset_imports);

  Converter conv{model.opset_imports, base_dir};
  ONYX_ASSIGN_OR_RETURN(model.graph, conv.graph(proto.graph(), proto.mutable_graph()));

  for (const auto& f : proto.functions()) {
    ir::FunctionDef fn;
    fn.name = f.name();
    fn.domain = f.domain();
    fn.inputs.assign(f.input().begin(), f.input().end());
    fn.outputs.assign(f.output().begin(), f.output().end());
    fn.attributes.assign(f.attribute().begin(), f.attribute().end());
    for (const auto& op : f.opset_import()) {
      fn.opset_imports[ir::canonical_domain(op.domain())] = op.version();
    }
    Converter fconv{fn.opset_imports, base_dir};
    ONYX_ASSIGN_OR_RETURN(fn.attribute_defaults, attribute_defaults(f, fconv));
    for (const auto& n : f.node()) {
      ONYX_ASSIGN_OR_RETURN(ir::Node node_ir, fconv.node(n, fn.opset_imports));
      fn.nodes.push_back(std::move(node_ir));
    }
    model.functions.push_back(std::move(fn));
  }
  return model;
}

}  // namespace

Result<ir::Model> load_model_from_bytes(const std::string& bytes, const std::string& base_dir,
                                        const LoadOptions& options) {
  // Sizes read from the file are bounded before allocating; this catches what slips through
  // (std::length_error from the allocation limit, bad_alloc) so a file can never abort us.
  try {
    onnx::ModelProto proto;
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t*>(bytes.data()),
        static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
    ONYX_RETURN_IF_ERROR(parse_model(stream, bytes.empty(), &proto));
    return convert_model(proto, base_dir, options);
  } catch (const std::bad_alloc&) {
    return InvalidGraph("out of memory while loading the model");
  } catch (const std::exception& e) {
    return InvalidGraph(e.what());
  }
}

namespace {

// Parses straight from the file (no copy of the whole file in memory next to the parsed
// message), then converts.
Result<ir::Model> load_model_from_file(const std::string& path, const LoadOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // read_whole_file words the error (missing file, permission, a folder) as elsewhere.
    ONYX_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
    return load_model_from_bytes(bytes, parent_dir(path), options);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    ONYX_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
    return load_model_from_bytes(bytes, parent_dir(path), options);
  }
  const bool empty = st.st_size == 0;
  try {
    onnx::ModelProto proto;
    {
      // 1 MiB reads: protobuf's default of 8 KiB makes a 440 MB model 55000 read calls.
      google::protobuf::io::FileInputStream file(fd, 1 << 20);
      file.SetCloseOnDelete(true);
      google::protobuf::io::CodedInputStream stream(&file);
      ONYX_RETURN_IF_ERROR(parse_model(stream, empty, &proto));
    }
    return convert_model(proto, parent_dir(path), options);
  } catch (const std::bad_alloc&) {
    return InvalidGraph("out of memory while loading the model");
  } catch (const std::exception& e) {
    return InvalidGraph(e.what());
  }
}

}  // namespace

Result<ir::Model> load_model(const std::string& path, const LoadOptions& options) {
  auto model = load_model_from_file(path, options);
  if (!model.ok()) return model.status().with_context("'" + path + "': ");
  return model;
}

}  // namespace onyx::onnx_import
