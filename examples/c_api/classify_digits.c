/* The C API end to end: load the bundled digit classifier, feed it the held-out images from a
 * .npy file through a tensor over our own memory (no copy), print the accuracy.
 *
 *   classify_digits MODEL.onnx IMAGES.npy LABELS.npy
 *
 * Exit status 0 when every call succeeded; the accuracy line is checked by the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onyx/onyx.h"

/* Reads a little-endian, C-ordered .npy file of `descr` ("<f4", "<i8"). Returns the data
 * (malloc'ed) and fills dims / rank; NULL on any problem. */
static void* read_npy(const char* path, const char* descr, int64_t* dims, size_t* rank,
                      size_t* bytes) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  unsigned char pre[10];
  void* data = NULL;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) goto done;
  size_t header_len = (size_t)pre[8] | ((size_t)pre[9] << 8);
  char header[1024];
  if (header_len >= sizeof header || fread(header, 1, header_len, f) != header_len) goto done;
  header[header_len] = '\0';
  if (strstr(header, descr) == NULL || strstr(header, "'fortran_order': False") == NULL) goto done;
  const char* p = strstr(header, "'shape': (");
  if (p == NULL) goto done;
  p += strlen("'shape': (");
  *rank = 0;
  size_t count = 1;
  while (*p != ')' && *rank < 8) {
    char* end;
    long long d = strtoll(p, &end, 10);
    if (end == p || d < 0) goto done;
    dims[(*rank)++] = d;
    count *= (size_t)d;
    p = end;
    while (*p == ',' || *p == ' ') ++p;
  }
  *bytes = count * (size_t)(descr[2] - '0');
  data = malloc(*bytes ? *bytes : 1);
  if (data != NULL && fread(data, 1, *bytes, f) != *bytes) {
    free(data);
    data = NULL;
  }
done:
  fclose(f);
  return data;
}

/* Prints and frees a failed status; returns 1 if there was one. */
static int failed(OnyxStatus* s, const char* what) {
  if (s == NULL) return 0;
  fprintf(stderr, "%s: %s\n", what, onyx_status_message(s));
  onyx_status_release(s);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL.onnx IMAGES.npy LABELS.npy\n", argv[0]);
    return 2;
  }
  printf("onyx %s (C API version %d)\n", onyx_version(), onyx_api_version());
  int64_t image_dims[8], label_dims[8];
  size_t image_rank = 0, label_rank = 0, image_bytes = 0, label_bytes = 0;
  float* images = read_npy(argv[2], "<f4", image_dims, &image_rank, &image_bytes);
  int64_t* labels = read_npy(argv[3], "<i8", label_dims, &label_rank, &label_bytes);
  if (images == NULL || labels == NULL || label_rank != 1 || image_rank != 4 ||
      image_dims[0] != label_dims[0]) {
    fprintf(stderr, "cannot read the .npy files\n");
    return 1;
  }

  OnyxSessionOptions* options = NULL;
  OnyxSession* session = NULL;
  OnyxTensor* input = NULL;
  OnyxTensor* output = NULL;
  int status = 1;
  if (failed(onyx_session_options_create(&options), "options")) goto cleanup;
  if (failed(onyx_session_options_set_intra_op_threads(options, 1), "threads")) goto cleanup;
  if (failed(onyx_session_create(argv[1], options, &session), "load")) goto cleanup;

  const char* input_name = NULL;
  const char* output_name = NULL;
  OnyxElementType elem;
  int64_t rank, dims[8];
  if (failed(onyx_session_input_name(session, 0, &input_name), "input name")) goto cleanup;
  if (failed(onyx_session_output_name(session, 0, &output_name), "output name")) goto cleanup;
  if (failed(onyx_session_input_type(session, 0, &elem, &rank, dims, 8), "input type")) goto cleanup;
  printf("input %s: element type %d, rank %lld, dims [", input_name, (int)elem, (long long)rank);
  for (int64_t i = 0; i < rank; ++i) printf("%s%lld", i ? "," : "", (long long)dims[i]);
  printf("] (-1: symbolic)\n");

  if (failed(onyx_tensor_create_over(ONYX_FLOAT, image_dims, image_rank, images, image_bytes,
                                     &input),
             "input tensor")) {
    goto cleanup;
  }
  const OnyxTensor* inputs[] = {input};
  if (failed(onyx_session_run(session, &input_name, inputs, 1, &output_name, 1, &output), "run")) {
    goto cleanup;
  }
  size_t out_rank;
  const int64_t* out_dims;
  float* logits;
  if (failed(onyx_tensor_shape(output, &out_rank, &out_dims), "shape")) goto cleanup;
  if (failed(onyx_tensor_data(output, (void**)&logits), "data")) goto cleanup;
  if (out_rank != 2 || out_dims[0] != image_dims[0]) {
    fprintf(stderr, "unexpected output shape\n");
    goto cleanup;
  }
  int64_t correct = 0;
  for (int64_t n = 0; n < out_dims[0]; ++n) {
    int64_t best = 0;
    for (int64_t k = 1; k < out_dims[1]; ++k) {
      if (logits[n * out_dims[1] + k] > logits[n * out_dims[1] + best]) best = k;
    }
    correct += best == labels[n];
  }
  printf("accuracy on %lld held-out digits: %.4f\n", (long long)out_dims[0],
         (double)correct / (double)out_dims[0]);

  /* A bad call reports a status instead of crashing. */
  const char* wrong = "no_such_input";
  OnyxTensor* unused = NULL;
  OnyxStatus* s = onyx_session_run(session, &wrong, inputs, 1, NULL, 1, &unused);
  printf("wrong input name -> code %d: %s\n", (int)onyx_status_code(s), onyx_status_message(s));
  status = onyx_status_code(s) == ONYX_INVALID_ARGUMENT ? 0 : 1;
  onyx_status_release(s);

cleanup:
  onyx_tensor_release(output);
  onyx_tensor_release(input);
  onyx_session_release(session);
  onyx_session_options_release(options);
  free(images);
  free(labels);
  return status;
}
