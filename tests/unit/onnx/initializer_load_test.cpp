// Large raw_data initializers move from the parsed protobuf into their tensors instead of being
// copied (onnx/tensor_proto.h, take_tensor_from_proto): the values must survive, and a byte count
// that does not match the shape must still be refused with the tensor's name.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include "onnx/model_loader.h"
#include "test_util.h"

namespace onyx::test {
namespace {

std::string model_with_initializer(int64_t n, size_t raw_bytes) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("g");
  onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(n);
  std::string raw(raw_bytes, '\0');
  for (size_t i = 0; i + 4 <= raw_bytes; i += 4) {
    const float v = static_cast<float>(i / 4) * 0.5f;
    std::memcpy(raw.data() + i, &v, 4);
  }
  w->set_raw_data(raw);
  onnx::NodeProto* node = g->add_node();
  node->set_op_type("Identity");
  node->add_input("w");
  node->add_output("y");
  onnx::ValueInfoProto* out = g->add_output();
  out->set_name("y");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m.SerializeAsString();
}

TEST(InitializerLoad, LargeRawDataMovesIntoTheTensorIntact) {
  const int64_t n = 1 << 16;  // 256 KiB: above the size that is moved rather than copied
  auto model = onnx_import::load_model_from_bytes(model_with_initializer(n, n * 4), "");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const Tensor& w = model->graph.initializers.at("w");
  ASSERT_EQ(w.shape(), (Shape{n}));
  for (int64_t i = 0; i < n; i += 997) EXPECT_EQ(w.data<float>()[i], static_cast<float>(i) * 0.5f);
  EXPECT_EQ(w.data<float>()[n - 1], static_cast<float>(n - 1) * 0.5f);
}

TEST(InitializerLoad, LargeRawDataOfTheWrongSizeIsRefused) {
  const int64_t n = 1 << 16;
  auto model = onnx_import::load_model_from_bytes(model_with_initializer(n, n * 4 - 8), "");
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("'w'"), std::string::npos) << model.status().message();
  EXPECT_NE(model.status().message().find("bytes"), std::string::npos) << model.status().message();
}

}  // namespace
}  // namespace onyx::test
