// Huge-page buffers for packed weights (core/huge_pages.h): aligned to 2 MB, zeroed, usable to
// their last byte, and given back when their last owner goes.
#include "core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace onyx {
namespace {

TEST(HugePages, BuffersAreAlignedZeroedAndWritable) {
  EXPECT_EQ(allocate_huge_page_buffer(0), nullptr);
  for (size_t bytes : {size_t{1}, size_t{4096}, kHugePageBytes, kHugePageBytes * 3 / 2 + 5}) {
    SCOPED_TRACE(bytes);
    auto buffer = allocate_huge_page_buffer(bytes);
    ASSERT_NE(buffer, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.get()) % kHugePageBytes, 0u);
    auto* p = static_cast<unsigned char*>(buffer.get());
    for (size_t i = 0; i < bytes; i += 4096) EXPECT_EQ(p[i], 0);
    EXPECT_EQ(p[bytes - 1], 0);
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(p[bytes - 1], 0x5a);
  }
}

// Small weights share chunks: each slice is 64-byte aligned, zeroed, and apart from the others,
// and stays usable after the allocator has moved on to another chunk.
TEST(HugePages, SmallWeightBuffersShareChunksWithoutOverlap) {
  std::vector<std::shared_ptr<void>> slices;
  std::vector<size_t> sizes;
  for (size_t i = 0; i < 40; ++i) {
    const size_t bytes = 1000 + i * 37000;  // up to 1.4 MB: several chunks
    auto s = allocate_weight_buffer(bytes);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s.get()) % 64, 0u);
    auto* p = static_cast<unsigned char*>(s.get());
    EXPECT_EQ(p[0], 0);
    EXPECT_EQ(p[bytes - 1], 0);
    std::memset(p, static_cast<int>(i + 1), bytes);
    slices.push_back(std::move(s));
    sizes.push_back(bytes);
  }
  for (size_t i = 0; i < slices.size(); ++i) {
    const auto* p = static_cast<const unsigned char*>(slices[i].get());
    EXPECT_EQ(p[0], i + 1);
    EXPECT_EQ(p[sizes[i] - 1], i + 1);
  }
  // A large request gets a buffer of its own, on a huge-page boundary.
  auto big = allocate_weight_buffer(kHugePageBytes + 1);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.get()) % kHugePageBytes, 0u);
}

}  // namespace
}  // namespace onyx
