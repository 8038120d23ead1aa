/* onyx C API: load an ONNX model once, run it many times.
 *
 * Stable ABI rules:
 *  - every object is an opaque handle created by an onyx_*_create call and freed by the matching
 *    onyx_*_release (release accepts NULL);
 *  - every fallible call returns an OnyxStatus*: NULL means success; otherwise the caller reads
 *    onyx_status_code / onyx_status_message and frees it with onyx_status_release. No C++
 *    exception ever crosses this boundary;
 *  - strings returned by onyx (names, messages) live as long as the object they came from.
 *
 * Thread safety: a session may be run from several threads at once (onyx_session_run is
 * reentrant). Session options, tensors and statuses are not synchronized: do not use one from
 * two threads at the same time without a lock. Creating and releasing distinct objects from
 * different threads is safe.
 */
#ifndef ONYX_ONYX_H_
#define ONYX_ONYX_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ONYX_API __attribute__((visibility("default")))
#else
#define ONYX_API
#endif

/* Bumped when a call is added; calls are never removed or changed within a major version. */
#define ONYX_API_VERSION 1

typedef enum OnyxStatusCode {
  ONYX_OK = 0,
  ONYX_INVALID_ARGUMENT = 1, /* bad input from the caller: name, element type, shape */
  ONYX_NOT_FOUND = 2,        /* missing file */
  ONYX_INVALID_GRAPH = 3,    /* malformed model */
  ONYX_NOT_IMPLEMENTED = 4,  /* operator, opset or element type not served */
  ONYX_RUNTIME_ERROR = 5     /* failure while running */
} OnyxStatusCode;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum OnyxElementType {
  ONYX_UNDEFINED = 0,
  ONYX_FLOAT = 1,
  ONYX_UINT8 = 2,
  ONYX_INT8 = 3,
  ONYX_UINT16 = 4,
  ONYX_INT16 = 5,
  ONYX_INT32 = 6,
  ONYX_INT64 = 7,
  ONYX_STRING = 8,
  ONYX_BOOL = 9,
  ONYX_FLOAT16 = 10,
  ONYX_DOUBLE = 11,
  ONYX_UINT32 = 12,
  ONYX_UINT64 = 13,
  ONYX_COMPLEX64 = 14,
  ONYX_COMPLEX128 = 15,
  ONYX_BFLOAT16 = 16
} OnyxElementType;

typedef struct OnyxStatus OnyxStatus;
typedef struct OnyxSessionOptions OnyxSessionOptions;
typedef struct OnyxSession OnyxSession;
typedef struct OnyxTensor OnyxTensor;
typedef struct OnyxKernelInfo OnyxKernelInfo;       /* a node, at session creation */
typedef struct OnyxKernelContext OnyxKernelContext; /* a node's inputs and outputs, in one run */
typedef struct OnyxCustomOpRegistry OnyxCustomOpRegistry;
typedef struct OnyxApi OnyxApi;
typedef struct OnyxTypeInference OnyxTypeInference; /* a node's output types, being inferred */

/* ---- version and status ------------------------------------------------------------------- */
ONYX_API const char* onyx_version(void); /* "0.1.0" */
ONYX_API int onyx_api_version(void);     /* ONYX_API_VERSION of the library */

ONYX_API OnyxStatusCode onyx_status_code(const OnyxStatus* status); /* ONYX_OK for NULL */
ONYX_API const char* onyx_status_message(const OnyxStatus* status); /* "" for NULL */
ONYX_API void onyx_status_release(OnyxStatus* status);

/* ---- session options ---------------------------------------------------------------------- */
ONYX_API OnyxStatus* onyx_session_options_create(OnyxSessionOptions** out);
ONYX_API void onyx_session_options_release(OnyxSessionOptions* options);
/* 0 (the default): one thread per physical core. */
ONYX_API OnyxStatus* onyx_session_options_set_intra_op_threads(OnyxSessionOptions* options,
                                                               int threads);
/* The graph optimizer's level: 0: none, 1: basic, 2: extended, 99: all (the default). */
ONYX_API OnyxStatus* onyx_session_options_set_optimization_level(OnyxSessionOptions* options,
                                                                 int level);
/* 0 (the default): nodes run one at a time, each on every intra-op thread; 1: independent nodes
 * run side by side, each on one of the inter-op threads. */
ONYX_API OnyxStatus* onyx_session_options_set_execution_mode(OnyxSessionOptions* options,
                                                             int parallel);
/* Threads of the parallel mode; 0 (the default): the intra-op thread count. */
ONYX_API OnyxStatus* onyx_session_options_set_inter_op_threads(OnyxSessionOptions* options,
                                                               int threads);

/* ---- sessions ----------------------------------------------------------------------------- */
/* options may be NULL (defaults). */
ONYX_API OnyxStatus* onyx_session_create(const char* model_path, const OnyxSessionOptions* options,
                                         OnyxSession** out);
ONYX_API OnyxStatus* onyx_session_create_from_bytes(const void* model_bytes, size_t size,
                                                    const OnyxSessionOptions* options,
                                                    OnyxSession** out);
ONYX_API void onyx_session_release(OnyxSession* session);

/* Inputs are those a caller must feed (graph inputs without an initializer). */
ONYX_API OnyxStatus* onyx_session_input_count(const OnyxSession* session, size_t* out);
ONYX_API OnyxStatus* onyx_session_output_count(const OnyxSession* session, size_t* out);
ONYX_API OnyxStatus* onyx_session_input_name(const OnyxSession* session, size_t index,
                                             const char** out);
ONYX_API OnyxStatus* onyx_session_output_name(const OnyxSession* session, size_t index,
                                              const char** out);
/* Declared type of a tensor input / output: element type, rank and dims (-1 for a symbolic or
 * unknown dim; *rank = -1 when the rank is unknown). `dims` holds `dims_capacity` entries;
 * if the rank is larger, ONYX_INVALID_ARGUMENT. A non-tensor value (sequence, map) gives
 * ONYX_NOT_IMPLEMENTED. */
ONYX_API OnyxStatus* onyx_session_input_type(const OnyxSession* session, size_t index,
                                             OnyxElementType* elem_type, int64_t* rank,
                                             int64_t* dims, size_t dims_capacity);
ONYX_API OnyxStatus* onyx_session_output_type(const OnyxSession* session, size_t index,
                                              OnyxElementType* elem_type, int64_t* rank,
                                              int64_t* dims, size_t dims_capacity);

/* Runs the model. Feeds `n_inputs` named tensors; fetches `n_outputs` named outputs into
 * `outputs` (new tensors the caller releases). output_names NULL with n_outputs equal to the
 * output count fetches every output in graph order. Reentrant. */
ONYX_API OnyxStatus* onyx_session_run(const OnyxSession* session, const char* const* input_names,
                                      const OnyxTensor* const* inputs, size_t n_inputs,
                                      const char* const* output_names, size_t n_outputs,
                                      OnyxTensor** outputs);

/* ---- tensors ------------------------------------------------------------------------------ */
/* A tensor whose memory onyx allocates (strings: empty). */
ONYX_API OnyxStatus* onyx_tensor_create(OnyxElementType elem_type, const int64_t* dims,
                                        size_t rank, OnyxTensor** out);
/* A tensor over caller memory, not copied: `data` must hold `byte_size` >= the tensor's size and
 * outlive the tensor and every run it is fed to. Not for strings. */
ONYX_API OnyxStatus* onyx_tensor_create_over(OnyxElementType elem_type, const int64_t* dims,
                                             size_t rank, void* data, size_t byte_size,
                                             OnyxTensor** out);
ONYX_API void onyx_tensor_release(OnyxTensor* tensor);
ONYX_API OnyxStatus* onyx_tensor_element_type(const OnyxTensor* tensor, OnyxElementType* out);
/* Rank and dims (valid while the tensor lives). */
ONYX_API OnyxStatus* onyx_tensor_shape(const OnyxTensor* tensor, size_t* rank,
                                       const int64_t** dims);
ONYX_API OnyxStatus* onyx_tensor_element_count(const OnyxTensor* tensor, int64_t* out);
/* The element buffer (not for string tensors). */
ONYX_API OnyxStatus* onyx_tensor_data(OnyxTensor* tensor, void** out);
/* String tensors, element by element (flat index). The returned string lives as long as the
 * tensor and until that element is set again. */
ONYX_API OnyxStatus* onyx_tensor_set_string(OnyxTensor* tensor, int64_t index, const char* value,
                                            size_t length);
ONYX_API OnyxStatus* onyx_tensor_get_string(const OnyxTensor* tensor, int64_t index,
                                            const char** value, size_t* length);

/* ---- custom operators ------------------------------------------------------------------------
 * An operator is a table of callbacks. A custom-op library is a shared object exporting
 *
 *   OnyxStatus* onyx_register_custom_ops(OnyxCustomOpRegistry* registry, const OnyxApi* api);
 *
 * which calls api->register_op(registry, &op) for each of its operators. Libraries call onyx
 * only through `api` (no link-time dependency on libonyx.so), so one library serves the C API,
 * the Python package and the `onyx` CLI alike. Custom operators take precedence over built-in
 * ones of the same domain and name. Callbacks may run concurrently on different nodes and, for
 * one node, from concurrent runs: `compute` must not modify `state`. */
typedef struct OnyxCustomOp {
  const char* domain; /* e.g. "com.example"; "" or "ai.onnx" for the default domain */
  const char* name;   /* the node's op_type */
  int since_version;  /* opset range of `domain` served, inclusive */
  int until_version;
  void* user_data; /* passed to create */
  /* Once per node at session creation: read attributes, check input and output counts, make
   * the node's state (may stay NULL). A non-NULL status fails the session with its message. */
  OnyxStatus* (*create)(void* user_data, const OnyxApi* api, const OnyxKernelInfo* info,
                        void** state);
  /* Once per run of the node: read inputs, allocate and fill outputs. */
  OnyxStatus* (*compute)(const void* state, const OnyxApi* api, OnyxKernelContext* context);
  /* Frees the state (may be NULL). */
  void (*destroy)(void* state);
  /* Optional (may be NULL): at session creation, after create, the element types and shapes
   * of the outputs from the inputs' (api->info_input_type), set with api->inference_set_output.
   * Outputs left unset stay unknown until run time; setting them lets onyx choose the kernels
   * of the nodes that read them by dtype at load, and check them there. */
  OnyxStatus* (*infer)(const void* state, const OnyxApi* api, const OnyxKernelInfo* info,
                       OnyxTypeInference* inference);
} OnyxCustomOp;

/* Functions a custom-op library may call. Grows at the end only (`version`). Tensors handed to
 * compute by input() and allocate_output() belong to the context: do not release them. */
struct OnyxApi {
  int version; /* ONYX_API_VERSION */
  OnyxStatus* (*create_status)(OnyxStatusCode code, const char* message);
  OnyxStatusCode (*status_code)(const OnyxStatus* status);
  void (*release_status)(OnyxStatus* status);
  OnyxStatus* (*register_op)(OnyxCustomOpRegistry* registry, const OnyxCustomOp* op);
  /* Node facts and attributes; a missing attribute gives ONYX_NOT_FOUND, a present one of
   * another type ONYX_INVALID_ARGUMENT. Returned arrays live as long as the session. */
  int (*info_opset)(const OnyxKernelInfo* info);
  size_t (*info_input_count)(const OnyxKernelInfo* info);
  size_t (*info_output_count)(const OnyxKernelInfo* info);
  OnyxStatus* (*info_attr_int)(const OnyxKernelInfo* info, const char* name, int64_t* out);
  OnyxStatus* (*info_attr_float)(const OnyxKernelInfo* info, const char* name, float* out);
  OnyxStatus* (*info_attr_string)(const OnyxKernelInfo* info, const char* name, const char** out,
                                  size_t* length);
  OnyxStatus* (*info_attr_ints)(const OnyxKernelInfo* info, const char* name, const int64_t** out,
                                size_t* count);
  OnyxStatus* (*info_attr_floats)(const OnyxKernelInfo* info, const char* name, const float** out,
                                  size_t* count);
  /* Inputs (NULL for an omitted optional input) and outputs of one run. */
  size_t (*context_input_count)(const OnyxKernelContext* context);
  size_t (*context_output_count)(const OnyxKernelContext* context);
  OnyxStatus* (*context_input)(OnyxKernelContext* context, size_t index, const OnyxTensor** out);
  OnyxStatus* (*context_allocate_output)(OnyxKernelContext* context, size_t index,
                                         OnyxElementType elem_type, const int64_t* dims,
                                         size_t rank, OnyxTensor** out);
  /* Tensor access, as the onyx_tensor_* calls of the same names. */
  OnyxStatus* (*tensor_element_type)(const OnyxTensor* tensor, OnyxElementType* out);
  OnyxStatus* (*tensor_shape)(const OnyxTensor* tensor, size_t* rank, const int64_t** dims);
  OnyxStatus* (*tensor_element_count)(const OnyxTensor* tensor, int64_t* out);
  OnyxStatus* (*tensor_data)(OnyxTensor* tensor, void** out);
  OnyxStatus* (*tensor_const_data)(const OnyxTensor* tensor, const void** out);
  /* For infer: input `index`'s static element type and shape (dims[i] is -1 where unknown,
   * *rank is -1 when the rank is unknown); ONYX_NOT_FOUND when nothing is known of it. */
  OnyxStatus* (*info_input_type)(const OnyxKernelInfo* info, size_t index,
                                 OnyxElementType* elem_type, int64_t* rank, const int64_t** dims);
  /* For infer: output `index` has this element type and shape (dims[i] = -1: unknown; rank -1
   * with dims NULL: rank unknown). */
  OnyxStatus* (*inference_set_output)(OnyxTypeInference* inference, size_t index,
                                      OnyxElementType elem_type, const int64_t* dims,
                                      int64_t rank);
};

/* The function table, for programs that register operators directly. */
ONYX_API const OnyxApi* onyx_get_api(void);
/* Registers one operator for the sessions created with these options. */
ONYX_API OnyxStatus* onyx_session_options_add_custom_op(OnyxSessionOptions* options,
                                                        const OnyxCustomOp* op);
/* Loads a custom-op library (dlopen) and lets it register its operators with these options. */
ONYX_API OnyxStatus* onyx_session_options_load_custom_ops_library(OnyxSessionOptions* options,
                                                                  const char* path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ONYX_ONYX_H_ */
