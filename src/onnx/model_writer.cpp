#include "onnx/model_writer.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <set>

#include "onnx/tensor_proto.h"

namespace onyx::onnx_export {

using onnx_import::tensor_to_proto;

namespace {

void type_to_proto(const ir::TypeInfo& t, onnx::TypeProto* p) {
  using K = ir::TypeInfo::Kind;
  switch (t.kind) {
    case K::kTensor: {
      auto* tt = p->mutable_tensor_type();
      tt->set_elem_type(static_cast<int32_t>(t.elem_type));
      if (t.shape) {
        auto* shape = tt->mutable_shape();
        for (const auto& d : *t.shape) {
          auto* dim = shape->add_dim();
          if (d.is_known()) {
            dim->set_dim_value(*d.value);
          } else if (!d.symbol.empty()) {
            dim->set_dim_param(d.symbol);
          }
        }
      }
      break;
    }
    case K::kSparseTensor:
      p->mutable_sparse_tensor_type()->set_elem_type(static_cast<int32_t>(t.elem_type));
      break;
    case K::kSequence:
      if (t.inner) type_to_proto(*t.inner, p->mutable_sequence_type()->mutable_elem_type());
      else p->mutable_sequence_type();
      break;
    case K::kOptional:
      if (t.inner) type_to_proto(*t.inner, p->mutable_optional_type()->mutable_elem_type());
      else p->mutable_optional_type();
      break;
    case K::kMap:
      p->mutable_map_type()->set_key_type(static_cast<int32_t>(t.elem_type));
      if (t.inner) type_to_proto(*t.inner, p->mutable_map_type()->mutable_value_type());
      break;
    case K::kUnknown: break;
  }
}

void value_info_to_proto(const ir::ValueInfo& vi, onnx::ValueInfoProto* p) {
  p->set_name(vi.name);
  if (!vi.doc.empty()) p->set_doc_string(vi.doc);
  if (vi.type.kind != ir::TypeInfo::Kind::kUnknown) type_to_proto(vi.type, p->mutable_type());
}

Status graph_to_proto(const ir::Graph& g, onnx::GraphProto* p);

Status attribute_to_proto(const ir::Attribute& a, onnx::AttributeProto* p) {
  using T = ir::Attribute::Type;
  p->set_name(a.name);
  if (!a.ref_attr_name.empty()) p->set_ref_attr_name(a.ref_attr_name);
  switch (a.type) {
    case T::kFloat: p->set_type(onnx::AttributeProto::FLOAT); p->set_f(a.f); break;
    case T::kInt: p->set_type(onnx::AttributeProto::INT); p->set_i(a.i); break;
    case T::kString: p->set_type(onnx::AttributeProto::STRING); p->set_s(a.s); break;
    case T::kTensor:
      p->set_type(onnx::AttributeProto::TENSOR);
      tensor_to_proto(a.t, p->mutable_t());
      break;
    case T::kGraph:
      p->set_type(onnx::AttributeProto::GRAPH);
      if (a.g) ONYX_RETURN_IF_ERROR(graph_to_proto(*a.g, p->mutable_g()));
      break;
    case T::kFloats:
      p->set_type(onnx::AttributeProto::FLOATS);
      for (float f : a.floats) p->add_floats(f);
      break;
    case T::kInts:
      p->set_type(onnx::AttributeProto::INTS);
      for (int64_t i : a.ints) p->add_ints(i);
      break;
    case T::kStrings:
      p->set_type(onnx::AttributeProto::STRINGS);
      for (const auto& s : a.strings) p->add_strings(s);
      break;
    case T::kTensors:
      p->set_type(onnx::AttributeProto::TENSORS);
      for (const auto& t : a.tensors) tensor_to_proto(t, p->add_tensors());
      break;
    case T::kGraphs:
      p->set_type(onnx::AttributeProto::GRAPHS);
      for (const auto& g : a.graphs) ONYX_RETURN_IF_ERROR(graph_to_proto(*g, p->add_graphs()));
      break;
    case T::kTypeProto:
      p->set_type(onnx::AttributeProto::TYPE_PROTO);
      if (!a.type_protos.empty()) type_to_proto(a.type_protos[0], p->mutable_tp());
      break;
    case T::kTypeProtos:
      p->set_type(onnx::AttributeProto::TYPE_PROTOS);
      for (const auto& t : a.type_protos) type_to_proto(t, p->add_type_protos());
      break;
    default:
      return NotImplemented("saving attribute '", a.name, "' of type ",
                            ir::attribute_type_name(a.type));
  }
  return Status::OK();
}

Status graph_to_proto(const ir::Graph& g, onnx::GraphProto* p) {
  p->set_name(g.name);
  for (const auto& n : g.nodes) {
    auto* np = p->add_node();
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    np->set_domain(n.domain);
    for (const auto& in : n.inputs) np->add_input(in);
    for (const auto& out : n.outputs) np->add_output(out);
    for (const auto& a : n.attributes) ONYX_RETURN_IF_ERROR(attribute_to_proto(a, np->add_attribute()));
  }
  for (const auto& vi : g.inputs) value_info_to_proto(vi, p->add_input());
  for (const auto& vi : g.outputs) value_info_to_proto(vi, p->add_output());
  // Only the value_info of values that still exist.
  std::set<std::string> live;
  for (const auto& n : g.nodes) live.insert(n.outputs.begin(), n.outputs.end());
  for (const auto& vi : g.value_info) {
    if (live.count(vi.name)) value_info_to_proto(vi, p->add_value_info());
  }
  for (const auto& [name, t] : g.initializers) {
    auto* tp = p->add_initializer();
    tensor_to_proto(t, tp);
    tp->set_name(name);
  }
  return Status::OK();
}

}  // namespace

Result<std::string> serialize_model(const ir::Model& model) {
  onnx::ModelProto m;
  m.set_ir_version(model.ir_version);
  m.set_producer_name(model.producer_name.empty() ? "onyx" : model.producer_name);
  m.set_producer_version(model.producer_version);
  m.set_domain(model.domain);
  m.set_model_version(model.model_version);
  m.set_doc_string(model.doc);
  for (const auto& [domain, version] : model.opset_imports) {
    auto* op = m.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  for (const auto& [k, v] : model.metadata) {
    auto* e = m.add_metadata_props();
    e->set_key(k);
    e->set_value(v);
  }
  ONYX_RETURN_IF_ERROR(graph_to_proto(model.graph, m.mutable_graph()));
  std::string out;
  if (!m.SerializeToString(&out)) {
    return RuntimeError("the model cannot be serialized (over protobuf's 2 GiB limit?)");
  }
  return out;
}

Status save_model(const ir::Model& model, const std::string& path) {
  ONYX_ASSIGN_OR_RETURN(const std::string bytes, serialize_model(model));
  std::ofstream f(path, std::ios::binary);
  if (!f) return Status(StatusCode::kNotFound, "cannot write '" + path + "'");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) return RuntimeError("error while writing '", path, "'");
  return Status::OK();
}

}  // namespace onyx::onnx_export
