#include "ops/nn/dnnl_conv.h"

#include <dnnl.hpp>

#include <cstring>
#include <exception>

#include "ops/common/dnnl_engine.h"

namespace onyx::nn {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

tag plain_tag(size_t spatial_rank) {
  switch (spatial_rank) {
    case 1: return tag::ncw;
    case 2: return tag::nchw;
    default: return tag::ncdhw;
  }
}

tag weights_tag(size_t spatial_rank, bool grouped) {
  if (grouped) {
    switch (spatial_rank) {
      case 1: return tag::goiw;
      case 2: return tag::goihw;
      default: return tag::goidhw;
    }
  }
  switch (spatial_rank) {
    case 1: return tag::oiw;
    case 2: return tag::oihw;
    default: return tag::oidhw;
  }
}

void append_activation(dnnl::post_ops& po, const ActivationSpec& a) {
  using dnnl::algorithm;
  switch (a.kind) {
    case Activation::kNone: return;
    case Activation::kRelu: po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); return;
    case Activation::kLeakyRelu:
      po.append_eltwise(1.f, algorithm::eltwise_relu, a.alpha, 0.f);
      return;
    case Activation::kClip:
      po.append_eltwise(1.f, algorithm::eltwise_clip_v2, a.alpha, a.beta);
      return;
    case Activation::kSigmoid: po.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); return;
    case Activation::kTanh: po.append_eltwise(1.f, algorithm::eltwise_tanh, 0.f, 0.f); return;
    case Activation::kHardSigmoid:
      // No hardsigmoid in oneDNN 2.6: clip(alpha * x + beta, 0, 1).
      po.append_eltwise(1.f, algorithm::eltwise_linear, a.alpha, a.beta);
      po.append_eltwise(1.f, algorithm::eltwise_clip_v2, 0.f, 1.f);
      return;
    case Activation::kSwish: po.append_eltwise(1.f, algorithm::eltwise_swish, 1.f, 0.f); return;
    case Activation::kGelu: po.append_eltwise(1.f, algorithm::eltwise_gelu_erf, 0.f, 0.f); return;
    case Activation::kGeluTanh:
      po.append_eltwise(1.f, algorithm::eltwise_gelu_tanh, 0.f, 0.f);
      return;
  }
}

}  // namespace

struct DnnlConvolution::Impl {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward primitive;
  memory::desc user_src, user_dst;
  memory weights;  // in pd.weights_desc()
  memory bias;
  bool reorder_src = false, reorder_dst = false, sum = false;
};

DnnlConvolution::DnnlConvolution() : impl_(std::make_unique<Impl>()) {}
DnnlConvolution::~DnnlConvolution() = default;

bool dnnl_available() {
  try {
    (void)dnnl_cpu_engine();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Result<std::shared_ptr<const DnnlConvolution>> DnnlConvolution::create(
    int64_t N, int64_t C, int64_t M, int64_t G, const Window& w, const float* weights,
    const float* bias, const PostOps& post) {
  if (w.rank() < 1 || w.rank() > 3) return NotImplemented("oneDNN convolution of rank ", w.rank());
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    memory::dims src{N, C}, dst{N, M}, wei, strides, dilates, pad_l, pad_r;
    const bool grouped = G > 1;
    if (grouped) {
      wei = {G, M / G, C / G};
    } else {
      wei = {M, C};
    }
    for (size_t d = 0; d < w.rank(); ++d) {
      src.push_back(w.in[d]);
      dst.push_back(w.out[d]);
      wei.push_back(w.kernel[d]);
      strides.push_back(w.strides[d]);
      dilates.push_back(w.dilations[d] - 1);  // oneDNN counts the gaps
      pad_l.push_back(w.pad_begin[d]);
      pad_r.push_back(w.pad_end[d]);
    }
    auto self = std::shared_ptr<DnnlConvolution>(new DnnlConvolution());
    Impl& im = *self->impl_;
    im.user_src = memory::desc(src, dt::f32, plain_tag(w.rank()));
    im.user_dst = memory::desc(dst, dt::f32, plain_tag(w.rank()));
    const memory::desc any_src(src, dt::f32, tag::any), any_dst(dst, dt::f32, tag::any);
    const memory::desc any_wei(wei, dt::f32, tag::any), bias_md({M}, dt::f32, tag::x);
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                         dnnl::algorithm::convolution_direct, any_src, any_wei,
                                         bias_md, any_dst, strides, dilates, pad_l, pad_r);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // per-run scratchpad: thread-safe
    dnnl::post_ops po;
    if (post.sum) po.append_sum(1.f);
    append_activation(po, post.activation);
    attr.set_post_ops(po);
    im.pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng);
    im.primitive = dnnl::convolution_forward(im.pd);
    im.reorder_src = im.pd.src_desc() != im.user_src;
    im.reorder_dst = im.pd.dst_desc() != im.user_dst;
    im.sum = post.sum;

    // Pack the weights once.
    dnnl::stream stream(eng);
    const memory user_w(memory::desc(wei, dt::f32, weights_tag(w.rank(), grouped)), eng,
                        const_cast<float*>(weights));
    im.weights = memory(im.pd.weights_desc(), eng);
    dnnl::reorder(user_w, im.weights).execute(stream, const_cast<memory&>(user_w), im.weights);
    im.bias = memory(bias_md, eng);
    auto* bp = static_cast<float*>(im.bias.get_data_handle());
    if (bias != nullptr) {
      std::memcpy(bp, bias, static_cast<size_t>(M) * sizeof(float));
    } else {
      std::memset(bp, 0, static_cast<size_t>(M) * sizeof(float));
    }
    stream.wait();
    return std::shared_ptr<const DnnlConvolution>(std::move(self));
  } catch (const dnnl::error& e) {
    return NotImplemented("oneDNN convolution: ", e.what());
  }
}

Status DnnlConvolution::run(const float* x, float* y, const ThreadPool* pool) const {
  const Impl& im = *impl_;
  try {
    if (pool != nullptr) pool->bind_library_threads();
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    memory user_src(im.user_src, eng, const_cast<float*>(x));
    memory user_dst(im.user_dst, eng, y);
    memory src = user_src, dst = user_dst;
    if (im.reorder_src) {
      src = memory(im.pd.src_desc(), eng);
      dnnl::reorder(user_src, src).execute(stream, user_src, src);
    }
    if (im.reorder_dst) {
      dst = memory(im.pd.dst_desc(), eng);
      if (im.sum) dnnl::reorder(user_dst, dst).execute(stream, user_dst, dst);
    }
    memory scratch(im.pd.scratchpad_desc(), eng);
    im.primitive.execute(stream, {{DNNL_ARG_SRC, src},
                                  {DNNL_ARG_WEIGHTS, im.weights},
                                  {DNNL_ARG_BIAS, im.bias},
                                  {DNNL_ARG_DST, dst},
                                  {DNNL_ARG_SCRATCHPAD, scratch}});
    if (im.reorder_dst) dnnl::reorder(dst, user_dst).execute(stream, dst, user_dst);
    stream.wait();
    return Status::OK();
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN convolution failed: ", e.what());
  }
}

const char* DnnlConvolution::implementation() const { return impl_->pd.impl_info_str(); }

}  // namespace onyx::nn
