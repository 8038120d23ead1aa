#include "ops/quant/int8_conv.h"

#include <dnnl.hpp>

#include <cstring>
#include <string>

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_util.h"
#include "ops/quant/int8_matmul.h"

namespace onyx::quant {

namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

tag activation_tag(size_t spatial_rank, bool channels_last) {
  switch (spatial_rank) {
    case 1: return channels_last ? tag::nwc : tag::ncw;
    case 2: return channels_last ? tag::nhwc : tag::nchw;
    default: return channels_last ? tag::ndhwc : tag::ncdhw;
  }
}

tag weights_tag(size_t spatial_rank, bool grouped) {
  switch (spatial_rank) {
    case 1: return grouped ? tag::goiw : tag::oiw;
    case 2: return grouped ? tag::goihw : tag::oihw;
    default: return grouped ? tag::goidhw : tag::oidhw;
  }
}

}  // namespace

struct Int8Convolution::Impl {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward primitive;
  memory::desc user_src, user_dst;
  memory weights, bias;
  bool reorder_src = false, reorder_dst = false;
  dnnl::reorder src_in, dst_out;
};

Int8Convolution::Int8Convolution() : impl_(std::make_unique<Impl>()) {}
Int8Convolution::~Int8Convolution() = default;

Result<std::shared_ptr<const Int8Convolution>> Int8Convolution::create(const Int8ConvSpec& s) {
  const nn::Window& w = s.window;
  if (!int8_fast_path_enabled()) return NotImplemented("no exact int8 dot product on this CPU");
  if (w.rank() < 1 || w.rank() > 3) return NotImplemented("int8 convolution of rank ", w.rank());
  if (s.scales.size() != 1 && s.scales.size() != static_cast<size_t>(s.M)) {
    return InvalidArgument("int8 convolution: ", s.scales.size(), " scales for ", s.M,
                           " channels");
  }
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    memory::dims src{s.N, s.C}, dst{s.N, s.M}, wei, strides, dilates, pad_l, pad_r;
    const bool grouped = s.G > 1;
    if (grouped) {
      wei = {s.G, s.M / s.G, s.C / s.G};
    } else {
      wei = {s.M, s.C};
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
    auto self = std::shared_ptr<Int8Convolution>(new Int8Convolution());
    Impl& im = *self->impl_;
    const dt src_t = s.src_signed ? dt::s8 : dt::u8, dst_t = s.dst_signed ? dt::s8 : dt::u8;
    im.user_src = memory::desc(src, src_t, activation_tag(w.rank(), s.channels_last));
    im.user_dst = memory::desc(dst, dst_t, activation_tag(w.rank(), s.channels_last));
    // oneDNN's fast int8 kernels (brgconv, jit with AMX / VNNI) read and write channels-last.
    const memory::desc conv_src(src, src_t, activation_tag(w.rank(), true));
    const memory::desc conv_dst(dst, dst_t, activation_tag(w.rank(), true));
    const memory::desc any_wei(wei, dt::s8, tag::any), bias_md({s.M}, dt::s32, tag::x);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // per-run scratchpad: thread-safe
    attr.set_output_scales(s.scales.size() == 1 ? 0 : 1 << 1, s.scales);
    // Zero points as constants of the primitive (runtime ones cost more); none when zero.
    if (s.src_zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {s.src_zero_point});
    if (s.dst_zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {s.dst_zero_point});
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                         dnnl::algorithm::convolution_direct, conv_src, any_wei,
                                         bias_md, conv_dst, strides, dilates, pad_l, pad_r);
    im.pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng);
    // Only kernels built on the exact dot products (reference or vpmaddubsw ones would be slow
    // or saturate); their names say which ISA they use.
    const std::string impl = im.pd.impl_info_str();
    if (impl.find("vnni") == std::string::npos && impl.find("amx") == std::string::npos) {
      return NotImplemented("oneDNN int8 convolution: no exact kernel (", impl, ")");
    }
    im.primitive = dnnl::convolution_forward(im.pd);
    im.reorder_src = im.pd.src_desc() != im.user_src;
    im.reorder_dst = im.pd.dst_desc() != im.user_dst;
    auto make_reorder = [&](const memory::desc& from, const memory::desc& to) {
      return dnnl::reorder(dnnl::reorder::primitive_desc(eng, from, eng, to));
    };
    if (im.reorder_src) im.src_in = make_reorder(im.user_src, im.pd.src_desc());
    if (im.reorder_dst) im.dst_out = make_reorder(im.pd.dst_desc(), im.user_dst);
    dnnl::stream stream(eng);
    const memory user_w(memory::desc(wei, dt::s8, weights_tag(w.rank(), grouped)), eng,
                        const_cast<int8_t*>(s.weights));
    im.weights = memory(im.pd.weights_desc(), eng);
    dnnl::reorder(user_w, im.weights).execute(stream, const_cast<memory&>(user_w), im.weights);
    im.bias = memory(bias_md, eng);
    auto* bp = static_cast<int32_t*>(im.bias.get_data_handle());
    if (s.bias != nullptr) {
      std::memcpy(bp, s.bias, static_cast<size_t>(s.M) * sizeof(int32_t));
    } else {
      std::memset(bp, 0, static_cast<size_t>(s.M) * sizeof(int32_t));
    }
    stream.wait();
    return std::shared_ptr<const Int8Convolution>(std::move(self));
  } catch (const dnnl::error& e) {
    return NotImplemented("oneDNN int8 convolution: ", e.what());
  }
}

Status Int8Convolution::run(const void* x, void* y, const ThreadPool* pool) const {
  const Impl& im = *impl_;
  try {
    if (pool != nullptr) pool->bind_library_threads();
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    memory user_src(im.user_src, eng, const_cast<void*>(x));
    memory user_dst(im.user_dst, eng, y);
    memory src = user_src, dst = user_dst;
    void *scratch_p, *src_p, *dst_p;
    dnnl_util::RunBuffer::get(im.pd.scratchpad_desc().get_size(),
                              im.reorder_src ? im.pd.src_desc().get_size() : 0,
                              im.reorder_dst ? im.pd.dst_desc().get_size() : 0, &scratch_p,
                              &src_p, &dst_p);
    if (im.reorder_src) {
      src = memory(im.pd.src_desc(), eng, src_p);
      im.src_in.execute(stream, user_src, src);
    }
    if (im.reorder_dst) dst = memory(im.pd.dst_desc(), eng, dst_p);
    memory scratch(im.pd.scratchpad_desc(), eng, scratch_p);
    im.primitive.execute(stream, {{DNNL_ARG_SRC, src},
                                  {DNNL_ARG_WEIGHTS, im.weights},
                                  {DNNL_ARG_BIAS, im.bias},
                                  {DNNL_ARG_DST, dst},
                                  {DNNL_ARG_SCRATCHPAD, scratch}});
    if (im.reorder_dst) im.dst_out.execute(stream, dst, user_dst);
    stream.wait();
    return Status::OK();
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN int8 convolution failed: ", e.what());
  }
}

const char* Int8Convolution::implementation() const { return impl_->pd.impl_info_str(); }

}  // namespace onyx::quant
