// QLinearConv's oneDNN int8 path (ops/quant/int8_conv.h) against its reference kernel, the
// channels-last NhwcQLinearConv against QLinearConv, and NhwcMaxPool against MaxPool.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "ops/quant/int8_matmul.h"
#include "test_util.h"

namespace onyx::test {
namespace {

struct ConvCase {
  const char* name;
  int64_t N, C, H, W, M, k, stride, pad, group;
  DataType x_type, y_type;
  int x_zp, y_zp;
  bool per_channel, bias;
};

template <typename T>
Tensor random_8bit(Shape shape, uint32_t seed, int lo, int hi) {
  Tensor t(std::is_same_v<T, int8_t> ? DataType::kInt8 : DataType::kUInt8, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = static_cast<T>(u(rng));
  return t;
}

Tensor activation(DataType dt, Shape shape, uint32_t seed) {
  return dt == DataType::kInt8 ? random_8bit<int8_t>(std::move(shape), seed, -128, 127)
                               : random_8bit<uint8_t>(std::move(shape), seed, 0, 255);
}

Tensor zero_point(DataType dt, int z) {
  return dt == DataType::kInt8 ? Tensor::scalar<int8_t>(static_cast<int8_t>(z))
                               : Tensor::scalar<uint8_t>(static_cast<uint8_t>(z));
}

// QLinearConv's inputs for a case; X is [N, C, H, W], or [N, H, W, C] when channels_last.
NodeSpec conv_spec(const ConvCase& c, bool channels_last) {
  NodeSpec s;
  s.op = channels_last ? "NhwcQLinearConv" : "QLinearConv";
  s.opset = channels_last ? 1 : 17;
  s.domain = channels_last ? "onyx" : "";
  Tensor x = activation(c.x_type, {c.N, c.C, c.H, c.W}, 1);
  if (channels_last) {
    Tensor t(x.dtype(), {c.N, c.H, c.W, c.C});
    const auto* src = static_cast<const uint8_t*>(x.raw_data());
    auto* dst = static_cast<uint8_t*>(t.raw_data());
    for (int64_t n = 0; n < c.N; ++n)
      for (int64_t ch = 0; ch < c.C; ++ch)
        for (int64_t p = 0; p < c.H * c.W; ++p)
          dst[(n * c.H * c.W + p) * c.C + ch] = src[(n * c.C + ch) * c.H * c.W + p];
    x = std::move(t);
  }
  const int64_t Cg = c.C / c.group;
  Tensor w = random_8bit<int8_t>({c.M, Cg, c.k, c.k}, 2, -127, 127);
  // Scales that put the sums' typical size into the output's range.
  const float x_scale = 0.02f, y_scale = 0.02f * 0.01f * 8.f * static_cast<float>(Cg * c.k);
  Tensor w_scale = Tensor::scalar<float>(0.01f);
  if (c.per_channel) {
    std::vector<float> ws;
    for (int64_t m = 0; m < c.M; ++m) ws.push_back(0.005f + 0.001f * static_cast<float>(m % 11));
    w_scale = make<float>(ws, {c.M});
  }
  s.inputs = {V(x),
              V(Tensor::scalar<float>(x_scale)),
              V(zero_point(c.x_type, c.x_zp)),
              V(w),
              V(w_scale),
              V(Tensor::scalar<int8_t>(0)),
              V(Tensor::scalar<float>(y_scale)),
              V(zero_point(c.y_type, c.y_zp))};
  if (c.bias) {
    std::vector<int32_t> b;
    for (int64_t m = 0; m < c.M; ++m) b.push_back(static_cast<int32_t>(m * 997 % 20001) - 10000);
    s.inputs.push_back(V(make<int32_t>(b, {c.M})));
  }
  s.attributes = {attr_ints("kernel_shape", {c.k, c.k}), attr_ints("strides", {c.stride, c.stride}),
                  attr_ints("pads", {c.pad, c.pad, c.pad, c.pad}), attr_int("group", c.group)};
  return s;
}

Tensor run_conv(const ConvCase& c, bool channels_last, bool fast, int threads) {
  quant::set_int8_matmul_enabled_for_testing(fast);
  RunConfig config;
  config.threads = threads;
  config.constants = {1, 2, 3, 4, 5, 6, 7, 8};
  auto r = run_node(conv_spec(c, channels_last), config);
  quant::set_int8_matmul_enabled_for_testing(true);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0].tensor() : Tensor();
}

int element(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i];
}

const ConvCase kCases[] = {
    {"3x3_u8_zp", 1, 16, 9, 9, 32, 3, 1, 1, 1, DataType::kUInt8, DataType::kUInt8, 7, 120, false, true},
    {"3x3_s2_per_channel", 2, 24, 10, 10, 16, 3, 2, 1, 1, DataType::kUInt8, DataType::kUInt8, 0, 0, true, true},
    {"1x1_no_bias", 1, 64, 7, 7, 48, 1, 1, 0, 1, DataType::kUInt8, DataType::kUInt8, 3, 128, true, false},
    {"s8_in_s8_out", 1, 32, 8, 8, 32, 3, 1, 1, 1, DataType::kInt8, DataType::kInt8, -5, 10, false, true},
    {"u8_in_s8_out", 1, 8, 6, 6, 16, 3, 1, 1, 1, DataType::kUInt8, DataType::kInt8, 0, -3, true, true},
    {"depthwise", 1, 32, 12, 12, 32, 3, 1, 1, 32, DataType::kUInt8, DataType::kUInt8, 11, 100, true, true},
    {"grouped", 1, 32, 6, 6, 64, 3, 1, 1, 2, DataType::kUInt8, DataType::kUInt8, 0, 90, false, true},
    {"stem_7x7", 1, 3, 32, 32, 64, 7, 2, 3, 1, DataType::kUInt8, DataType::kUInt8, 127, 0, false, true},
};

TEST(QLinearConvFast, MatchesTheReferenceWithinOneStep) {
  if (!quant::exact_int8_dot_available()) GTEST_SKIP() << "no VNNI / AMX: the reference runs";
  for (const ConvCase& c : kCases) {
    SCOPED_TRACE(c.name);
    for (int threads : {1, 2}) {
      const Tensor ref = run_conv(c, false, false, 1);
      const Tensor fast = run_conv(c, false, true, threads);
      ASSERT_EQ(ref.shape(), fast.shape());
      ASSERT_EQ(ref.dtype(), fast.dtype());
      int64_t differ = 0, spread = 0;
      for (int64_t i = 0; i < ref.numel(); ++i) {
        const int d = std::abs(element(ref, i) - element(fast, i));
        ASSERT_LE(d, 1) << "at " << i;
        differ += d != 0;
        spread += element(ref, i) != element(ref, 0);
      }
      // Ties are rare: nearly every result is the reference's, and the case is not degenerate.
      EXPECT_LE(differ, ref.numel() / 100 + 1);
      EXPECT_GT(spread, ref.numel() / 2);
    }
  }
}

TEST(QLinearConvFast, ChannelsLastComputesTheSameValues) {
  for (const ConvCase& c : kCases) {
    SCOPED_TRACE(c.name);
    for (bool fast : {false, true}) {
      const Tensor planar = run_conv(c, false, fast, 2);
      const Tensor last = run_conv(c, true, fast, 2);
      ASSERT_EQ(last.rank(), 4u);
      const int64_t N = planar.dim(0), M = planar.dim(1), HW = planar.dim(2) * planar.dim(3);
      ASSERT_EQ(last.shape(), (Shape{N, planar.dim(2), planar.dim(3), M}));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < M; ++m)
          for (int64_t p = 0; p < HW; ++p)
            ASSERT_EQ(element(planar, (n * M + m) * HW + p), element(last, (n * HW + p) * M + m))
                << "fast " << fast;
    }
  }
}

TEST(NhwcMaxPool, MatchesMaxPoolOnTransposedData) {
  struct PoolCase {
    int64_t k, stride, pad, dilation, ceil;
  };
  for (DataType dt : {DataType::kUInt8, DataType::kInt8}) {
    for (const PoolCase& p : {PoolCase{3, 2, 1, 1, 0}, PoolCase{2, 2, 0, 1, 1},
                              PoolCase{3, 1, 1, 2, 0}, PoolCase{3, 2, 0, 1, 1}}) {
      const int64_t N = 2, C = 19, H = 11, W = 9;
      const Tensor x = activation(dt, {N, C, H, W}, 5);
      Tensor xt(dt, {N, H, W, C});
      const auto* src = static_cast<const uint8_t*>(x.raw_data());
      auto* dst = static_cast<uint8_t*>(xt.raw_data());
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t q = 0; q < H * W; ++q) dst[(n * H * W + q) * C + c] = src[(n * C + c) * H * W + q];
      std::vector<ir::Attribute> attrs = {
          attr_ints("kernel_shape", {p.k, p.k}), attr_ints("strides", {p.stride, p.stride}),
          attr_ints("pads", {p.pad, p.pad, p.pad, p.pad}),
          attr_ints("dilations", {p.dilation, p.dilation}), attr_int("ceil_mode", p.ceil)};
      const Tensor want = run_ok({"MaxPool", 17, {V(x)}, attrs});
      const Tensor got = run_ok({"NhwcMaxPool", 1, {V(xt)}, attrs, 1, "onyx"});
      const int64_t OH = want.dim(2), OW = want.dim(3);
      ASSERT_EQ(got.shape(), (Shape{N, OH, OW, C}));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t q = 0; q < OH * OW; ++q)
            ASSERT_EQ(element(want, (n * C + c) * OH * OW + q), element(got, (n * OH * OW + q) * C + c));
    }
  }
}

}  // namespace
}  // namespace onyx::test
