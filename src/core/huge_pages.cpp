#include "core/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace onyx {

std::shared_ptr<void> allocate_huge_page_buffer(size_t bytes) {
  constexpr size_t kPage = 4096;
  if (bytes == 0) return nullptr;
  const size_t size = (bytes + kPage - 1) / kPage * kPage;
  // Map 2 MB more than needed, then give back the unaligned head and the unused tail.
  void* raw = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  const uintptr_t end = start + size + kHugePageBytes;
  if (aligned > start) munmap(raw, aligned - start);
  if (end > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  void* p = reinterpret_cast<void*>(aligned);
  const size_t huge_part = size / kHugePageBytes * kHugePageBytes;
  // Advice only: without THP the pages stay small, which is still correct.
  if (huge_part > 0) madvise(p, huge_part, MADV_HUGEPAGE);
  return std::shared_ptr<void>(p, [size](void* q) { munmap(q, size); });
}

std::shared_ptr<void> allocate_weight_buffer(size_t bytes) {
  constexpr size_t kAlign = 64;
  // Pages are faulted in on first touch: the part of a chunk nothing uses costs nothing.
  constexpr size_t kChunk = 4 * kHugePageBytes;
  if (bytes >= kHugePageBytes) return allocate_huge_page_buffer(bytes);
  static std::mutex mutex;
  static std::shared_ptr<void> page;  // the chunk being filled
  static size_t used = 0;
  const size_t size = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  std::lock_guard<std::mutex> lock(mutex);
  if (page == nullptr || used + size > kChunk) {
    page = allocate_huge_page_buffer(kChunk);
    used = 0;
    if (page == nullptr) return nullptr;
  }
  void* p = static_cast<unsigned char*>(page.get()) + used;
  used += size;
  return std::shared_ptr<void>(page, p);  // shares the page's ownership
}

}  // namespace onyx
