// Shared pieces of RNN / GRU / LSTM: activation functions with their alpha/beta, attribute
// parsing, and a row-major C = A * B^T gemm over OpenBLAS.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace onyx {
class KernelInfo;
}

namespace onyx::rnn {

enum class ActKind {
  kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid,
  kElu, kSoftsign, kSoftplus,
};

struct Activation {
  ActKind kind = ActKind::kTanh;
  float alpha = 0, beta = 0;

  template <typename C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha), b = static_cast<C>(beta);
    switch (kind) {
      case ActKind::kRelu: return x > C(0) ? x : C(0);
      case ActKind::kTanh: return std::tanh(x);
      case ActKind::kSigmoid: return C(1) / (C(1) + std::exp(-x));
      case ActKind::kAffine: return a * x + b;
      case ActKind::kLeakyRelu: return x >= C(0) ? x : a * x;
      case ActKind::kThresholdedRelu: return x > a ? x : C(0);
      case ActKind::kScaledTanh: return a * std::tanh(b * x);
      case ActKind::kHardSigmoid: {
        const C v = a * x + b;
        return v < C(0) ? C(0) : (v > C(1) ? C(1) : v);
      }
      case ActKind::kElu: return x >= C(0) ? x : a * (std::exp(x) - C(1));
      case ActKind::kSoftsign: return x / (C(1) + std::abs(x));
      case ActKind::kSoftplus: return std::log1p(std::exp(-std::abs(x))) + (x > C(0) ? x : C(0));
    }
    return x;
  }
};

enum class Direction { kForward, kReverse, kBidirectional };

// Attributes common to the three ops.
struct RnnAttrs {
  int64_t hidden_size = -1;  // -1: not given, taken from R
  Direction direction = Direction::kForward;
  int num_directions = 1;
  float clip = 0;  // 0: no clipping
  int64_t layout = 0;
  // num_directions * activations-per-direction entries.
  std::vector<Activation> acts;
};

// Parses the attributes; `defaults` are the per-direction default activation names
// ({"Tanh"} for RNN, {"Sigmoid", "Tanh"} for GRU, {"Sigmoid", "Tanh", "Tanh"} for LSTM).
Result<RnnAttrs> parse_attrs(const KernelInfo& info, const std::vector<std::string>& defaults);

// C[M x N] = A[M x K] * B[N x K]^T + beta * C, row-major with leading dims.
void gemm_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
             int64_t ldb, float beta, float* C, int64_t ldc);
void gemm_nt(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
             int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace onyx::rnn
