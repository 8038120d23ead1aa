#include "ops/rnn/rnn_common.h"

#include <cblas.h>
#include <dnnl.h>

#include <algorithm>
#include <cctype>

#include "ops/kernel.h"

namespace onyx::rnn {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Which of alpha / beta an activation consumes, and their defaults (as onnxruntime uses).
struct ActSpec {
  const char* name;
  ActKind kind;
  bool uses_alpha, uses_beta;
  float alpha, beta;
};
constexpr ActSpec kActs[] = {
    {"relu", ActKind::kRelu, false, false, 0, 0},
    {"tanh", ActKind::kTanh, false, false, 0, 0},
    {"sigmoid", ActKind::kSigmoid, false, false, 0, 0},
    {"affine", ActKind::kAffine, true, true, 1.0f, 0.0f},
    {"leakyrelu", ActKind::kLeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", ActKind::kThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", ActKind::kScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", ActKind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", ActKind::kElu, true, false, 1.0f, 0},
    {"softsign", ActKind::kSoftsign, false, false, 0, 0},
    {"softplus", ActKind::kSoftplus, false, false, 0, 0},
};

}  // namespace

Result<RnnAttrs> parse_attrs(const KernelInfo& info, const std::vector<std::string>& defaults) {
  RnnAttrs a;
  ONYX_ASSIGN_OR_RETURN(a.hidden_size, info.attr_int("hidden_size", -1));
  if (info.has_attr("hidden_size") && a.hidden_size <= 0) {
    return info.error(StatusCode::kInvalidGraph, "hidden_size must be positive");
  }
  ONYX_ASSIGN_OR_RETURN(std::string dir, info.attr_string("direction", "forward"));
  if (dir == "forward") {
    a.direction = Direction::kForward;
  } else if (dir == "reverse") {
    a.direction = Direction::kReverse;
  } else if (dir == "bidirectional") {
    a.direction = Direction::kBidirectional;
    a.num_directions = 2;
  } else {
    return info.error(StatusCode::kInvalidGraph, "unknown direction '", dir, "'");
  }
  ONYX_ASSIGN_OR_RETURN(a.clip, info.attr_float("clip", 0.0f));
  if (a.clip < 0) return info.error(StatusCode::kInvalidGraph, "clip must be positive");
  if (info.opset() >= 14) {
    ONYX_ASSIGN_OR_RETURN(a.layout, info.attr_int("layout", 0));
    if (a.layout != 0 && a.layout != 1) {
      return info.error(StatusCode::kInvalidGraph, "layout must be 0 or 1");
    }
  }
  ONYX_ASSIGN_OR_RETURN(std::vector<std::string> names, info.attr_strings("activations", {}));
  if (names.empty()) {
    for (int d = 0; d < a.num_directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != defaults.size() * static_cast<size_t>(a.num_directions)) {
    return info.error(StatusCode::kInvalidGraph, "expected ", defaults.size() * a.num_directions,
                      " activations, got ", names.size());
  }
  ONYX_ASSIGN_OR_RETURN(std::vector<float> alphas, info.attr_floats("activation_alpha", {}));
  ONYX_ASSIGN_OR_RETURN(std::vector<float> betas, info.attr_floats("activation_beta", {}));
  size_t ai = 0, bi = 0;
  for (const std::string& n : names) {
    const std::string l = lower(n);
    const ActSpec* spec = nullptr;
    for (const ActSpec& s : kActs) {
      if (l == s.name) spec = &s;
    }
    if (spec == nullptr) return info.error(StatusCode::kNotImplemented, "unsupported activation '", n, "'");
    Activation act{spec->kind, spec->alpha, spec->beta};
    if (spec->uses_alpha && ai < alphas.size()) act.alpha = alphas[ai++];
    if (spec->uses_beta && bi < betas.size()) act.beta = betas[bi++];
    a.acts.push_back(act);
  }
  return a;
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
             int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // BLAS may skip the beta scaling; do it here.
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0 ? 0 : C[i * ldc + j] * beta;
    }
    return;
  }
  // oneDNN, like linalg::gemm (docs/performance.md).
  dnnl_sgemm('N', 'T', M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
             int64_t ldb, double beta, double* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0 ? 0 : C[i * ldc + j] * beta;
    }
    return;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), 1.0, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta, C,
              static_cast<int>(ldc));
}

}  // namespace onyx::rnn
