// The blocked NCHWc activation layout (oneDNN's nChw8c) the optimizer's layout pass
// (src/optimizer/layout/nchwc_layout.cpp) keeps between convolutions, so that chains of oneDNN
// convolutions do not reorder their input and output on every call.
//
// A blocked tensor keeps its logical shape [N, C, spatial...] (C a multiple of the block B, 8
// or 16) and element count; only the order of its elements differs: element (n, c, s) of the
// plain tensor, s the flattened spatial index over S positions, lives at
// ((n * C/B + c/B) * S + s) * B + c % B. The ops carry B in their `block` attribute.
// Elementwise ops on tensors of one shape and Concat along the channels of blocked inputs
// therefore work on blocked data unchanged; everything else reads it through the Nchwc* ops.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"

namespace onyx::nn {

// The block of the CPU's widest vectors that oneDNN uses: 16 floats with AVX-512, else 8. (On
// an AVX-512 machine, nChw8c convolutions run oneDNN's AVX2 code at about half the speed.)
int64_t preferred_nchwc_block();
inline bool valid_nchwc_block(int64_t b) { return b == 8 || b == 16; }

// x [N, C, S] plain -> y blocked by `block`, and back. C % block == 0.
void nchw_to_nchwc(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool);
void nchwc_to_nchw(const float* x, float* y, int64_t N, int64_t C, int64_t S, int64_t block,
                   ThreadPool* pool);

}  // namespace onyx::nn
