// DynamicQuantizeLinear's arithmetic, shared by the operator and by the fused
// DynamicQuantizeMatMul so that the two cannot disagree:
//   range  = [min(0, min(x)), max(0, max(x))]  (NaN ignored)
//   scale  = (max - min) / 255                  (float)
//   zp     = saturate(round_half_even(0 - min / scale))          in [0, 255]
//   y      = saturate(round_half_even(x / scale) + zp)            NaN -> zp
// A zero or non-finite scale (all-zero input, an infinity) quantizes everything to 0 with zp 0.
// Both passes are vectorized (with_widest_simd) and split over the pool.
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

}  // namespace onyx::quant
