// Unit tests of the signal family's kernels: DFT (opsets 17 and 20), STFT, the cosine windows
// and MelWeightMatrix, with hand-computed values.
#include <cmath>
#include <tuple>

#include "test_util.h"

namespace onyx::test {
namespace {

const double kS3 = std::sqrt(3.0) / 2;  // imaginary part of the 3-point roots of unity

Tensor i64(int64_t v) {
  return Tensor::scalar<int64_t>(v);
}

// --- DFT ------------------------------------------------------------------------------------

TEST(SignalDft, RealForwardAndOnesided) {
  // [1, 2, 3, 4] -> [10, -2+2i, -2, -2-2i]
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 4, 1});
  expect_tensor<float>(run_ok({"DFT", 17, {x}}), {10, 0, -2, 2, -2, 0, -2, -2}, {1, 4, 2});
  expect_tensor<float>(run_ok({"DFT", 17, {x}, {attr_int("onesided", 1)}}), {10, 0, -2, 2, -2, 0},
                       {1, 3, 2});
  // Odd length: floor(5 / 2) + 1 = 3 bins.
  const Tensor five = make<double>({1, 1, 1, 1, 1}, {1, 5, 1});
  expect_tensor<double>(run_ok({"DFT", 20, {five}, {attr_int("onesided", 1)}}), {5, 0, 0, 0, 0, 0},
                        {1, 3, 2}, 1e-12);
}

TEST(SignalDft, DftLengthCropsAndPads) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 4, 1});
  // Cropped to [1, 2]: [3, -1].
  expect_tensor<float>(run_ok({"DFT", 17, {x, V(make<int64_t>({2}, {}))}}), {3, 0, -1, 0},
                       {1, 2, 2});
  // [1, 1] padded to [1, 1, 0, 0]: [2, 1-i, 0, 1+i]; int32 length accepted.
  const Tensor two = make<float>({1, 1}, {1, 2, 1});
  expect_tensor<float>(run_ok({"DFT", 17, {two, V(make<int32_t>({4}, {}))}}),
                       {2, 0, 1, -1, 0, 0, 1, 1}, {1, 4, 2});
}

TEST(SignalDft, AxisAttributeAndInput) {
  // Rows [1, 2, 3] and [4, 5, 6] (shape [1, 2, 3, 1]).
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3, 1});
  const std::vector<float> along2 = {6,  0, -1.5f, float(kS3), -1.5f, float(-kS3),
                                     15, 0, -1.5f, float(kS3), -1.5f, float(-kS3)};
  const std::vector<float> along1 = {5, 0, 7, 0, 9, 0, -3, 0, -3, 0, -3, 0};
  expect_tensor<float>(run_ok({"DFT", 17, {x}, {attr_int("axis", 2)}}), along2, {1, 2, 3, 2});
  expect_tensor<float>(run_ok({"DFT", 17, {x}}), along1, {1, 2, 3, 2});  // default axis 1
  expect_tensor<float>(run_ok({"DFT", 17, {x}, {attr_int("axis", -3)}}), along1, {1, 2, 3, 2});
  // Opset 20: the axis is an input (default -2, the last signal axis); the attribute is gone.
  expect_tensor<float>(run_ok({"DFT", 20, {x}}), along2, {1, 2, 3, 2});
  expect_tensor<float>(run_ok({"DFT", 20, {x, Value(), V(i64(1))}}), along1, {1, 2, 3, 2});
  expect_tensor<float>(run_ok({"DFT", 20, {x, Value(), V(i64(-2))}}), along2, {1, 2, 3, 2});
  // Axis 0 is allowed too (a transform across the batch of size 1 is the identity).
  expect_tensor<float>(run_ok({"DFT", 20, {x, Value(), V(i64(0))}}),
                       {1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0}, {1, 2, 3, 2});
}

TEST(SignalDft, InverseAndIrfft) {
  const Tensor spectrum = make<float>({10, 0, -2, 2, -2, 0, -2, -2}, {1, 4, 2});
  expect_tensor<float>(run_ok({"DFT", 17, {spectrum}, {attr_int("inverse", 1)}}),
                       {1, 0, 2, 0, 3, 0, 4, 0}, {1, 4, 2});
  // IRFFT: 3 bins of a Hermitian spectrum -> the real signal of length 2 * (3 - 1) = 4.
  const Tensor half = make<float>({10, 0, -2, 2, -2, 0}, {1, 3, 2});
  const std::vector<ir::Attribute> irfft = {attr_int("inverse", 1), attr_int("onesided", 1)};
  expect_tensor<float>(run_ok({"DFT", 17, {half}, irfft}), {1, 2, 3, 4}, {1, 4, 1});
  expect_tensor<float>(run_ok({"DFT", 20, {half, Value(), V(i64(1))}, irfft}), {1, 2, 3, 4},
                       {1, 4, 1});
  // Odd lengths round-trip through RFFT and IRFFT with an explicit dft_length.
  const Tensor x = make<double>({0.5, -1, 2, 7, 3}, {1, 5, 1});
  const Tensor bins = run_ok({"DFT", 20, {x}, {attr_int("onesided", 1)}});
  ASSERT_EQ(bins.shape(), (Shape{1, 3, 2}));
  expect_tensor<double>(run_ok({"DFT", 20, {bins, V(i64(5))}, irfft}), {0.5, -1, 2, 7, 3},
                        {1, 5, 1}, 1e-12);
}

TEST(SignalDft, DtypesAndEmpty) {
  const Tensor h =
      make<float16>({float16(1.f), float16(2.f), float16(3.f), float16(4.f)}, {1, 4, 1});
  expect_tensor<float16>(run_ok({"DFT", 17, {h}}),
                         {float16(10.f), float16(0.f), float16(-2.f), float16(2.f), float16(-2.f),
                          float16(0.f), float16(-2.f), float16(-2.f)},
                         {1, 4, 2});
  // An empty batch gives an empty output of the right shape.
  expect_tensor<float>(run_ok({"DFT", 17, {Tensor(DataType::kFloat, {0, 4, 1})}}), {}, {0, 4, 2});
}

TEST(SignalDft, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4}, {1, 4, 1});
  EXPECT_FALSE(run_node({"DFT", 17, {x}, {attr_int("axis", 2)}}).ok());  // the [.., 1] dim
  EXPECT_FALSE(run_node({"DFT", 17, {x}, {attr_int("axis", -1)}}).ok());
  EXPECT_FALSE(run_node({"DFT", 20, {x, Value(), V(i64(-4))}}).ok());
  EXPECT_FALSE(run_node({"DFT", 17, {make<float>({1, 2, 3}, {1, 1, 3})}}).ok());  // last dim 3
  EXPECT_FALSE(run_node({"DFT", 17, {make<float>({1}, {1})}}).ok());              // rank 1
  EXPECT_FALSE(run_node({"DFT", 17, {x, V(i64(0))}}).ok());                       // length 0
  EXPECT_FALSE(run_node({"DFT", 17, {x, V(make<float>({4}, {}))}}).ok());         // float length
  EXPECT_FALSE(run_node({"DFT", 17, {x}, {attr_int("inverse", 2)}}).ok());
  // Onesided forward needs a real input; IRFFT of one bin has default length 0.
  const Tensor c = make<float>({1, 0, 2, 0}, {1, 2, 2});
  EXPECT_FALSE(run_node({"DFT", 17, {c}, {attr_int("onesided", 1)}}).ok());
  EXPECT_FALSE(run_node({"DFT",
                         17,
                         {make<float>({1, 0}, {1, 1, 2})},
                         {attr_int("inverse", 1), attr_int("onesided", 1)}})
                   .ok());
  EXPECT_FALSE(run_node({"DFT", 17, {make<int32_t>({1, 2}, {1, 2, 1})}}).ok());
}

// --- STFT -----------------------------------------------------------------------------------

TEST(SignalStft, FramesWithAndWithoutWindow) {
  // Frames [1, 2, 3, 4] and [3, 4, 5, 6] of [1..6] with step 2.
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 6, 1});
  expect_tensor<float>(run_ok({"STFT", 17, {x, V(i64(2)), Value(), V(i64(4))}}),
                       {10, 0, -2, 2, -2, 0, 18, 0, -2, 2, -2, 0}, {1, 2, 3, 2});
  // Window [0, 1, 1, 0]: frames [0, 2, 3, 0] and [0, 4, 5, 0]; frame length from the window.
  const Tensor w = make<float>({0, 1, 1, 0}, {4});
  expect_tensor<float>(run_ok({"STFT", 17, {x, V(i64(2)), V(w)}}),
                       {5, 0, -3, -2, 1, 0, 9, 0, -5, -4, 1, 0}, {1, 2, 3, 2});
  // Two-sided: all 4 bins; window and frame_length together.
  expect_tensor<float>(
      run_ok({"STFT", 17, {x, V(i64(2)), V(w), V(i64(4))}, {attr_int("onesided", 0)}}),
      {5, 0, -3, -2, 1, 0, -3, 2, 9, 0, -5, -4, 1, 0, -5, 4}, {1, 2, 4, 2});
}

TEST(SignalStft, ComplexSignalBatchAndNoFrames) {
  // Complex [i, 0, 0] in two batches, one frame of 3, two-sided: i * [1, 1, 1].
  const Tensor c = make<double>({0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, {2, 3, 2});
  expect_tensor<double>(run_ok({"STFT", 17, {c, V(i64(1))}, {attr_int("onesided", 0)}}),
                        {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, {2, 1, 3, 2}, 1e-12);
  // A signal shorter than a frame has no frames.
  const Tensor shortx = make<float>({1, 2, 3}, {1, 3, 1});
  expect_tensor<float>(run_ok({"STFT", 17, {shortx, V(i64(1)), Value(), V(i64(4))}}), {},
                       {1, 0, 3, 2});
}

TEST(SignalStft, Errors) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 6, 1});
  const Tensor w = make<float>({0, 1, 1, 0}, {4});
  EXPECT_FALSE(run_node({"STFT", 17, {x, V(i64(0)), V(w)}}).ok());             // step 0
  EXPECT_FALSE(run_node({"STFT", 17, {x, V(i64(2)), V(w), V(i64(3))}}).ok());  // 4 vs 3
  EXPECT_FALSE(run_node({"STFT", 17, {x, V(i64(2)), V(make<double>({1, 1}, {2}))}}).ok());
  EXPECT_FALSE(run_node({"STFT", 17, {make<float>({1, 2}, {2}), V(i64(1))}}).ok());  // rank
  EXPECT_FALSE(run_node({"STFT", 17, {x, V(i64(2)), Value(), V(i64(0))}}).ok());
  // Complex signals have no one-sided spectrum (the default).
  EXPECT_FALSE(run_node({"STFT", 17, {make<float>({1, 0, 2, 0}, {1, 2, 2}), V(i64(1))}}).ok());
}

// --- Windows --------------------------------------------------------------------------------

TEST(SignalWindow, PeriodicAndSymmetric) {
  const Value four = V(make<int32_t>({4}, {}));
  expect_tensor<float>(run_ok({"HannWindow", 17, {four}}), {0, 0.5f, 1, 0.5f}, {4});
  expect_tensor<float>(run_ok({"HannWindow", 17, {four}, {attr_int("periodic", 0)}}),
                       {0, 0.75f, 0.75f, 0}, {4});
  expect_tensor<float>(run_ok({"HammingWindow", 17, {four}}), {4.f / 46, 25.f / 46, 1, 25.f / 46},
                       {4});
  expect_tensor<float>(run_ok({"BlackmanWindow", 17, {four}}), {0, 0.34f, 1, 0.34f}, {4});
  // Symmetric Blackman of 3: N = 2, [0, 1, 0].
  expect_tensor<float>(run_ok({"BlackmanWindow", 17, {V(i64(3))}, {attr_int("periodic", 0)}}),
                       {0, 1, 0}, {3});
}

TEST(SignalWindow, OutputTypesAndSizes) {
  expect_tensor<double>(run_ok({"HannWindow", 17, {V(i64(4))}, {attr_int("output_datatype", 11)}}),
                        {0, 0.5, 1, 0.5}, {4}, 1e-15);
  expect_tensor<int32_t>(run_ok({"HannWindow", 17, {V(i64(4))}, {attr_int("output_datatype", 6)}}),
                         {0, 0, 1, 0}, {4});
  expect_tensor<float>(run_ok({"HammingWindow", 17, {V(i64(0))}}), {}, {0});
  expect_tensor<float>(run_ok({"HannWindow", 17, {V(i64(1))}, {attr_int("periodic", 0)}}), {1},
                       {1});
  EXPECT_FALSE(run_node({"HannWindow", 17, {V(i64(-1))}}).ok());
  EXPECT_FALSE(run_node({"HannWindow", 17, {V(i64(4))}, {attr_int("output_datatype", 8)}}).ok());
  EXPECT_FALSE(run_node({"HannWindow", 17, {V(make<float>({4}, {}))}}).ok());
  EXPECT_FALSE(run_node({"HannWindow", 17, {V(make<int64_t>({4, 4}, {2}))}}).ok());
}

// --- MelWeightMatrix ------------------------------------------------------------------------

Value f32(float v) {
  return V(make<float>({v}, {}));
}

TEST(SignalMelWeightMatrix, TriangularFilters) {
  // 2 filters, dft 16 (9 bins), 8 kHz, 0..4 kHz: edges at bins 0, 0, 2, 4. Filter 0 has an
  // empty rising edge (a 1 at bin 0) and falls to bin 2; filter 1 rises 0..2 and falls 2..4.
  expect_tensor<float>(run_ok({"MelWeightMatrix",
                               17,
                               {V(make<int32_t>({2}, {})), V(make<int32_t>({16}, {})),
                                V(make<int32_t>({8000}, {})), f32(0), f32(4000)}}),
                       {1, 0, 0.5f, 0.5f, 0, 1, 0, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {9, 2});
  // 3 filters from 100 to 500 Hz at 1 kHz, dft 32 (17 bins): edges at bins 3, 5, 7, 10, 13.
  Tensor m = run_ok({"MelWeightMatrix",
                     17,
                     {V(i64(3)), V(i64(32)), V(i64(1000)), V(make<double>({100}, {})),
                      V(make<double>({500}, {}))},
                     {attr_int("output_datatype", 11)}});
  std::vector<double> expected(17 * 3, 0.0);
  const auto at = [&](int bin, int f) -> double& { return expected[bin * 3 + f]; };
  for (auto [bin, f, v] : std::vector<std::tuple<int, int, double>>{{4, 0, 0.5},
                                                                    {5, 0, 1},
                                                                    {6, 0, 0.5},
                                                                    {6, 1, 0.5},
                                                                    {7, 1, 1},
                                                                    {8, 1, 2.0 / 3},
                                                                    {9, 1, 1.0 / 3},
                                                                    {8, 2, 1.0 / 3},
                                                                    {9, 2, 2.0 / 3},
                                                                    {10, 2, 1},
                                                                    {11, 2, 2.0 / 3},
                                                                    {12, 2, 1.0 / 3}}) {
    at(bin, f) = v;
  }
  expect_tensor<double>(m, expected, {17, 3}, 1e-12);
}

TEST(SignalMelWeightMatrix, Errors) {
  const auto run = [](int64_t mel, int64_t dft, int64_t rate, float lo, float hi) {
    return run_node(
        {"MelWeightMatrix", 17, {V(i64(mel)), V(i64(dft)), V(i64(rate)), f32(lo), f32(hi)}});
  };
  EXPECT_TRUE(run(2, 16, 8000, 0, 4000).ok());
  EXPECT_FALSE(run(-1, 16, 8000, 0, 4000).ok());
  EXPECT_FALSE(run(2, 0, 8000, 0, 4000).ok());
  EXPECT_FALSE(run(2, 16, 0, 0, 4000).ok());
  EXPECT_FALSE(run(2, 16, 8000, 4000, 100).ok());
  EXPECT_FALSE(run(2, 16, 8000, -5, 100).ok());
  // An upper edge far beyond the spectrum only writes inside it.
  Tensor wide =
      run_ok({"MelWeightMatrix", 17, {V(i64(2)), V(i64(8)), V(i64(100)), f32(0), f32(1e6)}});
  EXPECT_EQ(wide.shape(), (Shape{5, 2}));
}

}  // namespace
}  // namespace onyx::test
