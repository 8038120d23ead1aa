// The per-tensor 8-bit arithmetic of QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear
// on float tensors, vectorized (with_widest_simd) and split over the pool. The operators take
// these paths when their parameters allow (one scale and zero point, float in or out) and the
// fused DynamicQuantizeMatMul uses them too, so that none of them can disagree:
//   quantize:    y = saturate(round_half_even(x / scale) + zp)   (x / scale in float; NaN -> zp)
//   dequantize:  y = (x - zp) * scale                             (one float rounding)
//   DynamicQuantizeLinear: range = [min(0, min(x)), max(0, max(x))] (NaN ignored),
//     scale = (max - min) / 255, zp = saturate(round_half_even(0 - min / scale)) in [0, 255];
//     a zero or non-finite scale (all-zero input, an infinity) gives 0 everywhere with zp 0.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace onyx::quant {

struct DynamicQuantParams {
  float scale = 0.f;
  uint8_t zero_point = 0;
  // scale > 0 and finite: the values are quantized; otherwise every output is 0.
  bool usable() const;
};

// The scale and zero point DynamicQuantizeLinear computes for x[0, n).
DynamicQuantParams dynamic_quant_params(const float* x, int64_t n, const ThreadPool* pool);

// y[i] = DynamicQuantizeLinear's y for x[i] under `p`, i in [0, n).
void quantize_u8(const float* x, int64_t n, const DynamicQuantParams& p, uint8_t* y,
                 const ThreadPool* pool);

// QuantizeLinear to uint8 (is_signed false, zero_point in [0, 255]) or int8 (true, zero_point in
// [-128, 127]) with one finite, positive float scale; y holds n bytes.
void quantize_8bit(const float* x, int64_t n, float scale, int32_t zero_point, bool is_signed,
                   void* y, const ThreadPool* pool);

// DequantizeLinear of uint8 / int8 x with one float scale and zero point, to float.
void dequantize_8bit(const void* x, int64_t n, bool is_signed, float scale, int32_t zero_point,
                     float* y, const ThreadPool* pool);

// One 8-bit tensor's per-tensor parameters.
struct QuantParams8 {
  float scale = 1.f;
  int32_t zero_point = 0;
  bool is_signed = false;  // int8 rather than uint8
};

// y = quantize(act(dequantize(a) + dequantize(b))) over n elements, act Relu or none: the
// result of those three (four) operators run one after another, bit for bit (onyx QLinearAdd).
// py.scale must be positive and finite.
void add_quantized_8bit(const void* a, const QuantParams8& pa, const void* b,
                        const QuantParams8& pb, int64_t n, bool relu, void* y,
                        const QuantParams8& py, const ThreadPool* pool);

}  // namespace onyx::quant
