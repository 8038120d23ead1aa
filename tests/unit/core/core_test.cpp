#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <cmath>

#include "core/data_type.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace onyx {
namespace {

TEST(DataType, NamesAndSizes) {
  EXPECT_EQ(data_type_name(DataType::kFloat), "float");
  EXPECT_EQ(data_type_size(DataType::kDouble), 8u);
  EXPECT_EQ(data_type_size(DataType::kBFloat16), 2u);
  EXPECT_EQ(data_type_from_onnx(7), DataType::kInt64);
  EXPECT_FALSE(data_type_from_onnx(999).has_value());
  EXPECT_EQ(data_type_from_name("uint16"), DataType::kUInt16);
}

TEST(Half, RoundTripsAndRounds) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(static_cast<float>(float16(f)), f) << f;
  }
  EXPECT_TRUE(std::isinf(static_cast<float>(float16(70000.0f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(float16(NAN))));
  EXPECT_EQ(float16(1.0f).bits, 0x3c00);
  // 1 + 2^-11 is halfway between 1 and the next half: rounds to even (1).
  EXPECT_EQ(float16(1.0f + 1.0f / 2048).bits, 0x3c00);
  EXPECT_EQ(bfloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(static_cast<float>(bfloat16(3.0f)), 3.0f);
}

TEST(Dispatch, CallsTheMatchingType) {
  std::string seen;
  Status s = dispatch<NumericTypes>(DataType::kInt32, [&]<typename T>() {
    seen = std::string(data_type_name(data_type_of<T>));
    return Status::OK();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(seen, "int32");
  Status bad = dispatch<FloatTypes>(DataType::kString, [&]<typename T>() { return Status::OK(); });
  EXPECT_EQ(bad.code(), StatusCode::kNotImplemented);
}

TEST(Tensor, AllocatesReshapesAndClones) {
  Tensor t(DataType::kFloat, {2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor r = t.reshaped({3, 2});
  EXPECT_TRUE(r.shares_buffer_with(t));
  Tensor c = t.clone();
  EXPECT_FALSE(c.shares_buffer_with(t));
  EXPECT_EQ(c.data<float>()[5], 5.0f);
  EXPECT_THROW(t.reshaped({4}), std::length_error);
}

TEST(Tensor, ZeroSizeAndScalar) {
  Tensor z(DataType::kInt64, {0, 4});
  EXPECT_EQ(z.numel(), 0);
  EXPECT_NE(z.raw_data(), nullptr);
  Tensor s = Tensor::scalar<int64_t>(7);
  EXPECT_EQ(s.rank(), 0u);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(*s.data<int64_t>(), 7);
}

TEST(Tensor, StringsAreConstructed) {
  Tensor t(DataType::kString, {2});
  t.data<std::string>()[0] = "hello";
  Tensor c = t.clone();
  EXPECT_EQ(c.data<std::string>()[0], "hello");
  EXPECT_EQ(c.data<std::string>()[1], "");
}

TEST(Tensor, RefusesHugeAllocations) {
  EXPECT_THROW(Tensor(DataType::kFloat, {int64_t{1} << 40, int64_t{1} << 20}), std::length_error);
  EXPECT_THROW(Tensor(DataType::kFloat, {-1}), std::length_error);
}

TEST(ThreadPool, CoversTheRangeOnce) {
  ThreadPool pool(3);
  std::vector<int> hits(1000, 0);
  pool.parallel_for(1000, 7, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (int h : hits) EXPECT_EQ(h, 1);
}

// Each thread takes one contiguous range, the t-th thread the t-th range, so that operators run
// one after the other split their data alike (the calling thread, 0, starts at 0); no more
// threads than n / grain.
TEST(ThreadPool, OneRangePerThreadInThreadOrder) {
  ThreadPool pool(3);
  std::vector<std::pair<int64_t, int64_t>> range(3, {-1, -1});
  std::vector<int> calls(3, 0);
  pool.parallel_for(10, 1, [&](int64_t b, int64_t e) {
    const int t = omp_get_thread_num();
    range[static_cast<size_t>(t)] = {b, e};
    calls[static_cast<size_t>(t)]++;
  });
  EXPECT_EQ(range[0], std::make_pair(int64_t{0}, int64_t{3}));
  EXPECT_EQ(range[1], std::make_pair(int64_t{3}, int64_t{6}));
  EXPECT_EQ(range[2], std::make_pair(int64_t{6}, int64_t{10}));
  for (int c : calls) EXPECT_EQ(c, 1);
  int used = 0;
  pool.parallel_for(10, 5, [&](int64_t b, int64_t e) {
#pragma omp atomic
    used++;
    EXPECT_EQ(e - b, 5);
  });
  EXPECT_EQ(used, 2);
}

// spread_threads moves the team's threads and pins none of them: afterwards every thread of the
// team may run on the whole CPU set again, for team sizes below, at and above the CPU count.
TEST(ThreadPool, SpreadThreadsLeavesNoThreadPinned) {
  cpu_set_t before;
  CPU_ZERO(&before);
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  const int cpus = CPU_COUNT(&before);
  for (int n : {1, 2, cpus, cpus + 2}) {
    ThreadPool pool(n);
    pool.spread_threads();
    std::vector<int> same(static_cast<size_t>(n), 0);
#pragma omp parallel num_threads(n)
    {
      cpu_set_t now;
      CPU_ZERO(&now);
      const int t = omp_get_thread_num();
      if (sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_EQUAL(&now, &before)) same[t] = 1;
    }
    for (int t = 0; t < n; ++t) EXPECT_EQ(same[static_cast<size_t>(t)], 1) << n << " threads, thread " << t;
    std::vector<int> hits(100, 0);  // and the pool still works
    pool.parallel_for(100, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    for (int h : hits) EXPECT_EQ(h, 1);
  }
}

}  // namespace
}  // namespace onyx
