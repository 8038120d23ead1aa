// Integer matrix product with a constant int8 B through oneDNN's int8 matmul:
//   C[M, N] (int32) = A[M, K] (uint8) @ B[K, N] (int8)
// with no zero points (the caller corrects for them: DynamicQuantizeMatMul). B is reordered
// once, at load, into the layout oneDNN's brgemm kernels read (VNNI or AMX tiles), the same for
// every M (ops/common/dnnl_packed_matmul.h). Only offered where the sums are exact: with
// AVX512-VNNI, AVX-VNNI or AMX, whose dot-product instructions add u8 x s8 products straight
// into int32. Without VNNI, oneDNN multiplies pairs with vpmaddubsw, which saturates at int16,
// so create() declines there.
#pragma once

#include <memory>

#include "core/status.h"
#include "core/thread_pool.h"

namespace onyx::dnnl_util {
class PackedWeightsMatMul;
}

namespace onyx::quant {

class PackedInt8MatMul {
 public:
  // Null when the CPU has no exact int8 dot product or oneDNN has no implementation.
  static std::unique_ptr<PackedInt8MatMul> create(int64_t K, int64_t N, const int8_t* b);
  ~PackedInt8MatMul();

  // c[M, N] = a[M, K] @ B, int32, exact (the caller keeps K small enough that no sum wraps).
  // False (nothing written) when oneDNN cannot serve this M with the packed layout and kernel.
  // Thread-safe.
  Result<bool> run(int64_t M, const uint8_t* a, int32_t* c, const ThreadPool* pool) const;

  size_t packed_bytes() const;
  // B back as a row-major [K, N] matrix.
  void unpack(int8_t* b) const;

 private:
  explicit PackedInt8MatMul(std::unique_ptr<dnnl_util::PackedWeightsMatMul> core);
  std::unique_ptr<dnnl_util::PackedWeightsMatMul> core_;
  int64_t K_ = 0, N_ = 0;
};

// Whether this CPU has an exact int8 dot product oneDNN uses (AVX512-VNNI, AVX-VNNI or AMX).
bool exact_int8_dot_available();
// Tests: false makes create() (and Int8Convolution's) decline, so kernels take their reference
// path.
void set_int8_matmul_enabled_for_testing(bool enabled);
// exact_int8_dot_available() and not disabled for testing.
bool int8_fast_path_enabled();

}  // namespace onyx::quant
