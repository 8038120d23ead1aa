#include "ops/common/dnnl_eltwise.h"

#include <dnnl.hpp>

#include <exception>

#include "ops/common/dnnl_engine.h"
#include "ops/common/simd_eltwise.h"

namespace onyx::dnnl_ops {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::algorithm algorithm_of(Eltwise f) {
  using dnnl::algorithm;
  switch (f) {
    case Eltwise::kExp: return algorithm::eltwise_exp;
    case Eltwise::kLog: return algorithm::eltwise_log;
    case Eltwise::kSqrt: return algorithm::eltwise_sqrt;
    case Eltwise::kTanh: return algorithm::eltwise_tanh;
    case Eltwise::kLogistic: return algorithm::eltwise_logistic;
    case Eltwise::kSwish: return algorithm::eltwise_swish;
    case Eltwise::kGeluErf: return algorithm::eltwise_gelu_erf;
    case Eltwise::kGeluTanh: return algorithm::eltwise_gelu_tanh;
    case Eltwise::kMish: return algorithm::eltwise_mish;
    case Eltwise::kElu: return algorithm::eltwise_elu;
  }
  return algorithm::eltwise_exp;
}

}  // namespace

bool eltwise(Eltwise f, float alpha, const float* x, float* y, int64_t n, const ThreadPool* pool) {
  if (n < kMinElements) return false;
  if (simd_eltwise::supports(f) && simd_eltwise::own_eltwise_preferred()) {
    return simd_eltwise::run(f, x, y, n, pool);
  }
  if (f == Eltwise::kSwish) alpha = 1.f;  // oneDNN's swish is x * sigmoid(alpha x)
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    const float beta = 0.f;
    const dnnl::algorithm algo = algorithm_of(f);
    const memory::desc md({n}, dt::f32, tag::x);
    // oneDNN caches primitives by descriptor, so repeating a size costs a lookup only.
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algo, md, alpha,
                                           beta);
    const dnnl::eltwise_forward::primitive_desc pd(desc, eng);
    const dnnl::eltwise_forward prim(pd);
    if (pool != nullptr) pool->bind_library_threads();
    dnnl::stream stream(eng);
    memory src(md, eng, const_cast<float*>(x)), dst(md, eng, y);
    prim.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    stream.wait();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool softmax(bool log, const float* x, float* y, int64_t outer, int64_t n, int64_t inner,
             const ThreadPool* pool) {
  if (outer * n * inner < kMinElements || n <= 0) return false;
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    const memory::desc md({outer, n, inner}, dt::f32, tag::abc);
    if (pool != nullptr) pool->bind_library_threads();
    dnnl::stream stream(eng);
    memory src(md, eng, const_cast<float*>(x)), dst(md, eng, y);
    if (log) {
      const dnnl::logsoftmax_forward::desc desc(dnnl::prop_kind::forward_inference, md, 1);
      const dnnl::logsoftmax_forward::primitive_desc pd(desc, eng);
      dnnl::logsoftmax_forward(pd).execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    } else {
      const dnnl::softmax_forward::desc desc(dnnl::prop_kind::forward_inference, md, 1);
      const dnnl::softmax_forward::primitive_desc pd(desc, eng);
      dnnl::softmax_forward(pd).execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    }
    stream.wait();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace onyx::dnnl_ops
