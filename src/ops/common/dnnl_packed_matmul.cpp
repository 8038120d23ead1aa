#include "ops/common/dnnl_packed_matmul.h"

#include <unordered_map>

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_util.h"

namespace onyx::dnnl_util {

using dnnl::memory;
using tag = memory::format_tag;

struct PackedWeightsMatMul::Primitive {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
  memory::desc a_md, c_md, bias_md;
};

PackedWeightsMatMul::PackedWeightsMatMul(int64_t K, int64_t N, Types types, bool has_bias,
                                         dnnl::primitive_attr attr, const memory& b_plain,
                                         bool same_kernel)
    : K_(K),
      N_(N),
      types_(types),
      has_bias_(has_bias),
      same_kernel_(same_kernel),
      attr_(std::move(attr)) {
  attr_.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const auto probe = make_pd(128, memory::desc({K, N}, types.b, tag::any));
  impl_name_ = probe.impl_info_str();
  weights_md_ = probe.weights_desc();
  // Not in huge pages, unlike the convolutions' weights: on this project's VMs every fresh 2 MB
  // page costs a fault on the host too, and a transformer's hundreds of MB of weights made
  // BERT-base's session creation 680-905 -> 908-1246 ms (ONNX Runtime: about 1070) for 2-4% of
  // run time (docs/performance.md, "Huge pages for the packed weights").
  weights_ = memory(weights_md_, dnnl_cpu_engine());
  dnnl::stream stream(dnnl_cpu_engine());
  dnnl::reorder(b_plain, weights_).execute(stream, const_cast<memory&>(b_plain), weights_);
  stream.wait();
}

dnnl::matmul::primitive_desc PackedWeightsMatMul::make_pd(int64_t M,
                                                          const memory::desc& weights) const {
  const memory::desc a({M, K_}, types_.a, tag::ab), c({M, N_}, types_.c, tag::ab);
  const dnnl::matmul::desc d =
      has_bias_ ? dnnl::matmul::desc(a, weights, memory::desc({1, N_}, types_.c, tag::ab), c)
                : dnnl::matmul::desc(a, weights, c);
  return dnnl::matmul::primitive_desc(d, attr_, dnnl_cpu_engine());
}

void PackedWeightsMatMul::unpack(const memory& b_plain) const {
  dnnl::stream stream(dnnl_cpu_engine());
  dnnl::reorder(weights_, b_plain)
      .execute(stream, const_cast<memory&>(weights_), const_cast<memory&>(b_plain));
  stream.wait();
}

std::shared_ptr<const PackedWeightsMatMul::Primitive> PackedWeightsMatMul::primitive_for(
    int64_t M) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(M);
  if (it != cache_.end()) return it->second;
  std::shared_ptr<Primitive> p;
  try {
    auto pd = make_pd(M, weights_md_);
    if (pd.weights_desc() == weights_md_ && (!same_kernel_ || impl_name_ == pd.impl_info_str())) {
      p = std::make_shared<Primitive>();
      p->pd = pd;
      p->prim = dnnl::matmul(pd);
      p->a_md = memory::desc({M, K_}, types_.a, tag::ab);
      p->c_md = memory::desc({M, N_}, types_.c, tag::ab);
      if (has_bias_) p->bias_md = memory::desc({1, N_}, types_.c, tag::ab);
    }
  } catch (const dnnl::error&) {
    p = nullptr;
  }
  cache_.emplace(M, p);
  return p;
}

Result<bool> PackedWeightsMatMul::run(int64_t M, const void* a, const void* bias, void* c,
                                      const ThreadPool* pool) const {
  auto p = primitive_for(M);
  if (p == nullptr) return false;
  try {
    if (pool != nullptr) pool->bind_library_threads();
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    void *scratch_p, *unused_b, *unused_c;
    RunBuffer::get(p->pd.scratchpad_desc().get_size(), 0, 0, &scratch_p, &unused_b, &unused_c);
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, memory(p->a_md, eng, const_cast<void*>(a))},
        {DNNL_ARG_WEIGHTS, weights_},
        {DNNL_ARG_DST, memory(p->c_md, eng, c)},
        {DNNL_ARG_SCRATCHPAD, memory(p->pd.scratchpad_desc(), eng, scratch_p)}};
    if (has_bias_) args.emplace(DNNL_ARG_BIAS, memory(p->bias_md, eng, const_cast<void*>(bias)));
    p->prim.execute(stream, args);
    stream.wait();
    return true;
  } catch (const dnnl::error& e) {
    return RuntimeError("oneDNN matmul failed: ", e.what());
  }
}

}  // namespace onyx::dnnl_util
