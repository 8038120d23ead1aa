// Strided block copies between tensors of one dtype, shared by the kernels that stitch or cut
// tensors along an axis (Scan, Loop, SplitToSequence, ConcatFromSequence, ...).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace onyx {

// Whether tensors of `dt` can be copied element-wise (strings and byte-sized types; sub-byte
// types cannot).
bool block_copyable(DataType dt);

// Copies `outer` blocks of `block` elements: block o goes from src[src_off + o * src_stride] to
// dst[dst_off + o * dst_stride]. Both tensors have the same dtype.
void copy_blocks(const Tensor& src, int64_t src_off, int64_t src_stride, Tensor& dst,
                 int64_t dst_off, int64_t dst_stride, int64_t outer, int64_t block);

// Product of dims [begin, end) of s (1 for an empty range).
int64_t dims_product(const Shape& s, size_t begin, size_t end);

}  // namespace onyx
