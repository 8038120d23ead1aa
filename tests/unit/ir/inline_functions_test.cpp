// Model-local functions: loaded from FunctionProto (incl. IR 9 attribute defaults), expanded by
// ir::inline_functions at session creation, run as plain ops.
#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include "exec/session.h"
#include "test_util.h"

namespace onyx {
namespace {

void add_opset(google::protobuf::RepeatedPtrField<onnx::OperatorSetIdProto>* list,
               const std::string& domain, int64_t version) {
  auto* op = list->Add();
  op->set_domain(domain);
  op->set_version(version);
}

onnx::NodeProto* add_node(google::protobuf::RepeatedPtrField<onnx::NodeProto>* nodes,
                          const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out, const std::string& domain = "") {
  auto* n = nodes->Add();
  n->set_op_type(op);
  n->set_domain(domain);
  for (auto& v : in) n->add_input(v);
  for (auto& v : out) n->add_output(v);
  return n;
}

void add_float_input(onnx::GraphProto* g, const std::string& name, bool output = false) {
  auto* vi = output ? g->add_output() : g->add_input();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  vi->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
}

// local.Scale(x) -> (y = x * alpha, z = y): alpha refers to the caller's attribute, default 2
// (FunctionProto.attribute_proto, field 11, unknown to libonnx 1.12).
void add_scale_function(onnx::ModelProto& m) {
  auto* f = m.add_functions();
  f->set_name("Scale");
  f->set_domain("local");
  f->add_input("x");
  f->add_output("y");
  f->add_output("z");
  f->add_attribute("alpha");
  add_opset(f->mutable_opset_import(), "", 17);
  auto* c = add_node(f->mutable_node(), "Constant", {}, {"c"});
  c->set_name("const");
  auto* a = c->add_attribute();
  a->set_name("value_float");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_ref_attr_name("alpha");
  add_node(f->mutable_node(), "Mul", {"x", "c"}, {"y"})->set_name("mul");
  add_node(f->mutable_node(), "Identity", {"y"}, {"z"})->set_name("copy");
  onnx::AttributeProto def;
  def.set_name("alpha");
  def.set_type(onnx::AttributeProto::FLOAT);
  def.set_f(2.0f);
  f->mutable_unknown_fields()->AddLengthDelimited(11, def.SerializeAsString());
}

onnx::ModelProto base_model() {
  onnx::ModelProto m;
  m.set_ir_version(9);
  add_opset(m.mutable_opset_import(), "", 17);
  add_opset(m.mutable_opset_import(), "local", 1);
  auto* g = m.mutable_graph();
  g->set_name("g");
  add_float_input(g, "in");
  return m;
}

std::vector<float> run_model(const onnx::ModelProto& m, const std::vector<float>& x) {
  auto session = Session::load_from_bytes(m.SerializeAsString());
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return {};
  auto out = (*session)->run({{"in", Value(test::make<float>(x, {2}))}});
  EXPECT_TRUE(out.ok()) << out.status().message();
  if (!out.ok()) return {};
  const Tensor& t = (*out)[0].tensor();
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

TEST(InlineFunctions, CallerAttributeAndDefault) {
  onnx::ModelProto m = base_model();
  add_scale_function(m);
  auto* g = m.mutable_graph();
  // a = Scale(in, alpha=3) (second output unused); b = Scale(a) with the default alpha 2.
  auto* call = add_node(g->mutable_node(), "Scale", {"in"}, {"a"}, "local");
  call->set_name("first");
  auto* attr = call->add_attribute();
  attr->set_name("alpha");
  attr->set_type(onnx::AttributeProto::FLOAT);
  attr->set_f(3.0f);
  add_node(g->mutable_node(), "Scale", {"a"}, {"", "out"}, "local")->set_name("second");
  add_float_input(g, "out", /*output=*/true);
  EXPECT_EQ(run_model(m, {1, -2}), (std::vector<float>{6, -12}));
}

TEST(InlineFunctions, NestedFunctions) {
  onnx::ModelProto m = base_model();
  add_scale_function(m);
  // local.Twice(x) = Scale(Scale(x)) with the default alpha: x * 4.
  auto* f = m.add_functions();
  f->set_name("Twice");
  f->set_domain("local");
  f->add_input("x");
  f->add_output("y");
  add_opset(f->mutable_opset_import(), "", 17);
  add_opset(f->mutable_opset_import(), "local", 1);
  add_node(f->mutable_node(), "Scale", {"x"}, {"t"}, "local");
  add_node(f->mutable_node(), "Scale", {"t"}, {"y"}, "local");
  auto* g = m.mutable_graph();
  add_node(g->mutable_node(), "Twice", {"in"}, {"out"}, "local");
  add_float_input(g, "out", /*output=*/true);
  EXPECT_EQ(run_model(m, {1, 0.5f}), (std::vector<float>{4, 2}));
}

TEST(InlineFunctions, RecursionIsAnError) {
  onnx::ModelProto m = base_model();
  auto* f = m.add_functions();
  f->set_name("Forever");
  f->set_domain("local");
  f->add_input("x");
  f->add_output("y");
  add_opset(f->mutable_opset_import(), "local", 1);
  add_node(f->mutable_node(), "Forever", {"x"}, {"y"}, "local");
  auto* g = m.mutable_graph();
  add_node(g->mutable_node(), "Forever", {"in"}, {"out"}, "local");
  add_float_input(g, "out", /*output=*/true);
  auto session = Session::load_from_bytes(m.SerializeAsString());
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("nest deeper"), std::string::npos)
      << session.status().message();
}

TEST(InlineFunctions, TooManyInputsIsAnError) {
  onnx::ModelProto m = base_model();
  add_scale_function(m);
  auto* g = m.mutable_graph();
  add_node(g->mutable_node(), "Scale", {"in", "in"}, {"out"}, "local")->set_name("bad_call");
  add_float_input(g, "out", /*output=*/true);
  auto session = Session::load_from_bytes(m.SerializeAsString());
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("bad_call"), std::string::npos)
      << session.status().message();
}

}  // namespace
}  // namespace onyx
