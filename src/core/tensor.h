// A dense tensor: element type, shape and a shared, reference-counted buffer.
// Copying a Tensor shares the buffer (like a handle); clone() copies the bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data_type.h"
#include "core/status.h"

namespace onyx {

using Shape = std::vector<int64_t>;

// Product of dims; -1 if a dim is negative or the product overflows int64.
int64_t shape_numel(const Shape& shape);
std::string shape_to_string(const Shape& shape);

// Upper bound on a single allocation. Guards against sizes read from files or computed from
// untrusted inputs: exceeding it throws std::length_error, which the executor turns into a Status.
size_t max_allocation_bytes();
void set_max_allocation_bytes(size_t bytes);

class Tensor {
 public:
  Tensor() = default;
  // Allocates an uninitialized (strings: empty) tensor. Throws std::length_error when the size is
  // invalid or over max_allocation_bytes().
  Tensor(DataType dtype, Shape shape);

  // Views caller-owned memory; `owner` keeps it alive (may be null if the caller guarantees it).
  static Tensor wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner);
  // A rank-0 tensor holding `value`.
  template <typename T>
  static Tensor scalar(T value) {
    Tensor t(data_type_of<T>, {});
    *t.data<T>() = value;
    return t;
  }
  // A tensor holding a copy of `values` with `shape` (1-D of values.size() when shape is empty
  // and values.size() != 1).
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, Shape shape);

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_[i]; }
  int64_t numel() const { return numel_; }
  // Bytes of element storage (packed sub-byte types: rounded up; strings: numel * sizeof(string)).
  size_t nbytes() const;

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }

  // Same buffer, new shape (numel must match).
  Tensor reshaped(Shape shape) const;
  // Deep copy.
  Tensor clone() const;
  // True when both tensors view the same buffer.
  bool shares_buffer_with(const Tensor& other) const { return data_ == other.data_; }
  // True when this tensor's buffer was allocated for it (not a view of caller memory or of
  // part of another buffer) and no other Tensor shares it: writing to it affects no one else.
  bool sole_owner_of_buffer() const {
    return storage_ != nullptr && storage_.use_count() == 1 && data_ == storage_.get() &&
           dtype_ != DataType::kString;
  }

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, Shape shape) {
  Tensor t(data_type_of<T>, std::move(shape));
  T* d = t.data<T>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i) d[i] = values[i];
  return t;
}

}  // namespace onyx
