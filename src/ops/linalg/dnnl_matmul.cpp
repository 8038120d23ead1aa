#include "ops/linalg/dnnl_matmul.h"

#include <dnnl.hpp>

#include <unordered_map>

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_util.h"

namespace onyx::linalg {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

struct PackedMatMul::Impl {
  int64_t K = 0, N = 0;
  bool has_bias = false;
  dnnl::primitive_attr attr;
  memory::desc weights_md;  // the packed layout
  memory weights;
};

struct PackedMatMul::Primitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory::desc a_md, c_md, bias_md;
};

namespace {

dnnl::matmul::primitive_desc make_pd(int64_t M, int64_t K, int64_t N, bool has_bias,
                                     const memory::desc& weights, const dnnl::primitive_attr& attr) {
  const memory::desc a({M, K}, dt::f32, tag::ab), c({M, N}, dt::f32, tag::ab);
  const dnnl::matmul::desc d = has_bias ? dnnl::matmul::desc(a, weights, memory::desc({1, N}, dt::f32, tag::ab), c)
                                        : dnnl::matmul::desc(a, weights, c);
  return dnnl::matmul::primitive_desc(d, attr, dnnl_cpu_engine());
}

}  // namespace

PackedMatMul::PackedMatMul() : impl_(std::make_unique<Impl>()) {}
PackedMatMul::~PackedMatMul() = default;

Result<std::unique_ptr<PackedMatMul>> PackedMatMul::create(int64_t K, int64_t N, bool trans_b,
                                                           const float* b, bool has_bias,
                                                           const ActivationSpec& activation) {
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    std::unique_ptr<PackedMatMul> self(new PackedMatMul());
    Impl& im = *self->impl_;
    im.K = K;
    im.N = N;
    im.has_bias = has_bias;
    im.attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::post_ops po;
    dnnl_util::append_activation(po, activation);
    im.attr.set_post_ops(po);
    // The layout oneDNN picks for a typical row count; other row counts must pick the same.
    const auto probe = make_pd(128, K, N, has_bias, memory::desc({K, N}, dt::f32, tag::any), im.attr);
    im.weights_md = probe.weights_desc();
    im.weights = memory(im.weights_md, eng);
    // B^T: the [K, N] matrix whose memory is [N, K] row-major, i.e. column-major [K, N].
    memory user(memory::desc({K, N}, dt::f32, trans_b ? tag::ba : tag::ab), eng, const_cast<float*>(b));
    dnnl::stream stream(eng);
    dnnl::reorder(user, im.weights).execute(stream, user, im.weights);
    stream.wait();
    return self;
  } catch (const dnnl::error& e) {
    return NotImplemented("oneDNN matmul: ", e.what());
  }
}

size_t PackedMatMul::packed_bytes() const { return impl_->weights_md.get_size(); }

void PackedMatMul::unpack(float* b) const {
  const Impl& im = *impl_;
  const dnnl::engine& eng = dnnl_cpu_engine();
  memory plain(memory::desc({im.K, im.N}, dt::f32, tag::ab), eng, b);
  dnnl::stream stream(eng);
  dnnl::reorder(im.weights, plain).execute(stream, const_cast<memory&>(im.weights), plain);
  stream.wait();
}

std::shared_ptr<const PackedMatMul::Primitive> PackedMatMul::primitive_for(int64_t M) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(M);
  if (it != cache_.end()) return it->second;
  std::shared_ptr<Primitive> p;
  try {
    const Impl& im = *impl_;
    auto pd = make_pd(M, im.K, im.N, im.has_bias, im.weights_md, im.attr);
    if (pd.weights_desc() == im.weights_md) {
      p = std::make_shared<Primitive>();
      p->pd = pd;
      p->prim = dnnl::matmul(pd);
      p->a_md = memory::desc({M, im.K}, dt::f32, tag::ab);
      p->c_md = memory::desc({M, im.N}, dt::f32, tag::ab);
      if (im.has_bias) p->bias_md = memory::desc({1, im.N}, dt::f32, tag::ab);
    }
  } catch (const dnnl::error&) {
    p = nullptr;
  }
  cache_.emplace(M, p);
  return p;
}

Result<bool> PackedMatMul::run(int64_t M, const float* a, const float* bias, float* c,
                               const ThreadPool* pool) const {
  auto p = primitive_for(M);
  if (p == nullptr) return false;
  const Impl& im = *impl_;
  try {
    if (pool != nullptr) pool->bind_library_threads();
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    void *scratch_p, *unused_b, *unused_c;
    dnnl_util::RunBuffer::get(p->pd.scratchpad_desc().get_size(), 0, 0, &scratch_p, &unused_b,
                              &unused_c);
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, memory(p->a_md, eng, const_cast<float*>(a))},
        {DNNL_ARG_WEIGHTS, im.weights},
        {DNNL_ARG_DST, memory(p->c_md, eng, c)},
        {DNNL_ARG_SCRATCHPAD, memory(p->pd.scratchpad_desc(), eng, scratch_p)}};
    if (im.has_bias) args.emplace(DNNL_ARG_BIAS, memory(p->bias_md, eng, const_cast<float*>(bias)));
    p->prim.execute(stream, args);
    stream.wait();
    return true;
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN matmul failed: ", e.what());
  }
}

}  // namespace onyx::linalg
