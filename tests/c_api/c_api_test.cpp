// The C API's contract: statuses with codes and messages instead of crashes, argument checks,
// tensors over caller memory, string tensors. Links libonyx.so only, as a C user would.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "onyx/onyx.h"

namespace {

const std::string kDigits = std::string(ONYX_SOURCE_DIR) + "/examples/digits/digits_cnn.onnx";

// The code of a status, which is released.
OnyxStatusCode code(OnyxStatus* s) {
  const OnyxStatusCode c = onyx_status_code(s);
  onyx_status_release(s);
  return c;
}

TEST(CApi, VersionAndNullStatus) {
  EXPECT_STREQ(onyx_version(), "0.1.0");
  EXPECT_EQ(onyx_api_version(), ONYX_API_VERSION);
  EXPECT_EQ(onyx_status_code(nullptr), ONYX_OK);
  EXPECT_STREQ(onyx_status_message(nullptr), "");
  onyx_status_release(nullptr);
  onyx_session_release(nullptr);
  onyx_tensor_release(nullptr);
  onyx_session_options_release(nullptr);
}

TEST(CApi, LoadErrorsHaveCodes) {
  OnyxSession* s = nullptr;
  OnyxStatus* st = onyx_session_create("/no/such/model.onnx", nullptr, &s);
  EXPECT_EQ(onyx_status_code(st), ONYX_NOT_FOUND);
  EXPECT_NE(std::strstr(onyx_status_message(st), "/no/such/model.onnx"), nullptr);
  onyx_status_release(st);
  EXPECT_EQ(s, nullptr);
  const char garbage[] = "definitely not protobuf";
  EXPECT_EQ(code(onyx_session_create_from_bytes(garbage, sizeof garbage, nullptr, &s)),
            ONYX_INVALID_GRAPH);
  EXPECT_EQ(code(onyx_session_create(nullptr, nullptr, &s)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(code(onyx_session_create(kDigits.c_str(), nullptr, nullptr)), ONYX_INVALID_ARGUMENT);
}

TEST(CApi, OptionsAreChecked) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_EQ(onyx_session_options_create(&o), nullptr);
  EXPECT_EQ(code(onyx_session_options_set_intra_op_threads(o, -1)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(code(onyx_session_options_set_optimization_level(o, 5)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(onyx_session_options_set_intra_op_threads(o, 1), nullptr);
  EXPECT_EQ(onyx_session_options_set_optimization_level(o, 0), nullptr);
  EXPECT_EQ(code(onyx_session_options_set_execution_mode(o, 2)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(code(onyx_session_options_set_inter_op_threads(o, -3)), ONYX_INVALID_ARGUMENT);
  EXPECT_EQ(onyx_session_options_set_execution_mode(o, 1), nullptr);
  EXPECT_EQ(onyx_session_options_set_inter_op_threads(o, 2), nullptr);
  // Options in the parallel mode make a session (runs: tests/unit/exec/parallel_executor_test).
  OnyxSession* s = nullptr;
  ASSERT_EQ(onyx_session_create(kDigits.c_str(), o, &s), nullptr);
  onyx_session_release(s);
  onyx_session_options_release(o);
}

TEST(CApi, MetadataAndRun) {
  OnyxSession* s = nullptr;
  ASSERT_EQ(onyx_session_create(kDigits.c_str(), nullptr, &s), nullptr);
  size_t n = 0;
  ASSERT_EQ(onyx_session_input_count(s, &n), nullptr);
  EXPECT_EQ(n, 1u);
  const char* name = nullptr;
  ASSERT_EQ(onyx_session_input_name(s, 0, &name), nullptr);
  EXPECT_STREQ(name, "image");
  EXPECT_EQ(code(onyx_session_input_name(s, 1, &name)), ONYX_INVALID_ARGUMENT);
  OnyxElementType e;
  int64_t rank = 0, dims[4];
  EXPECT_EQ(code(onyx_session_input_type(s, 0, &e, &rank, dims, 2)), ONYX_INVALID_ARGUMENT);
  ASSERT_EQ(onyx_session_input_type(s, 0, &e, &rank, dims, 4), nullptr);
  EXPECT_EQ(e, ONYX_FLOAT);
  EXPECT_EQ(rank, 4);
  EXPECT_EQ(dims[0], -1);  // symbolic batch
  EXPECT_EQ(dims[3], 8);

  float pixels[2 * 64] = {0};
  const int64_t shape[] = {2, 1, 8, 8};
  OnyxTensor* in = nullptr;
  EXPECT_EQ(code(onyx_tensor_create_over(ONYX_FLOAT, shape, 4, pixels, sizeof pixels - 4, &in)),
            ONYX_INVALID_ARGUMENT);  // buffer too small
  ASSERT_EQ(onyx_tensor_create_over(ONYX_FLOAT, shape, 4, pixels, sizeof pixels, &in), nullptr);
  const OnyxTensor* inputs[] = {in};
  OnyxTensor* out = nullptr;
  EXPECT_EQ(code(onyx_session_run(s, &name, inputs, 1, nullptr, 2, &out)), ONYX_INVALID_ARGUMENT);
  ASSERT_EQ(onyx_session_run(s, &name, inputs, 1, nullptr, 1, &out), nullptr);
  size_t out_rank = 0;
  const int64_t* out_dims = nullptr;
  ASSERT_EQ(onyx_tensor_shape(out, &out_rank, &out_dims), nullptr);
  ASSERT_EQ(out_rank, 2u);
  EXPECT_EQ(out_dims[0], 2);
  EXPECT_EQ(out_dims[1], 10);
  void* data = nullptr;
  ASSERT_EQ(onyx_tensor_data(out, &data), nullptr);
  // Two identical (all-zero) images give identical logits.
  EXPECT_EQ(std::memcmp(data, static_cast<float*>(data) + 10, 10 * sizeof(float)), 0);
  onyx_tensor_release(out);

  // A wrong shape is an invalid argument with the input's name.
  const int64_t bad_shape[] = {1, 1, 4, 16};
  OnyxTensor* bad = nullptr;
  ASSERT_EQ(onyx_tensor_create_over(ONYX_FLOAT, bad_shape, 4, pixels, sizeof pixels, &bad), nullptr);
  const OnyxTensor* bad_inputs[] = {bad};
  OnyxStatus* st = onyx_session_run(s, &name, bad_inputs, 1, nullptr, 1, &out);
  EXPECT_EQ(onyx_status_code(st), ONYX_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(onyx_status_message(st), "image"), nullptr) << onyx_status_message(st);
  onyx_status_release(st);
  onyx_tensor_release(bad);
  onyx_tensor_release(in);
  onyx_session_release(s);
}

TEST(CApi, Tensors) {
  const int64_t shape[] = {2, 3};
  OnyxTensor* t = nullptr;
  EXPECT_EQ(code(onyx_tensor_create(static_cast<OnyxElementType>(99), shape, 2, &t)),
            ONYX_INVALID_ARGUMENT);
  const int64_t negative[] = {2, -3};
  EXPECT_EQ(code(onyx_tensor_create(ONYX_FLOAT, negative, 2, &t)), ONYX_INVALID_ARGUMENT);
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_NE(code(onyx_tensor_create(ONYX_FLOAT, huge, 2, &t)), ONYX_OK);  // no crash
  ASSERT_EQ(onyx_tensor_create(ONYX_INT32, shape, 2, &t), nullptr);
  int64_t count = 0;
  ASSERT_EQ(onyx_tensor_element_count(t, &count), nullptr);
  EXPECT_EQ(count, 6);
  void* data = nullptr;
  ASSERT_EQ(onyx_tensor_data(t, &data), nullptr);
  EXPECT_EQ(static_cast<int32_t*>(data)[5], 0);  // zero-filled
  onyx_tensor_release(t);

  ASSERT_EQ(onyx_tensor_create(ONYX_STRING, shape, 2, &t), nullptr);
  EXPECT_EQ(code(onyx_tensor_data(t, &data)), ONYX_INVALID_ARGUMENT);
  ASSERT_EQ(onyx_tensor_set_string(t, 4, "h\0i", 3), nullptr);
  EXPECT_EQ(code(onyx_tensor_set_string(t, 6, "x", 1)), ONYX_INVALID_ARGUMENT);
  const char* v = nullptr;
  size_t len = 0;
  ASSERT_EQ(onyx_tensor_get_string(t, 4, &v, &len), nullptr);
  EXPECT_EQ(std::string(v, len), std::string("h\0i", 3));
  onyx_tensor_release(t);
  EXPECT_EQ(code(onyx_tensor_create_over(ONYX_STRING, shape, 2, nullptr, 0, &t)),
            ONYX_INVALID_ARGUMENT);
}

}  // namespace
