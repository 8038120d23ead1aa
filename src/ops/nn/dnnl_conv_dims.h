// A convolution's geometry in oneDNN's terms, shared by the float (dnnl_conv.cpp) and int8
// (ops/quant/int8_conv.cpp) convolutions: the dims of its tensors and window, and the plain
// weights layout ([M, C/G, kernel...], or [G, M/G, C/G, kernel...] when grouped).
#pragma once

#include <dnnl.hpp>

#include "ops/nn/geometry.h"

namespace onyx::nn {

struct DnnlConvDims {
  dnnl::memory::dims src, dst, weights, strides, dilates, pad_l, pad_r;
  bool grouped = false;
};

inline DnnlConvDims dnnl_conv_dims(int64_t N, int64_t C, int64_t M, int64_t G, const Window& w) {
  DnnlConvDims d;
  d.grouped = G > 1;
  d.src = {N, C};
  d.dst = {N, M};
  d.weights = d.grouped ? dnnl::memory::dims{G, M / G, C / G} : dnnl::memory::dims{M, C};
  for (size_t k = 0; k < w.rank(); ++k) {
    d.src.push_back(w.in[k]);
    d.dst.push_back(w.out[k]);
    d.weights.push_back(w.kernel[k]);
    d.strides.push_back(w.strides[k]);
    d.dilates.push_back(w.dilations[k] - 1);  // oneDNN counts the gaps
    d.pad_l.push_back(w.pad_begin[k]);
    d.pad_r.push_back(w.pad_end[k]);
  }
  return d;
}

inline dnnl::memory::format_tag plain_weights_tag(size_t spatial_rank, bool grouped) {
  using tag = dnnl::memory::format_tag;
  switch (spatial_rank) {
    case 1: return grouped ? tag::goiw : tag::oiw;
    case 2: return grouped ? tag::goihw : tag::oihw;
    default: return grouped ? tag::goidhw : tag::oidhw;
  }
}

}  // namespace onyx::nn
