// The common part of our matrix products with a constant B on oneDNN's matmul primitive (float
// FusedMatMul: ops/linalg/dnnl_matmul.h; int8 DynamicQuantizeMatMul: ops/quant/int8_matmul.h):
// B is reordered once, at load, into the layout the kernel picks for a typical row count, which
// is the same for every M (one copy serves all), primitives are made per M on first use and
// cached, and each run takes its scratchpad from the calling thread's buffer.
#pragma once

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "core/thread_pool.h"

namespace onyx::dnnl_util {

class PackedWeightsMatMul {
 public:
  struct Types {
    dnnl::memory::data_type a, b, c;
  };
  // C[M, N] = A[M, K] @ B[K, N] (+ bias[1, N] when has_bias) under `attr` (its post-ops);
  // `b_plain` is B in any plain layout. With same_kernel, a row count whose primitive is another
  // implementation than the typical one's is not served (run() returns false): the caller
  // relies on that kernel's arithmetic. Throws dnnl::error when oneDNN cannot serve it.
  PackedWeightsMatMul(int64_t K, int64_t N, Types types, bool has_bias, dnnl::primitive_attr attr,
                      const dnnl::memory& b_plain, bool same_kernel = false);

  // The implementation oneDNN chose for the typical row count (e.g. "brg:avx512_core_amx").
  const std::string& impl_name() const { return impl_name_; }
  size_t packed_bytes() const { return weights_md_.get_size(); }
  // B back into `b_plain` (any plain layout of B's type and shape).
  void unpack(const dnnl::memory& b_plain) const;

  // c = a @ B (+ bias); false (nothing written) when the packed layout cannot serve this M.
  // Thread-safe.
  Result<bool> run(int64_t M, const void* a, const void* bias, void* c,
                   const ThreadPool* pool) const;

 private:
  struct Primitive;
  dnnl::matmul::primitive_desc make_pd(int64_t M, const dnnl::memory::desc& weights) const;
  std::shared_ptr<const Primitive> primitive_for(int64_t M) const;

  int64_t K_, N_;
  Types types_;
  bool has_bias_, same_kernel_;
  dnnl::primitive_attr attr_;
  dnnl::memory::desc weights_md_;  // the packed layout
  dnnl::memory weights_;
  std::string impl_name_;
  mutable std::mutex mutex_;
  mutable std::map<int64_t, std::shared_ptr<const Primitive>> cache_;  // by M; null: unserved
};

}  // namespace onyx::dnnl_util
