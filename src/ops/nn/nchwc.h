// The blocked NCHWc activation layout (oneDNN's nChw8c) the optimizer's layout pass
// (src/optimizer/layout/nchwc_layout.cpp) keeps between convolutions, so that chains of oneDNN
// convolutions do not reorder their input and output on every call.
//
// A blocked tensor has the shape [N, Cp, spatial...] of its plain tensor [N, C, spatial...]
// with the channels padded up to Cp, a multiple of the block B (8 or 16; the ops carry it in
// their `block` attribute); element (n, c, s) of the plain tensor, s the flattened spatial index
// over S positions, lives at ((n * Cp/B + c/B) * S + s) * B + c % B, and the padding lanes hold
// finite values that every consumer ignores (the layout pass pads weights with zeros).
// Elementwise ops on tensors of one shape, and Concat along the channels of unpadded blocked
// inputs, therefore work on blocked data unchanged; everything else reads it through the
// Nchwc* ops.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace onyx::nn {

// The block of the CPU's widest vectors that oneDNN uses: 16 floats with AVX-512, else 8. (On
// an AVX-512 machine, nChw8c convolutions run oneDNN's AVX2 code at about half the speed.)
int64_t preferred_nchwc_block();
inline bool valid_nchwc_block(int64_t b) { return b == 8 || b == 16; }
inline int64_t padded_channels(int64_t C, int64_t block) { return (C + block - 1) / block * block; }

// x [N, C, S] plain -> y [N, padded C, S] blocked by `block` (padding zeroed), and back (y gets
// the first C channels).
void nchw_to_nchwc(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool);
void nchwc_to_nchw(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool);

}  // namespace onyx::nn
