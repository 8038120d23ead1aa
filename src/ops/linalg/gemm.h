// Row-major GEMM used by MatMul, Gemm, Einsum and the nn family's Conv/ConvTranspose:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// float goes to oneDNN's sgemm (faster than OpenBLAS on every shape we measured, and it runs on
// the OpenMP team our thread pool uses: docs/performance.md); double to OpenBLAS; other types
// use a plain reference loop.
// Header-only (inline templates) so that families using it have no link-time dependency on the
// linalg family being built.
#pragma once

#include <cblas.h>
#include <dnnl.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/data_type.h"

namespace onyx::linalg {

// Accumulator for the reference path: integers accumulate in 64-bit unsigned arithmetic so that
// overflow wraps (as in every other runtime) instead of being undefined behaviour.
template <typename T>
using gemm_acc_t =
    std::conditional_t<std::is_integral_v<T>, uint64_t, compute_t<T>>;

// A is M x K (K x M when trans_a), leading dimension lda; same for B (K x N / N x K) and C.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, compute_t<T> alpha,
          const T* A, int64_t lda, const T* B, int64_t ldb, compute_t<T> beta, T* C,
          int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // BLAS may not touch C when K == 0; define it ourselves.
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        T& c = C[i * ldc + j];
        c = beta == compute_t<T>(0) ? T(0)
                                    : static_cast<T>(beta * static_cast<compute_t<T>>(c));
      }
    }
    return;
  }
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    // Dims beyond int (2^31) cannot be expressed to CBLAS; callers keep tensors below that.
    const auto ta = trans_a ? CblasTrans : CblasNoTrans;
    const auto tb = trans_b ? CblasTrans : CblasNoTrans;
    const int ilda = static_cast<int>(std::max<int64_t>(lda, 1));
    const int ildb = static_cast<int>(std::max<int64_t>(ldb, 1));
    const int ildc = static_cast<int>(std::max<int64_t>(ldc, 1));
    if constexpr (std::is_same_v<T, float>) {
      (void)ta;
      (void)tb;
      // Row-major, like CBLAS with CblasRowMajor. It fails only for invalid arguments.
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, ilda, B, ildb, beta,
                 C, ildc);
    } else {
      cblas_dgemm(CblasRowMajor, ta, tb, static_cast<int>(M), static_cast<int>(N),
                  static_cast<int>(K), alpha, A, ilda, B, ildb, beta, C, ildc);
    }
  } else {
    using Acc = gemm_acc_t<T>;
    const int64_t a_i = trans_a ? 1 : lda, a_k = trans_a ? lda : 1;
    const int64_t b_k = trans_b ? 1 : ldb, b_j = trans_b ? ldb : 1;
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        Acc acc = 0;
        for (int64_t k = 0; k < K; ++k) {
          acc += static_cast<Acc>(static_cast<compute_t<T>>(A[i * a_i + k * a_k])) *
                 static_cast<Acc>(static_cast<compute_t<T>>(B[k * b_k + j * b_j]));
        }
        T& c = C[i * ldc + j];
        if constexpr (std::is_integral_v<T>) {
          Acc r = static_cast<Acc>(alpha) * acc;
          if (beta != 0) r += static_cast<Acc>(beta) * static_cast<Acc>(c);
          c = static_cast<T>(r);
        } else {
          compute_t<T> r = alpha * static_cast<compute_t<T>>(acc);
          if (beta != compute_t<T>(0)) r += beta * static_cast<compute_t<T>>(c);
          c = static_cast<T>(r);
        }
      }
    }
  }
}

}  // namespace onyx::linalg
