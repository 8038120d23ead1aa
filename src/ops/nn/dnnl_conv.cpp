#include "ops/nn/dnnl_conv.h"

#include <dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <vector>
#include <exception>

#include "core/huge_pages.h"
#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_util.h"
#include "ops/nn/dnnl_conv_dims.h"
#include "ops/nn/nchwc.h"

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

tag activation_tag(size_t spatial_rank, ConvLayout layout) {
  switch (layout) {
    case ConvLayout::kPlain: return plain_tag(spatial_rank);
    case ConvLayout::kBlocked8:
      return spatial_rank == 1 ? tag::nCw8c : spatial_rank == 2 ? tag::nChw8c : tag::nCdhw8c;
    case ConvLayout::kBlocked16:
      return spatial_rank == 1 ? tag::nCw16c : spatial_rank == 2 ? tag::nChw16c : tag::nCdhw16c;
  }
  return plain_tag(spatial_rank);
}

// Whether groups of `channels` channels each start at a block boundary of `layout`.
bool fits_blocks(int64_t channels, ConvLayout layout) {
  switch (layout) {
    case ConvLayout::kPlain: return true;
    case ConvLayout::kBlocked8: return channels % 8 == 0;
    case ConvLayout::kBlocked16: return channels % 16 == 0;
  }
  return true;
}

// Winograd's memory limits: its transformed weights stay for the session's life, one copy per
// convolution, while its tile scratchpad is a RunBuffer shared by every convolution a thread
// runs (only the largest counts), so the two have separate caps.
constexpr size_t kWinogradExtraWeightBytes = size_t{16} << 20;
constexpr size_t kWinogradScratchBytes = size_t{64} << 20;

}  // namespace

struct DnnlConvolution::Impl {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward primitive;
  memory::desc user_src, user_dst;
  memory weights;  // in pd.weights_desc()
  std::shared_ptr<void> weights_buffer;  // its memory when in huge pages (core/huge_pages.h)
  memory bias;
  memory dw_weights, dw_bias;  // of a depthwise post-op (empty without one)
  memory::desc plain_weights;  // the caller's layout of the weights
  bool winograd = false;
  bool reorder_src = false, reorder_dst = false, sum = false;
  // The activation applied by our own kernel after the primitive instead of as a post-op.
  std::optional<dnnl_ops::Eltwise> after;
  int64_t dst_elements = 0;  // of user_dst, padding included
  // Made once: creating (even looking up) a reorder primitive per run costs tens of microseconds.
  dnnl::reorder src_in, dst_in, dst_out;
};

DnnlConvolution::DnnlConvolution() : impl_(std::make_unique<Impl>()) {}
DnnlConvolution::~DnnlConvolution() = default;

int64_t preferred_nchwc_block() {
  static const int64_t block = [] {
    try {
      const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
      const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
      return (isa & avx512) == avx512 ? int64_t{16} : int64_t{8};
    } catch (const std::exception&) {
      return int64_t{8};
    }
  }();
  return block;
}

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
    const float* bias, const PostOps& post, const ConvOptions& options) {
  const ConvLayout src_layout = options.src_layout, dst_layout = options.dst_layout;
  if (w.rank() < 1 || w.rank() > 3) return NotImplemented("oneDNN convolution of rank ", w.rank());
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    const DnnlConvDims dims = dnnl_conv_dims(N, C, M, G, w);
    const memory::dims &src = dims.src, &wei = dims.weights;
    memory::dims dst = dims.dst;  // the primitive's output: the depthwise one where fused
    const DepthwisePostOp* dw = post.depthwise ? &*post.depthwise : nullptr;
    if (dw != nullptr) {
      if (post.sum || w.rank() != 2 || (dw->stride != 1 && dw->stride != 2)) {
        return NotImplemented("oneDNN depthwise post-op of this convolution");
      }
      for (size_t d = 2; d < dst.size(); ++d) dst[d] = (dst[d] + 2 - 3) / dw->stride + 1;
    }
    const memory::dims &strides = dims.strides, &dilates = dims.dilates;
    const memory::dims &pad_l = dims.pad_l, &pad_r = dims.pad_r;
    const bool grouped = dims.grouped;
    auto self = std::shared_ptr<DnnlConvolution>(new DnnlConvolution());
    Impl& im = *self->impl_;
    im.user_src = memory::desc(src, dt::f32, activation_tag(w.rank(), src_layout));
    im.user_dst = memory::desc(dst, dt::f32, activation_tag(w.rank(), dst_layout));
    // A blocked side is fixed (the graph around it expects that layout); a plain one lets
    // oneDNN choose, reordering inside run() when it chooses something else. So does a
    // grouped convolution whose groups share blocks: oneDNN has no fast kernel for it in the
    // graph's layout (ResNeXt's groups of 4 or 8 channels in nChw16c took its reference
    // kernel, half a second a layer) but has one in narrower blocks.
    const bool groups_split_blocks =
        grouped && !(C == G && M == G) &&
        (!fits_blocks(C / G, src_layout) || !fits_blocks(M / G, dst_layout));
    const memory::desc any_src = src_layout != ConvLayout::kPlain && !groups_split_blocks
                                     ? im.user_src
                                     : memory::desc(src, dt::f32, tag::any);
    // The convolution's own output; with a depthwise post-op, that of the depthwise one is
    // the primitive's.
    const memory::desc any_dst =
        dst_layout != ConvLayout::kPlain && !groups_split_blocks
            ? memory::desc(dims.dst, dt::f32, activation_tag(w.rank(), dst_layout))
            : memory::desc(dims.dst, dt::f32, tag::any);
    const memory::desc any_wei(wei, dt::f32, tag::any), bias_md({M}, dt::f32, tag::x);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // per-run scratchpad: thread-safe
    dnnl::post_ops po;
    if (post.sum) po.append_sum(1.f);
    if (dw != nullptr) {  // the first activation comes before the depthwise convolution
      dnnl_util::append_activation(po, post.activation);
      po.append_dw(dt::f32, dt::f32, dt::f32, 3, dw->stride, 1, 0, {});
    }
    const ActivationSpec& last = dw != nullptr ? dw->activation : post.activation;
    im.after = dnnl_util::activation_after_primitive(last);
    if (!im.after) dnnl_util::append_activation(po, last);
    im.dst_elements = static_cast<int64_t>(im.user_dst.get_size() / sizeof(float));
    attr.set_post_ops(po);
    auto make_pd = [&](dnnl::algorithm alg) {
      dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, alg, any_src,
                                           any_wei, bias_md, any_dst, strides, dilates, pad_l,
                                           pad_r);
      return dnnl::convolution_forward::primitive_desc(desc, attr, eng);
    };
    // Winograd where oneDNN has it (3x3, stride 1, AVX-512) and the caller allows it: 2.25x
    // fewer multiplications; results within 1e-6 relative (L2) of the direct algorithm on the
    // benchmark's CNNs (docs/performance.md). Its transformed weights (up to 4x the plain ones,
    // more with the 4x3 tiles oneDNN picks for larger batches) and tile scratchpad (growing
    // with the batch) are capped: past either limit the direct algorithm is kept (ResNet-50's
    // 512-channel layers at batch 8: 28 MB more weights each).
    bool made = false;
    if (options.allow_winograd && dw == nullptr) {
      try {
        auto wino = make_pd(dnnl::algorithm::convolution_winograd);
        size_t plain_weights = sizeof(float);
        for (auto d : wei) plain_weights *= static_cast<size_t>(d);
        const size_t wino_weights = wino.weights_desc().get_size();
        const size_t extra = wino_weights > plain_weights ? wino_weights - plain_weights : 0;
        const bool within_ratio = options.max_winograd_ratio < 0 ||
                                  wino_weights <= static_cast<size_t>(options.max_winograd_ratio) *
                                                      plain_weights;
        if (within_ratio && extra <= kWinogradExtraWeightBytes &&
            wino.scratchpad_desc().get_size() <= kWinogradScratchBytes) {
          im.pd = std::move(wino);
          made = true;
        }
      } catch (const dnnl::error&) {
      }
    }
    im.winograd = made;
    if (!made) im.pd = make_pd(dnnl::algorithm::convolution_direct);
    if (im.pd.dst_desc().dims() != dst) {
      return NotImplemented("oneDNN convolution: unexpected output dims");
    }
    im.primitive = dnnl::convolution_forward(im.pd);
    im.reorder_src = im.pd.src_desc() != im.user_src;
    im.reorder_dst = im.pd.dst_desc() != im.user_dst;
    im.sum = post.sum;
    auto make_reorder = [&](const memory::desc& from, const memory::desc& to) {
      return dnnl::reorder(dnnl::reorder::primitive_desc(eng, from, eng, to));
    };
    if (im.reorder_src) im.src_in = make_reorder(im.user_src, im.pd.src_desc());
    if (im.reorder_dst) {
      im.dst_out = make_reorder(im.pd.dst_desc(), im.user_dst);
      if (im.sum) im.dst_in = make_reorder(im.user_dst, im.pd.dst_desc());
    }

    // Pack the weights once.
    dnnl::stream stream(eng);
    im.plain_weights = memory::desc(wei, dt::f32, plain_weights_tag(w.rank(), grouped));
    const memory user_w(im.plain_weights, eng, const_cast<float*>(weights));
    // The weights in huge pages (core/huge_pages.h): read cold once per run, they cost a TLB
    // miss every 4 KB otherwise (ResNet-50, 1 thread, batch 1: 2.5-3% faster; EfficientNet-B0
    // and DenseNet-121 2-3% with the smaller weights sharing pages).
    im.weights_buffer = allocate_weight_buffer(im.pd.weights_desc().get_size());
    im.weights = im.weights_buffer ? memory(im.pd.weights_desc(), eng, im.weights_buffer.get())
                                   : memory(im.pd.weights_desc(), eng);
    dnnl::reorder(user_w, im.weights).execute(stream, const_cast<memory&>(user_w), im.weights);
    im.bias = memory(bias_md, eng);
    auto* bp = static_cast<float*>(im.bias.get_data_handle());
    if (bias != nullptr) {
      std::memcpy(bp, bias, static_cast<size_t>(M) * sizeof(float));
    } else {
      std::memset(bp, 0, static_cast<size_t>(M) * sizeof(float));
    }
    if (dw != nullptr) {
      const memory::dim M = dims.dst[1];
      const memory user_dw(memory::desc({M, 1, 1, 3, 3}, dt::f32, tag::goihw), eng,
                           const_cast<float*>(dw->weights));
      im.dw_weights = memory(
          im.pd.query_md(dnnl::query::exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS),
          eng);
      dnnl::reorder(user_dw, im.dw_weights)
          .execute(stream, const_cast<memory&>(user_dw), im.dw_weights);
      im.dw_bias = memory(memory::desc({M}, dt::f32, tag::x), eng);
      auto* dbp = static_cast<float*>(im.dw_bias.get_data_handle());
      if (dw->bias != nullptr) {
        std::memcpy(dbp, dw->bias, static_cast<size_t>(M) * sizeof(float));
      } else {
        std::memset(dbp, 0, static_cast<size_t>(M) * sizeof(float));
      }
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
    void *scratch_p, *src_p, *dst_p;
    dnnl_util::RunBuffer::get(im.pd.scratchpad_desc().get_size(),
                   im.reorder_src ? im.pd.src_desc().get_size() : 0,
                   im.reorder_dst ? im.pd.dst_desc().get_size() : 0, &scratch_p, &src_p, &dst_p);
    if (im.reorder_src) {
      src = memory(im.pd.src_desc(), eng, src_p);
      im.src_in.execute(stream, user_src, src);
    }
    if (im.reorder_dst) {
      dst = memory(im.pd.dst_desc(), eng, dst_p);
      if (im.sum) im.dst_in.execute(stream, user_dst, dst);
    }
    memory scratch(im.pd.scratchpad_desc(), eng, scratch_p);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                         {DNNL_ARG_WEIGHTS, im.weights},
                                         {DNNL_ARG_BIAS, im.bias},
                                         {DNNL_ARG_DST, dst},
                                         {DNNL_ARG_SCRATCHPAD, scratch}};
    if (im.dw_weights) {
      args.emplace(DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS, im.dw_weights);
      args.emplace(DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS, im.dw_bias);
    }
    im.primitive.execute(stream, args);
    if (im.reorder_dst) im.dst_out.execute(stream, dst, user_dst);
    stream.wait();
    if (im.after) simd_eltwise::run(*im.after, y, y, im.dst_elements, pool);
    return Status::OK();
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN convolution failed: ", e.what());
  }
}

const char* DnnlConvolution::implementation() const { return impl_->pd.impl_info_str(); }

bool DnnlConvolution::weights_recoverable() const { return !impl_->winograd; }

Status DnnlConvolution::unpack_weights(float* w) const {
  const Impl& im = *impl_;
  if (im.winograd) return NotImplemented("Winograd weights cannot be unpacked");
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    memory plain(im.plain_weights, eng, w);
    dnnl::reorder(const_cast<memory&>(im.weights), plain)
        .execute(stream, const_cast<memory&>(im.weights), plain);
    stream.wait();
    return Status::OK();
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN weight reorder failed: ", e.what());
  }
}

}  // namespace onyx::nn
