/* A custom-op library: onyx.example ScaledAdd(A, B) = A + alpha * B, float tensors of one shape,
 * attribute `alpha` (float, default 1). Load it with
 *   onyx run MODEL --custom-ops libscaled_add.so
 *   SessionOptions.register_custom_ops_library("libscaled_add.so")      (Python)
 *   onyx_session_options_load_custom_ops_library(options, "libscaled_add.so")   (C)
 * It calls onyx only through the OnyxApi table it is given, so it does not link libonyx. */
#include <stdlib.h>
#include <string.h>

#include "onyx/onyx.h"

typedef struct {
  float alpha;
} ScaledAdd;

static OnyxStatus* create(void* user_data, const OnyxApi* api, const OnyxKernelInfo* info,
                          void** state) {
  (void)user_data;
  if (api->info_input_count(info) != 2 || api->info_output_count(info) != 1) {
    return api->create_status(ONYX_INVALID_GRAPH, "ScaledAdd takes 2 inputs and gives 1 output");
  }
  ScaledAdd* op = malloc(sizeof *op);
  if (op == NULL) return api->create_status(ONYX_RUNTIME_ERROR, "out of memory");
  op->alpha = 1.0f;
  OnyxStatus* s = api->info_attr_float(info, "alpha", &op->alpha);
  if (api->status_code(s) == ONYX_NOT_FOUND) { /* missing: keep the default */
    api->release_status(s);
    s = NULL;
  }
  if (s != NULL) { /* mistyped: an error, passed on */
    free(op);
    return s;
  }
  *state = op;
  return NULL;
}

static OnyxStatus* compute(const void* state, const OnyxApi* api, OnyxKernelContext* ctx) {
  const ScaledAdd* op = state;
  const OnyxTensor *a, *b;
  OnyxStatus* s;
  if ((s = api->context_input(ctx, 0, &a)) != NULL) return s;
  if ((s = api->context_input(ctx, 1, &b)) != NULL) return s;
  OnyxElementType ta, tb;
  api->tensor_element_type(a, &ta);
  api->tensor_element_type(b, &tb);
  if (ta != ONYX_FLOAT || tb != ONYX_FLOAT) {
    return api->create_status(ONYX_INVALID_ARGUMENT, "ScaledAdd takes float tensors");
  }
  size_t rank_a, rank_b;
  const int64_t *dims_a, *dims_b;
  api->tensor_shape(a, &rank_a, &dims_a);
  api->tensor_shape(b, &rank_b, &dims_b);
  if (rank_a != rank_b || memcmp(dims_a, dims_b, rank_a * sizeof(int64_t)) != 0) {
    return api->create_status(ONYX_INVALID_ARGUMENT, "ScaledAdd inputs must have one shape");
  }
  OnyxTensor* y;
  if ((s = api->context_allocate_output(ctx, 0, ONYX_FLOAT, dims_a, rank_a, &y)) != NULL) return s;
  int64_t n;
  const void *pa, *pb;
  void* py;
  api->tensor_element_count(a, &n);
  api->tensor_const_data(a, &pa);
  api->tensor_const_data(b, &pb);
  api->tensor_data(y, &py);
  const float* x0 = pa;
  const float* x1 = pb;
  float* out = py;
  for (int64_t i = 0; i < n; ++i) out[i] = x0[i] + op->alpha * x1[i];
  return NULL;
}

static void destroy(void* state) { free(state); }

/* The output has A's type and shape, when they are known at load. */
static OnyxStatus* infer(const void* state, const OnyxApi* api, const OnyxKernelInfo* info,
                         OnyxTypeInference* inference) {
  (void)state;
  OnyxElementType type;
  int64_t rank;
  const int64_t* dims;
  OnyxStatus* s = api->info_input_type(info, 0, &type, &rank, &dims);
  if (api->status_code(s) == ONYX_NOT_FOUND) { /* nothing known: the output stays unknown */
    api->release_status(s);
    return NULL;
  }
  if (s != NULL) return s;
  if (type != ONYX_FLOAT) return api->create_status(ONYX_INVALID_GRAPH, "ScaledAdd takes float tensors");
  return api->inference_set_output(inference, 0, type, dims, rank);
}

__attribute__((visibility("default"))) OnyxStatus* onyx_register_custom_ops(
    OnyxCustomOpRegistry* registry, const OnyxApi* api) {
  if (api->version < 1) return NULL;
  static const OnyxCustomOp op = {"onyx.example", "ScaledAdd", 1, 1, NULL, create, compute, destroy,
                                  infer};
  return api->register_op(registry, &op);
}
