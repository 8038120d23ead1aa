// Large raw_data initializers move from the parsed protobuf into their tensors instead of being
// copied (onnx/tensor_proto.h, take_tensor_from_proto): the values must survive, and a byte count
// that does not match the shape must still be refused with the tensor's name. External data is
// memory-mapped when its offset is aligned for the element type, read otherwise.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

// A model whose initializer "w" (n floats, w[i] = i / 4) lives in `dir`/weights.bin at `offset`.
std::string model_with_external_weights(const std::string& dir, int64_t n, size_t offset) {
  std::string bytes(offset + static_cast<size_t>(n) * 4, '\x7f');
  for (int64_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(i) * 0.25f;
    std::memcpy(bytes.data() + offset + i * 4, &v, 4);
  }
  std::ofstream(dir + "/weights.bin", std::ios::binary) << bytes;
  onnx::ModelProto m;
  m.ParseFromString(model_with_initializer(n, 0));
  onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", "weights.bin");
  add("offset", std::to_string(offset));
  add("length", std::to_string(n * 4));
  return m.SerializeAsString();
}

// Whether `p` lies in a mapping of a file whose path ends with `name` (/proc/self/maps).
bool in_file_mapping(const void* p, const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(p);
  for (std::string line; std::getline(maps, line);) {
    std::istringstream in(line);
    std::string range, perms, off, dev, inode, path;
    in >> range >> perms >> off >> dev >> inode >> path;
    const auto dash = range.find('-');
    const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (a >= lo && a < hi) return path.size() >= name.size() &&
                                  path.compare(path.size() - name.size(), name.size(), name) == 0;
  }
  return false;
}

TEST(InitializerLoad, AlignedExternalDataIsMappedMisalignedIsRead) {
  char tmpl[] = "/tmp/onyx_extXXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const int64_t n = 4096;
  for (size_t offset : {size_t{64}, size_t{2}}) {
    SCOPED_TRACE(offset);
    auto model = onnx_import::load_model_from_bytes(model_with_external_weights(dir, n, offset), dir);
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    const Tensor& w = model->graph.initializers.at("w");
    ASSERT_EQ(w.shape(), (Shape{n}));
    for (int64_t i = 0; i < n; i += 101) EXPECT_EQ(w.data<float>()[i], static_cast<float>(i) * 0.25f);
    EXPECT_EQ(in_file_mapping(w.raw_data(), "/weights.bin"), offset == 64);
    // The model runs from the mapped weights.
    auto session = Session::create(*model, SessionOptions());
    ASSERT_TRUE(session.ok()) << session.status().to_string();
    auto out = (*session)->run({});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ((*out)[0].tensor().data<float>()[n - 1], static_cast<float>(n - 1) * 0.25f);
  }
  // A range past the end of the file is refused, mapped or not.
  const std::string bad = model_with_external_weights(dir, n, 64);
  std::ofstream(dir + "/weights.bin", std::ios::binary | std::ios::trunc) << std::string(100, '\0');
  auto model = onnx_import::load_model_from_bytes(bad, dir);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("weights.bin"), std::string::npos)
      << model.status().message();
  std::remove((dir + "/weights.bin").c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace onyx::test
