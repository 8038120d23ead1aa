#include "core/tensor.h"

#include "core/allocation_hook.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace onyx {
namespace {

size_t default_max_allocation() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) return static_cast<size_t>(pages) * static_cast<size_t>(page_size);
  return size_t{16} << 30;
}

std::atomic<size_t>& max_allocation() {
  static std::atomic<size_t> value{default_max_allocation()};
  return value;
}

constexpr size_t kAlignment = 64;

thread_local AllocationHook* tls_hook = nullptr;

}  // namespace

AllocationHook* current_allocation_hook() { return tls_hook; }
AllocationHook* set_allocation_hook(AllocationHook* hook) {
  AllocationHook* previous = tls_hook;
  tls_hook = hook;
  return previous;
}

size_t max_allocation_bytes() { return max_allocation().load(); }
void set_max_allocation_bytes(size_t bytes) { max_allocation().store(bytes); }

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > INT64_MAX / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(DataType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  if (numel_ < 0) {
    throw std::length_error("invalid tensor shape " + shape_to_string(shape_));
  }
  const size_t n = static_cast<size_t>(numel_);
  if (dtype == DataType::kString) {
    if (n > max_allocation_bytes() / sizeof(std::string)) {
      throw std::length_error("string tensor of shape " + shape_to_string(shape_) + " is too large");
    }
    std::shared_ptr<std::string[]> strings(new std::string[n == 0 ? 1 : n]);
    data_ = strings.get();
    storage_ = std::shared_ptr<void>(strings, strings.get());
    return;
  }
  const size_t elem = data_type_size(dtype);
  if (elem == 0 && !is_sub_byte(dtype)) {
    throw std::length_error("cannot allocate tensors of element type " +
                            std::string(data_type_name(dtype)));
  }
  // Sub-byte types are packed: the byte count is rounded up, never more than n.
  if ((elem != 0 && n > max_allocation_bytes() / elem) ||
      data_type_storage_bytes(dtype, n) > max_allocation_bytes()) {
    throw std::length_error("tensor of shape " + shape_to_string(shape_) + " (" +
                            std::string(data_type_name(dtype)) + ") exceeds the allocation limit");
  }
  const size_t used = data_type_storage_bytes(dtype, n);
  size_t bytes = (used + kAlignment - 1) / kAlignment * kAlignment;
  if (bytes == 0) bytes = kAlignment;
  if (AllocationHook* hook = tls_hook) storage_ = hook->allocate(bytes);
  if (storage_ == nullptr) {
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (p == nullptr) throw std::bad_alloc();
    storage_ = std::shared_ptr<void>(p, std::free);
  }
  data_ = storage_.get();
  // The padding bits of a partly used last byte are zero, so packed tensors compare and
  // serialize deterministically.
  if (used > 0 && is_sub_byte(dtype)) static_cast<unsigned char*>(data_)[used - 1] = 0;
}

Tensor Tensor::wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = shape_numel(t.shape_);
  if (t.numel_ < 0) throw std::length_error("invalid tensor shape " + shape_to_string(t.shape_));
  t.storage_ = std::move(owner);
  t.data_ = data;
  return t;
}

size_t Tensor::nbytes() const {
  if (dtype_ == DataType::kString) return static_cast<size_t>(numel_) * sizeof(std::string);
  return data_type_storage_bytes(dtype_, static_cast<size_t>(numel_));
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t = *this;
  const int64_t n = shape_numel(shape);
  if (n != numel_) {
    throw std::length_error("cannot reshape " + shape_to_string(shape_) + " to " +
                            shape_to_string(shape));
  }
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  if (!defined()) return Tensor();
  Tensor t(dtype_, shape_);
  if (dtype_ == DataType::kString) {
    const auto* src = data<std::string>();
    auto* dst = t.data<std::string>();
    for (int64_t i = 0; i < numel_; ++i) dst[i] = src[i];
  } else if (nbytes() > 0) {
    std::memcpy(t.data_, data_, nbytes());
  }
  return t;
}

}  // namespace onyx
