// Custom operators through the C ABI: registered directly and from a library, attributes, type
// inference, errors from the callbacks, and the library example run end to end.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "onyx/onyx.h"

namespace {

const std::string kScaledAddModel =
    std::string(ONYX_SOURCE_DIR) + "/examples/custom_op/scaled_add/model.onnx";
const std::string kScaledAddLibrary = ONYX_SCALED_ADD_LIBRARY;

OnyxStatusCode code(OnyxStatus* s) {
  const OnyxStatusCode c = onyx_status_code(s);
  onyx_status_release(s);
  return c;
}

// ---- an operator registered by the program itself: test.Scale(X) = factor * X ---------------

struct ScaleState {
  float factor;
};

int g_created = 0;
int g_destroyed = 0;

OnyxStatus* scale_create(void* user_data, const OnyxApi* api, const OnyxKernelInfo* info,
                         void** state) {
  const float* default_factor = static_cast<const float*>(user_data);
  float factor = *default_factor;
  OnyxStatus* s = api->info_attr_float(info, "factor", &factor);
  if (api->status_code(s) == ONYX_NOT_FOUND) {
    api->release_status(s);
  } else if (s != nullptr) {
    return s;
  }
  if (factor < 0) return api->create_status(ONYX_INVALID_GRAPH, "factor must be >= 0");
  *state = new ScaleState{factor};
  ++g_created;
  return nullptr;
}

OnyxStatus* scale_compute(const void* state, const OnyxApi* api, OnyxKernelContext* ctx) {
  const auto* st = static_cast<const ScaleState*>(state);
  const OnyxTensor* x = nullptr;
  if (OnyxStatus* s = api->context_input(ctx, 0, &x)) return s;
  OnyxElementType type;
  api->tensor_element_type(x, &type);
  if (type != ONYX_FLOAT) return api->create_status(ONYX_INVALID_ARGUMENT, "Scale takes float");
  size_t rank = 0;
  const int64_t* dims = nullptr;
  api->tensor_shape(x, &rank, &dims);
  OnyxTensor* y = nullptr;
  if (OnyxStatus* s = api->context_allocate_output(ctx, 0, ONYX_FLOAT, dims, rank, &y)) return s;
  int64_t n = 0;
  const void* in = nullptr;
  void* out = nullptr;
  api->tensor_element_count(x, &n);
  api->tensor_const_data(x, &in);
  api->tensor_data(y, &out);
  for (int64_t i = 0; i < n; ++i) {
    static_cast<float*>(out)[i] = st->factor * static_cast<const float*>(in)[i];
  }
  return nullptr;
}

void scale_destroy(void* state) {
  delete static_cast<ScaleState*>(state);
  ++g_destroyed;
}

OnyxStatus* scale_infer(const void*, const OnyxApi* api, const OnyxKernelInfo* info,
                        OnyxTypeInference* inference) {
  OnyxElementType type;
  int64_t rank = 0;
  const int64_t* dims = nullptr;
  OnyxStatus* s = api->info_input_type(info, 0, &type, &rank, &dims);
  if (s != nullptr) return s;  // the test model declares its input: always known
  return api->inference_set_output(inference, 0, type, dims, rank);
}

float g_default_factor = 2.0f;

OnyxCustomOp scale_op() {
  return OnyxCustomOp{"test.custom", "Scale", 1,           1, &g_default_factor, scale_create,
                      scale_compute, scale_destroy, scale_infer};
}

// A hand-serialized ModelProto: X[float, 2] -> test.Scale(factor?) -> S -> Neg -> Y. Written
// with protobuf's wire format so the test needs no ONNX library.
std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string field(int number, const std::string& bytes) {  // length-delimited
  return varint((static_cast<uint64_t>(number) << 3) | 2) + varint(bytes.size()) + bytes;
}
std::string field_varint(int number, uint64_t v) {
  return varint(static_cast<uint64_t>(number) << 3) + varint(v);
}
std::string field_float(int number, float f) {
  std::string out = varint((static_cast<uint64_t>(number) << 3) | 5);
  char b[4];
  std::memcpy(b, &f, 4);
  return out + std::string(b, 4);
}
std::string tensor_value_info(const std::string& name) {
  // ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1:
  // {dim_value=1}}}}}
  const std::string shape = field(1, field_varint(1, 2));
  const std::string tensor_type = field_varint(1, 1) + field(2, shape);
  return field(1, name) + field(2, field(1, tensor_type));
}
std::string scale_model(const char* factor_attr_type) {
  std::string attr;
  if (std::strcmp(factor_attr_type, "float") == 0) {
    attr = field(5, field(1, "factor") + field_float(2, 3.0f) + field_varint(20, 1));
  } else if (std::strcmp(factor_attr_type, "negative") == 0) {
    attr = field(5, field(1, "factor") + field_float(2, -1.0f) + field_varint(20, 1));
  } else if (std::strcmp(factor_attr_type, "int") == 0) {
    attr = field(5, field(1, "factor") + field_varint(3, 3) + field_varint(20, 2));
  }
  const std::string scale = field(1, "X") + field(2, "S") + field(3, "scale") +
                            field(4, "Scale") + attr + field(7, "test.custom");
  const std::string neg = field(1, "S") + field(2, "Y") + field(3, "neg") + field(4, "Neg");
  const std::string graph = field(1, scale) + field(1, neg) + field(2, "g") +
                            field(11, tensor_value_info("X")) + field(12, tensor_value_info("Y"));
  return field_varint(1, 8) + field(7, graph) + field(8, field(1, "") + field_varint(2, 17)) +
         field(8, field(1, "test.custom") + field_varint(2, 1));
}

// Runs the model on X = {1, -2}; returns the status code and fills `y`.
OnyxStatusCode run_scale(const OnyxSessionOptions* options, const std::string& model,
                         std::vector<float>* y, std::string* message = nullptr) {
  OnyxSession* s = nullptr;
  OnyxStatus* st = onyx_session_create_from_bytes(model.data(), model.size(), options, &s);
  if (st != nullptr) {
    if (message) *message = onyx_status_message(st);
    return code(st);
  }
  float x[2] = {1.0f, -2.0f};
  const int64_t shape[] = {2};
  OnyxTensor* in = nullptr;
  EXPECT_EQ(onyx_tensor_create_over(ONYX_FLOAT, shape, 1, x, sizeof x, &in), nullptr);
  const char* name = "X";
  const OnyxTensor* inputs[] = {in};
  OnyxTensor* out = nullptr;
  st = onyx_session_run(s, &name, inputs, 1, nullptr, 1, &out);
  OnyxStatusCode c = ONYX_OK;
  if (st != nullptr) {
    if (message) *message = onyx_status_message(st);
    c = code(st);
  } else {
    void* data = nullptr;
    onyx_tensor_data(out, &data);
    y->assign(static_cast<float*>(data), static_cast<float*>(data) + 2);
  }
  onyx_tensor_release(out);
  onyx_tensor_release(in);
  onyx_session_release(s);
  return c;
}

TEST(CustomOp, RegisteredDirectlyWithAttributesAndDefaults) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_EQ(onyx_session_options_create(&o), nullptr);
  const OnyxCustomOp op = scale_op();
  ASSERT_EQ(onyx_session_options_add_custom_op(o, &op), nullptr);
  g_created = g_destroyed = 0;
  std::vector<float> y;
  ASSERT_EQ(run_scale(o, scale_model("float"), &y), ONYX_OK);
  EXPECT_EQ(y, (std::vector<float>{-3.0f, 6.0f}));  // Neg(3 * X)
  ASSERT_EQ(run_scale(o, scale_model("none"), &y), ONYX_OK);
  EXPECT_EQ(y, (std::vector<float>{-2.0f, 4.0f}));  // the default from user_data
  EXPECT_EQ(g_created, 2);
  EXPECT_EQ(g_destroyed, 2);  // one state per session, freed with it
  onyx_session_options_release(o);
}

TEST(CustomOp, CallbackErrorsNameTheNode) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_EQ(onyx_session_options_create(&o), nullptr);
  const OnyxCustomOp op = scale_op();
  ASSERT_EQ(onyx_session_options_add_custom_op(o, &op), nullptr);
  std::vector<float> y;
  std::string message;
  EXPECT_EQ(run_scale(o, scale_model("negative"), &y, &message), ONYX_INVALID_GRAPH);
  EXPECT_NE(message.find("scale"), std::string::npos) << message;
  EXPECT_NE(message.find("factor must be >= 0"), std::string::npos) << message;
  EXPECT_EQ(run_scale(o, scale_model("int"), &y, &message), ONYX_INVALID_ARGUMENT);
  EXPECT_NE(message.find("factor"), std::string::npos) << message;
  onyx_session_options_release(o);
}

TEST(CustomOp, UnregisteredIsNotImplemented) {
  std::vector<float> y;
  std::string message;
  EXPECT_EQ(run_scale(nullptr, scale_model("float"), &y, &message), ONYX_NOT_IMPLEMENTED);
  EXPECT_NE(message.find("test.custom.Scale"), std::string::npos) << message;
}

TEST(CustomOp, BadRegistrationsAreRefused) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_EQ(onyx_session_options_create(&o), nullptr);
  OnyxCustomOp op = scale_op();
  op.compute = nullptr;
  EXPECT_EQ(code(onyx_session_options_add_custom_op(o, &op)), ONYX_INVALID_ARGUMENT);
  op = scale_op();
  op.until_version = 0;
  EXPECT_EQ(code(onyx_session_options_add_custom_op(o, &op)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(code(onyx_session_options_add_custom_op(o, nullptr)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(code(onyx_session_options_load_custom_ops_library(o, "/no/such/lib.so")),
            ONYX_NOT_FOUND);
  onyx_session_options_release(o);
}

TEST(CustomOp, LibraryExampleRunsItsModel) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_EQ(onyx_session_options_create(&o), nullptr);
  ASSERT_EQ(onyx_session_options_load_custom_ops_library(o, kScaledAddLibrary.c_str()), nullptr);
  OnyxSession* s = nullptr;
  ASSERT_EQ(onyx_session_create(kScaledAddModel.c_str(), o, &s), nullptr);
  float a[6] = {1, 2, 3, -4, 5, -6};
  float b[6] = {2, 2, 2, 2, 2, 2};
  const int64_t shape[] = {2, 3};
  OnyxTensor *ta = nullptr, *tb = nullptr, *out = nullptr;
  ASSERT_EQ(onyx_tensor_create_over(ONYX_FLOAT, shape, 2, a, sizeof a, &ta), nullptr);
  ASSERT_EQ(onyx_tensor_create_over(ONYX_FLOAT, shape, 2, b, sizeof b, &tb), nullptr);
  const char* names[] = {"A", "B"};
  const OnyxTensor* inputs[] = {ta, tb};
  ASSERT_EQ(onyx_session_run(s, names, inputs, 2, nullptr, 1, &out), nullptr);
  void* data = nullptr;
  ASSERT_EQ(onyx_tensor_data(out, &data), nullptr);
  const float expected[6] = {2, 3, 4, 0, 6, 0};  // Relu(A + 0.5 * B)
  EXPECT_EQ(std::memcmp(data, expected, sizeof expected), 0);
  onyx_tensor_release(out);
  onyx_tensor_release(ta);
  onyx_tensor_release(tb);
  onyx_session_release(s);
  onyx_session_options_release(o);
}

}  // namespace
