// QLinearMatMul's packed oneDNN int8 path against its reference kernel: the same int32 sums and
// the same requantization, so equal bit for bit, for uint8 / int8 A with zero points, batched A,
// per-tensor and per-column B scales, uint8 / int8 outputs, one and two threads.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "ops/quant/int8_matmul.h"
#include "test_util.h"

namespace onyx::test {
namespace {

Tensor random_bytes(DataType dt, Shape shape, uint32_t seed) {
  Tensor t(dt, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(0, 255);
  for (int64_t i = 0; i < t.numel(); ++i) static_cast<uint8_t*>(t.raw_data())[i] = static_cast<uint8_t>(u(rng));
  return t;
}

Tensor zero_point(DataType dt, int v) {
  return dt == DataType::kInt8 ? Tensor::scalar<int8_t>(static_cast<int8_t>(v))
                               : Tensor::scalar<uint8_t>(static_cast<uint8_t>(v));
}

Tensor run_qlinear_matmul(const NodeSpec& spec, bool fast, int threads) {
  quant::set_int8_matmul_enabled_for_testing(fast);
  RunConfig config;
  config.threads = threads;
  config.constants = {3, 4, 5, 6, 7};
  auto r = run_node(spec, config);
  quant::set_int8_matmul_enabled_for_testing(true);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0].tensor() : Tensor();
}

TEST(QLinearMatMulFast, EqualsTheReferenceBitForBit) {
  const int64_t K = 96, N = 40;
  for (DataType ta : {DataType::kUInt8, DataType::kInt8}) {
    for (DataType ty : {DataType::kUInt8, DataType::kInt8}) {
      for (bool per_column : {false, true}) {
        for (Shape a_shape : {Shape{7, K}, Shape{2, 3, 5, K}}) {
          SCOPED_TRACE(std::string(data_type_name(ta)) + " -> " + std::string(data_type_name(ty)) +
                       (per_column ? ", per column" : ", per tensor") + ", A " +
                       shape_to_string(a_shape));
          Tensor b = random_bytes(DataType::kInt8, {K, N}, 2);
          std::vector<float> bs(per_column ? N : 1);
          for (size_t n = 0; n < bs.size(); ++n) bs[n] = 0.004f + 0.0003f * static_cast<float>(n % 9);
          NodeSpec spec{"QLinearMatMul", 13,
                        {V(random_bytes(ta, a_shape, 1)), V(Tensor::scalar<float>(0.02f)),
                         V(zero_point(ta, ta == DataType::kInt8 ? -7 : 121)), V(b),
                         V(per_column ? make<float>(bs, {N}) : Tensor::scalar<float>(bs[0])),
                         V(per_column ? make<int8_t>(std::vector<int8_t>(N, 0), {N})
                                      : Tensor::scalar<int8_t>(0)),
                         V(Tensor::scalar<float>(0.05f)), V(zero_point(ty, 9))}};
          const Tensor want = run_qlinear_matmul(spec, false, 1);
          for (int threads : {1, 2}) {
            const Tensor got = run_qlinear_matmul(spec, true, threads);
            ASSERT_EQ(got.shape(), want.shape());
            ASSERT_EQ(got.dtype(), want.dtype());
            EXPECT_EQ(std::memcmp(got.raw_data(), want.raw_data(), want.nbytes()), 0);
            int64_t spread = 0;
            for (int64_t i = 0; i < want.numel(); ++i) {
              spread += static_cast<const uint8_t*>(want.raw_data())[i] !=
                        static_cast<const uint8_t*>(want.raw_data())[0];
            }
            EXPECT_GT(spread, want.numel() / 2);  // not a saturated, degenerate case
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyx::test
