#include "ops/common/block_copy.h"

#include <cstring>
#include <string>

namespace onyx {

bool block_copyable(DataType dt) { return dt == DataType::kString || data_type_size(dt) > 0; }

void copy_blocks(const Tensor& src, int64_t src_off, int64_t src_stride, Tensor& dst,
                 int64_t dst_off, int64_t dst_stride, int64_t outer, int64_t block) {
  if (outer <= 0 || block <= 0) return;
  if (src.dtype() == DataType::kString) {
    const std::string* s = src.data<std::string>();
    std::string* d = dst.data<std::string>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < block; ++k) d[dst_off + o * dst_stride + k] = s[src_off + o * src_stride + k];
    }
    return;
  }
  const size_t es = data_type_size(src.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(dst.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(d + static_cast<size_t>(dst_off + o * dst_stride) * es,
                s + static_cast<size_t>(src_off + o * src_stride) * es,
                static_cast<size_t>(block) * es);
  }
}

int64_t dims_product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

}  // namespace onyx
