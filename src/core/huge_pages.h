// Buffers for large packed weights, backed by transparent huge pages where the system allows.
//
// A model's weights are read once per run, cold, in the order the layers use them: with 4 KB
// pages, every 4 KB of a convolution's weights costs a TLB miss and a page walk on top of the
// memory access, and hardware prefetchers stop at page boundaries. With 2 MB pages ResNet-50
// runs 2.5-7% faster at batch 1 on one thread (docs/performance.md, "Huge pages for the
// weights"). The kernel's THP mode is usually `madvise` (Debian's default), so the buffer asks
// for them; where THP is off, the buffer is ordinary memory.
#pragma once

#include <cstddef>
#include <memory>

namespace onyx {

// Weights of at least this many bytes go to huge-page buffers (one whole 2 MB page or more).
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` of zeroed memory starting on a 2 MB boundary, its whole 2 MB spans advised as huge
// pages (madvise MADV_HUGEPAGE) and the rest in normal pages, so nothing is allocated past the
// end. Null when the mapping fails; the memory is unmapped when the last owner goes.
std::shared_ptr<void> allocate_huge_page_buffer(size_t bytes);

// Memory for packed weights of any size, 64-byte aligned and zeroed: from 2 MB on a buffer of
// its own (allocate_huge_page_buffer), below that a slice of a shared 2 MB huge page, so that
// the many smaller weights of a CNN share pages too. A shared page goes back when its last
// slice is released. Null when the mapping fails.
std::shared_ptr<void> allocate_weight_buffer(size_t bytes);

}  // namespace onyx
