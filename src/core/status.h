// Errors as values: every fallible operation returns Status or Result<T>.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace onyx {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from the caller (wrong name, dtype, shape)
  kNotFound,         // missing file or value
  kInvalidGraph,     // malformed model
  kNotImplemented,   // op / opset / dtype we do not serve
  kRuntimeError,     // failure while executing
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

  // Prepends context ("node 'conv1' (Conv, opset 13): ") to the message.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

template <typename... Args>
Status InvalidArgument(const Args&... args) {
  return Status(StatusCode::kInvalidArgument, detail::concat(args...));
}
template <typename... Args>
Status NotFound(const Args&... args) {
  return Status(StatusCode::kNotFound, detail::concat(args...));
}
template <typename... Args>
Status InvalidGraph(const Args&... args) {
  return Status(StatusCode::kInvalidGraph, detail::concat(args...));
}
template <typename... Args>
Status NotImplemented(const Args&... args) {
  return Status(StatusCode::kNotImplemented, detail::concat(args...));
}
template <typename... Args>
Status RuntimeError(const Args&... args) {
  return Status(StatusCode::kRuntimeError, detail::concat(args...));
}

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status::OK() : std::get<Status>(data_); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace onyx

#define ONYX_CONCAT_INNER(a, b) a##b
#define ONYX_CONCAT(a, b) ONYX_CONCAT_INNER(a, b)

#define ONYX_RETURN_IF_ERROR(expr)             \
  do {                                         \
    ::onyx::Status onyx_status_ = (expr);      \
    if (!onyx_status_.ok()) return onyx_status_; \
  } while (0)

#define ONYX_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define ONYX_ASSIGN_OR_RETURN(lhs, expr) \
  ONYX_ASSIGN_OR_RETURN_IMPL(ONYX_CONCAT(onyx_result_, __LINE__), lhs, expr)
