// onyx C++ API: a header-only RAII wrapper over the C API (onyx.h). Failures throw Onyx::Error,
// which carries the status code and message; objects free their handles when they go away.
//
//   Onyx::Session session("model.onnx");
//   std::vector<float> pixels(64);
//   auto input = Onyx::Tensor::over(pixels.data(), {1, 1, 8, 8});
//   std::vector<Onyx::Tensor> out = session.run({{"image", &input}}, {"logits"});
//   const float* logits = out[0].data<float>();
#ifndef ONYX_ONYX_HPP_
#define ONYX_ONYX_HPP_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onyx/onyx.h"

namespace Onyx {

class Error : public std::runtime_error {
 public:
  Error(OnyxStatusCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  OnyxStatusCode code() const { return code_; }

 private:
  OnyxStatusCode code_;
};

// Throws Error for a failed status (and frees it).
inline void check(OnyxStatus* status) {
  if (status == nullptr) return;
  const OnyxStatusCode code = onyx_status_code(status);
  std::string message = onyx_status_message(status);
  onyx_status_release(status);
  throw Error(code, message);
}

template <typename T>
struct ElementTypeOf;
#define ONYX_HPP_ELEMENT_TYPE(T, E) \
  template <>                       \
  struct ElementTypeOf<T> {         \
    static constexpr OnyxElementType value = E; \
  };
ONYX_HPP_ELEMENT_TYPE(float, ONYX_FLOAT)
ONYX_HPP_ELEMENT_TYPE(double, ONYX_DOUBLE)
ONYX_HPP_ELEMENT_TYPE(int8_t, ONYX_INT8)
ONYX_HPP_ELEMENT_TYPE(int16_t, ONYX_INT16)
ONYX_HPP_ELEMENT_TYPE(int32_t, ONYX_INT32)
ONYX_HPP_ELEMENT_TYPE(int64_t, ONYX_INT64)
ONYX_HPP_ELEMENT_TYPE(uint8_t, ONYX_UINT8)
ONYX_HPP_ELEMENT_TYPE(uint16_t, ONYX_UINT16)
ONYX_HPP_ELEMENT_TYPE(uint32_t, ONYX_UINT32)
ONYX_HPP_ELEMENT_TYPE(uint64_t, ONYX_UINT64)
ONYX_HPP_ELEMENT_TYPE(bool, ONYX_BOOL)
#undef ONYX_HPP_ELEMENT_TYPE

inline std::string version() { return onyx_version(); }

class SessionOptions {
 public:
  SessionOptions() { check(onyx_session_options_create(&handle_)); }
  ~SessionOptions() { onyx_session_options_release(handle_); }
  SessionOptions(const SessionOptions&) = delete;
  SessionOptions& operator=(const SessionOptions&) = delete;
  SessionOptions(SessionOptions&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  SessionOptions& operator=(SessionOptions&& o) noexcept {
    std::swap(handle_, o.handle_);
    return *this;
  }

  SessionOptions& intra_op_threads(int n) {
    check(onyx_session_options_set_intra_op_threads(handle_, n));
    return *this;
  }
  SessionOptions& optimization_level(int level) {
    check(onyx_session_options_set_optimization_level(handle_, level));
    return *this;
  }
  // Independent nodes side by side on `inter_op_threads` threads (0: the intra-op count).
  SessionOptions& parallel_execution(bool on, int inter_op_threads = 0) {
    check(onyx_session_options_set_execution_mode(handle_, on ? 1 : 0));
    check(onyx_session_options_set_inter_op_threads(handle_, inter_op_threads));
    return *this;
  }
  // Loads a custom-op library whose operators the sessions made with these options may run.
  SessionOptions& custom_ops_library(const std::string& path) {
    check(onyx_session_options_load_custom_ops_library(handle_, path.c_str()));
    return *this;
  }
  // Registers one custom operator (the table is copied; its callbacks must outlive sessions).
  SessionOptions& custom_op(const OnyxCustomOp& op) {
    check(onyx_session_options_add_custom_op(handle_, &op));
    return *this;
  }
  const OnyxSessionOptions* get() const { return handle_; }

 private:
  OnyxSessionOptions* handle_ = nullptr;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(OnyxTensor* handle) : handle_(handle) {}
  ~Tensor() { onyx_tensor_release(handle_); }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  Tensor(Tensor&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Tensor& operator=(Tensor&& o) noexcept {
    std::swap(handle_, o.handle_);
    return *this;
  }

  // A zero-filled tensor owned by onyx.
  static Tensor zeros(OnyxElementType type, const std::vector<int64_t>& shape) {
    OnyxTensor* t = nullptr;
    check(onyx_tensor_create(type, shape.data(), shape.size(), &t));
    return Tensor(t);
  }
  // A tensor over caller memory (not copied; `data` must outlive the tensor and its runs).
  template <typename T>
  static Tensor over(T* data, const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    OnyxTensor* t = nullptr;
    check(onyx_tensor_create_over(ElementTypeOf<T>::value, shape.data(), shape.size(), data,
                                  static_cast<size_t>(n) * sizeof(T), &t));
    return Tensor(t);
  }
  // A string tensor holding `values`.
  static Tensor strings(const std::vector<std::string>& values, const std::vector<int64_t>& shape) {
    Tensor t = zeros(ONYX_STRING, shape);
    for (size_t i = 0; i < values.size(); ++i) {
      check(onyx_tensor_set_string(t.handle_, static_cast<int64_t>(i), values[i].data(),
                                   values[i].size()));
    }
    return t;
  }

  OnyxElementType element_type() const {
    OnyxElementType e;
    check(onyx_tensor_element_type(handle_, &e));
    return e;
  }
  std::vector<int64_t> shape() const {
    size_t rank = 0;
    const int64_t* dims = nullptr;
    check(onyx_tensor_shape(handle_, &rank, &dims));
    return std::vector<int64_t>(dims, dims + rank);
  }
  int64_t size() const {
    int64_t n = 0;
    check(onyx_tensor_element_count(handle_, &n));
    return n;
  }
  // The elements as T; throws if T is not the tensor's element type.
  template <typename T>
  T* data() {
    if (element_type() != ElementTypeOf<T>::value) {
      throw Error(ONYX_INVALID_ARGUMENT, "Tensor::data: element type mismatch");
    }
    void* p = nullptr;
    check(onyx_tensor_data(handle_, &p));
    return static_cast<T*>(p);
  }
  std::string string_at(int64_t index) const {
    const char* s = nullptr;
    size_t n = 0;
    check(onyx_tensor_get_string(handle_, index, &s, &n));
    return std::string(s, n);
  }

  OnyxTensor* get() const { return handle_; }

 private:
  OnyxTensor* handle_ = nullptr;
};

struct ValueInfo {
  std::string name;
  OnyxElementType element_type = ONYX_UNDEFINED;
  std::vector<int64_t> shape;  // -1: symbolic or unknown dim
  bool rank_known = false;
};

class Session {
 public:
  explicit Session(const std::string& model_path, const SessionOptions& options = SessionOptions()) {
    check(onyx_session_create(model_path.c_str(), options.get(), &handle_));
  }
  static Session from_bytes(std::string_view bytes, const SessionOptions& options = SessionOptions()) {
    OnyxSession* s = nullptr;
    check(onyx_session_create_from_bytes(bytes.data(), bytes.size(), options.get(), &s));
    return Session(s);
  }
  ~Session() { onyx_session_release(handle_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  Session& operator=(Session&& o) noexcept {
    std::swap(handle_, o.handle_);
    return *this;
  }

  std::vector<ValueInfo> inputs() const { return describe(true); }
  std::vector<ValueInfo> outputs() const { return describe(false); }

  // Runs the model: feeds (name, tensor) pairs, returns the named outputs (all, in graph
  // order, when `output_names` is empty). Safe to call from several threads at once.
  std::vector<Tensor> run(const std::vector<std::pair<std::string, const Tensor*>>& feeds,
                          std::vector<std::string> output_names = {}) const {
    std::vector<const char*> in_names;
    std::vector<const OnyxTensor*> in_tensors;
    for (const auto& [name, t] : feeds) {
      in_names.push_back(name.c_str());
      in_tensors.push_back(t->get());
    }
    if (output_names.empty()) {
      for (const auto& o : outputs()) output_names.push_back(o.name);
    }
    std::vector<const char*> out_names;
    for (const auto& n : output_names) out_names.push_back(n.c_str());
    std::vector<OnyxTensor*> raw(out_names.size(), nullptr);
    check(onyx_session_run(handle_, in_names.data(), in_tensors.data(), in_names.size(),
                           out_names.data(), out_names.size(), raw.data()));
    std::vector<Tensor> out;
    for (OnyxTensor* t : raw) out.emplace_back(t);
    return out;
  }

 private:
  explicit Session(OnyxSession* handle) : handle_(handle) {}

  std::vector<ValueInfo> describe(bool inputs) const {
    size_t n = 0;
    check(inputs ? onyx_session_input_count(handle_, &n) : onyx_session_output_count(handle_, &n));
    std::vector<ValueInfo> out(n);
    for (size_t i = 0; i < n; ++i) {
      const char* name = nullptr;
      check(inputs ? onyx_session_input_name(handle_, i, &name)
                   : onyx_session_output_name(handle_, i, &name));
      out[i].name = name;
      int64_t rank = 0;
      std::vector<int64_t> dims(64);
      OnyxStatus* s = inputs ? onyx_session_input_type(handle_, i, &out[i].element_type, &rank,
                                                       dims.data(), dims.size())
                             : onyx_session_output_type(handle_, i, &out[i].element_type, &rank,
                                                        dims.data(), dims.size());
      if (onyx_status_code(s) == ONYX_NOT_IMPLEMENTED) {  // not a tensor: name only
        onyx_status_release(s);
        continue;
      }
      check(s);
      out[i].rank_known = rank >= 0;
      if (rank > 0) out[i].shape.assign(dims.begin(), dims.begin() + rank);
    }
    return out;
  }

  OnyxSession* handle_ = nullptr;
};

}  // namespace Onyx

#endif  // ONYX_ONYX_HPP_
