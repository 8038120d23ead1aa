// onyx QLinearAdd against the DequantizeLinear / Add / Relu / QuantizeLinear nodes it replaces:
// bit for bit, for every mix of int8 / uint8, with and without Relu, under each SIMD copy.
#include <gtest/gtest.h>

#include <random>

#include "ops/common/simd_dispatch.h"
#include "test_util.h"

namespace onyx::test {
namespace {

Tensor random_8bit(DataType dt, int64_t n, uint32_t seed) {
  Tensor t(dt, {n});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(0, 255);
  for (int64_t i = 0; i < n; ++i) static_cast<uint8_t*>(t.raw_data())[i] = static_cast<uint8_t>(u(rng));
  return t;
}

Tensor zp(DataType dt, int v) {
  return dt == DataType::kInt8 ? Tensor::scalar<int8_t>(static_cast<int8_t>(v))
                               : Tensor::scalar<uint8_t>(static_cast<uint8_t>(v));
}

Tensor unfused(const Tensor& a, float as, const Tensor& az, const Tensor& b, float bs,
               const Tensor& bz, float ys, const Tensor& yz, bool relu) {
  const Tensor fa = run_ok({"DequantizeLinear", 17, {V(a), V(Tensor::scalar<float>(as)), V(az)}});
  const Tensor fb = run_ok({"DequantizeLinear", 17, {V(b), V(Tensor::scalar<float>(bs)), V(bz)}});
  Tensor sum = run_ok({"Add", 17, {V(fa), V(fb)}});
  if (relu) sum = run_ok({"Relu", 17, {V(sum)}});
  return run_ok({"QuantizeLinear", 17, {V(sum), V(Tensor::scalar<float>(ys)), V(yz)}});
}

TEST(QLinearAdd, EqualsTheNodesItReplacesBitForBit) {
  const int64_t n = 4099;  // vector chunks and a scalar tail
  const float as = 0.037f, bs = 0.0213f;
  for (simd::Isa isa : {simd::Isa::kBaseline, simd::Isa::kAvx2, simd::Isa::kAvx512}) {
    simd::set_simd_limit_for_testing(isa);
    if (simd::widest_isa() != isa) continue;
    SCOPED_TRACE(simd::isa_name(isa));
    for (DataType ta : {DataType::kUInt8, DataType::kInt8}) {
      for (DataType tb : {DataType::kUInt8, DataType::kInt8}) {
        for (DataType ty : {DataType::kUInt8, DataType::kInt8}) {
          for (bool relu : {false, true}) {
            // y_scale a multiple of the inputs' steps puts many sums on rounding ties.
            for (float ys : {0.05f, as * 0.5f}) {
              const Tensor a = random_8bit(ta, n, 1), b = random_8bit(tb, n, 2);
              const Tensor az = zp(ta, 5), bz = zp(tb, 100), yz = zp(ty, 3);
              const Tensor want = unfused(a, as, az, b, bs, bz, ys, yz, relu);
              std::vector<ir::Attribute> attrs;
              if (relu) attrs.push_back(attr_string("activation", "Relu"));
              const Tensor got = run_ok({"QLinearAdd", 1,
                                         {V(a), V(Tensor::scalar<float>(as)), V(az), V(b),
                                          V(Tensor::scalar<float>(bs)), V(bz),
                                          V(Tensor::scalar<float>(ys)), V(yz)},
                                         attrs, 1, "onyx"});
              ASSERT_EQ(got.dtype(), want.dtype());
              ASSERT_EQ(got.shape(), want.shape());
              for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(static_cast<const uint8_t*>(got.raw_data())[i],
                          static_cast<const uint8_t*>(want.raw_data())[i])
                    << "at " << i << " relu " << relu << " y_scale " << ys;
              }
            }
          }
        }
      }
    }
  }
  simd::set_simd_limit_for_testing(simd::Isa::kAvx512);
}

TEST(QLinearAdd, RejectsDifferentShapes) {
  auto r = run_node({"QLinearAdd", 1,
                     {V(random_8bit(DataType::kUInt8, 8, 1)), V(Tensor::scalar<float>(0.1f)),
                      V(zp(DataType::kUInt8, 0)), V(random_8bit(DataType::kUInt8, 9, 2)),
                      V(Tensor::scalar<float>(0.1f)), V(zp(DataType::kUInt8, 0)),
                      V(Tensor::scalar<float>(0.1f)), V(zp(DataType::kUInt8, 0))},
                     {}, 1, "onyx"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("one shape"), std::string::npos) << r.status().to_string();
}

}  // namespace
}  // namespace onyx::test
