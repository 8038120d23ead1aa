// Float matrix product with a constant B through oneDNN's matmul primitive, for FusedMatMul:
//   C[M, N] = act(A[M, K] @ op(B) + bias), op(B) = B [K, N] or B^T (B stored [N, K])
// B is reordered once, at load, into the blocked layout oneDNN's brgemm kernels read (the same
// for every M, so one copy serves every row count: ops/common/dnnl_packed_matmul.h), and the
// bias and activation run inside the primitive while each tile of C is in registers: one pass
// over C instead of sgemm's result plus a bias pass plus an activation pass.
#pragma once

#include <memory>

#include "core/status.h"
#include "core/thread_pool.h"
#include "ops/common/activation.h"

namespace onyx::dnnl_util {
class PackedWeightsMatMul;
}

namespace onyx::linalg {

class PackedMatMul {
 public:
  // Fails (NotImplemented) when oneDNN has no implementation.
  static Result<std::unique_ptr<PackedMatMul>> create(int64_t K, int64_t N, bool trans_b,
                                                      const float* b, bool has_bias,
                                                      const ActivationSpec& activation);
  ~PackedMatMul();

  // c[M, N] = act(a[M, K] @ op(B) + bias); bias: N values when created with has_bias. False
  // (nothing written) when oneDNN cannot serve this M with the packed layout; the caller then
  // computes it otherwise. Thread-safe (per-thread scratchpad).
  Result<bool> run(int64_t M, const float* a, const float* bias, float* c,
                   const ThreadPool* pool) const;

  size_t packed_bytes() const;
  // op(B) back as a row-major [K, N] matrix, for the row counts run() cannot serve once B's
  // own data is gone (OpKernel::packed_constant_inputs).
  void unpack(float* b) const;

 private:
  explicit PackedMatMul(std::unique_ptr<dnnl_util::PackedWeightsMatMul> core);
  std::unique_ptr<dnnl_util::PackedWeightsMatMul> core_;
  int64_t K_ = 0, N_ = 0;
};

}  // namespace onyx::linalg
