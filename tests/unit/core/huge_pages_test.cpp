// Huge-page buffers for packed weights (core/huge_pages.h): aligned to 2 MB, zeroed, usable to
// their last byte, and given back when their last owner goes.
#include "core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

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

}  // namespace
}  // namespace onyx
