// onyx Status -> Python exceptions. C++ code throws StatusError; the module's translator raises
// the Python class registered for its code (onyx.InvalidArgument, onyx.NoSuchFile, ...).
#pragma once

#include <exception>
#include <string>

#include "core/status.h"

namespace onyx::python {

class StatusError : public std::exception {
 public:
  explicit StatusError(Status s) : status_(std::move(s)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

// Throws StatusError for a failed status.
inline void check(const Status& s) {
  if (!s.ok()) throw StatusError(s);
}

template <typename T>
T unwrap(Result<T> r) {
  if (!r.ok()) throw StatusError(r.status());
  return std::move(r).value();
}

}  // namespace onyx::python
