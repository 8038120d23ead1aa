#include "ops/quant/int8_conv.h"

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_util.h"
#include "ops/nn/dnnl_conv_dims.h"
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

}  // namespace

struct Int8Convolution::Impl {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward primitive;
  memory::desc user_src, user_dst;
  memory weights, bias;
  bool reorder_src = false, reorder_dst = false;
  dnnl::reorder src_in, dst_out;

  // Makes this run `p`: the primitive, the reorders between the caller's layout and the
  // primitive's, the weights in its format, the bias.
  void build(const dnnl::convolution_forward::primitive_desc& p, const memory::desc& user_w_md,
             const memory::desc& bias_md, const Int8ConvSpec& s) {
    const dnnl::engine& eng = dnnl_cpu_engine();
    pd = p;
    primitive = dnnl::convolution_forward(pd);
    reorder_src = pd.src_desc() != user_src;
    reorder_dst = pd.dst_desc() != user_dst;
    auto make_reorder = [&](const memory::desc& from, const memory::desc& to) {
      return dnnl::reorder(dnnl::reorder::primitive_desc(eng, from, eng, to));
    };
    if (reorder_src) src_in = make_reorder(user_src, pd.src_desc());
    if (reorder_dst) dst_out = make_reorder(pd.dst_desc(), user_dst);
    dnnl::stream stream(eng);
    const memory user_w(user_w_md, eng, const_cast<int8_t*>(s.weights));
    weights = memory(pd.weights_desc(), eng);
    dnnl::reorder(user_w, weights).execute(stream, const_cast<memory&>(user_w), weights);
    bias = memory(bias_md, eng);
    auto* bp = static_cast<int32_t*>(bias.get_data_handle());
    if (s.bias != nullptr) {
      std::memcpy(bp, s.bias, static_cast<size_t>(s.M) * sizeof(int32_t));
    } else {
      std::memset(bp, 0, static_cast<size_t>(s.M) * sizeof(int32_t));
    }
    stream.wait();
  }

  void run(const void* x, void* y) const {
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    memory user_src_m(user_src, eng, const_cast<void*>(x));
    memory user_dst_m(user_dst, eng, y);
    memory src = user_src_m, dst = user_dst_m;
    void *scratch_p, *src_p, *dst_p;
    dnnl_util::RunBuffer::get(pd.scratchpad_desc().get_size(),
                              reorder_src ? pd.src_desc().get_size() : 0,
                              reorder_dst ? pd.dst_desc().get_size() : 0, &scratch_p, &src_p,
                              &dst_p);
    if (reorder_src) {
      src = memory(pd.src_desc(), eng, src_p);
      src_in.execute(stream, user_src_m, src);
    }
    if (reorder_dst) dst = memory(pd.dst_desc(), eng, dst_p);
    memory scratch(pd.scratchpad_desc(), eng, scratch_p);
    primitive.execute(stream, {{DNNL_ARG_SRC, src},
                               {DNNL_ARG_WEIGHTS, weights},
                               {DNNL_ARG_BIAS, bias},
                               {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCRATCHPAD, scratch}});
    if (reorder_dst) dst_out.execute(stream, dst, user_dst_m);
    stream.wait();
  }

  // The best of a few runs on zeros, in seconds.
  double time_runs() const {
    std::vector<uint8_t> x(user_src.get_size(), 0), y(user_dst.get_size());
    run(x.data(), y.data());  // warm up
    double best = 1e30;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      run(x.data(), y.data());
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  }
};

Int8Convolution::Int8Convolution() : impl_(std::make_unique<Impl>()) {}
Int8Convolution::~Int8Convolution() = default;

Result<std::shared_ptr<const Int8Convolution>> Int8Convolution::create(const Int8ConvSpec& s,
                                                                       const ThreadPool* pool,
                                                                       bool choose) {
  const nn::Window& w = s.window;
  if (!int8_fast_path_enabled()) return NotImplemented("no exact int8 dot product on this CPU");
  if (w.rank() < 1 || w.rank() > 3) return NotImplemented("int8 convolution of rank ", w.rank());
  if (s.scales.size() != 1 && s.scales.size() != static_cast<size_t>(s.M)) {
    return InvalidArgument("int8 convolution: ", s.scales.size(), " scales for ", s.M,
                           " channels");
  }
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    const nn::DnnlConvDims dims = nn::dnnl_conv_dims(s.N, s.C, s.M, s.G, w);
    const memory::dims &src = dims.src, &dst = dims.dst, &wei = dims.weights;
    const memory::dims &strides = dims.strides, &dilates = dims.dilates;
    const memory::dims &pad_l = dims.pad_l, &pad_r = dims.pad_r;
    const bool grouped = dims.grouped;
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
    // The implementations built on the exact dot products (reference or vpmaddubsw ones
    // would be slow or saturate; the names say which ISA they use): the first AMX one and the
    // first VNNI one. Where both exist the faster on this layer is kept, timed here: AMX wins
    // ResNet-50's layers (3x3 512-channel, 7x7: 235 against 509 us), VNNI MobileNetV2's
    // narrow 1x1 ones (32 -> 192 channels: 40 against 75 us).
    std::vector<dnnl::convolution_forward::primitive_desc> candidates;
    {
      dnnl::convolution_forward::primitive_desc it(desc, attr, eng);
      bool amx = false, vnni = false;
      do {
        const std::string impl = it.impl_info_str();
        const bool is_amx = impl.find("amx") != std::string::npos;
        const bool is_vnni = !is_amx && impl.find("vnni") != std::string::npos;
        if ((is_amx && !amx) || (is_vnni && !vnni)) candidates.push_back(it);  // (a copy)
        amx = amx || is_amx;
        vnni = vnni || is_vnni;
      } while (!(amx && vnni) && it.next_impl());
    }
    if (candidates.empty()) return NotImplemented("oneDNN int8 convolution: no exact kernel");
    const memory::desc user_w_md(wei, dt::s8, nn::plain_weights_tag(w.rank(), grouped));
    if (pool != nullptr) pool->bind_library_threads();
    im.build(candidates[0], user_w_md, bias_md, s);
    if (choose && candidates.size() > 1) {
      Impl other;
      other.user_src = im.user_src;
      other.user_dst = im.user_dst;
      other.build(candidates[1], user_w_md, bias_md, s);
      if (other.time_runs() < im.time_runs()) im = std::move(other);
    }
    return std::shared_ptr<const Int8Convolution>(std::move(self));
  } catch (const dnnl::error& e) {
    return NotImplemented("oneDNN int8 convolution: ", e.what());
  }
}

Status Int8Convolution::run(const void* x, void* y, const ThreadPool* pool) const {
  try {
    if (pool != nullptr) pool->bind_library_threads();
    impl_->run(x, y);
    return Status::OK();
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN int8 convolution failed: ", e.what());
  }
}

const char* Int8Convolution::implementation() const { return impl_->pd.impl_info_str(); }

bool int8_convolution_available() {
  static const bool served = [] {
    Int8ConvSpec s;
    s.N = 1;
    s.C = s.M = 64;
    nn::WindowAttrs attrs;
    attrs.pads = {1, 1, 1, 1};
    auto win = nn::resolve_window(attrs, {8, 8}, {3, 3});
    if (!win.ok()) return false;
    s.window = *win;
    const std::vector<int8_t> w(static_cast<size_t>(64 * 64 * 9), 1);
    s.weights = w.data();
    s.scales = {0.01f};
    return Int8Convolution::create(s, nullptr, /*choose=*/false).ok();
  }();
  return served && int8_fast_path_enabled();
}

}  // namespace onyx::quant
