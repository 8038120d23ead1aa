// onyx FusedMatMul (docs/fused-ops.md): Y = act(alpha * A @ op(B) + bias), numpy.matmul
// batching and broadcasting of A [.., M, K] and B [.., K, N] (op(B) = B^T over its last two
// axes when transB = 1), bias of shape [N] (optional), activation as FusedConv's. The optimizer
// makes it from MatMul + Add(bias) + activation, Gemm + activation, MatMul + scalar Mul/Div and
// MatMul(A, Transpose(B)); the bias and activation are applied in one pass over Y, while it is
// still in cache, instead of three.
#include <memory>
#include <mutex>
#include <vector>

#include "ops/common/activation.h"
#include "ops/common/broadcast.h"
#include "ops/common/pointwise_gemv.h"
#include "ops/common/simd_dispatch.h"
#include "ops/linalg/dnnl_matmul.h"
#include "ops/linalg/gemm.h"
#include "ops/linalg/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class FusedMatMul final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const int64_t tb, info.attr_int("transB", 0));
    trans_b_ = tb != 0;
    ONYX_ASSIGN_OR_RETURN(alpha_, info.attr_float("alpha", 1.f));
    ONYX_ASSIGN_OR_RETURN(activation_, read_activation_attrs(info));
    pack_constant_weights(info);
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    const Tensor* bias = ctx.input(2);
    if (a->dtype() != DataType::kFloat || b->dtype() != DataType::kFloat ||
        (bias != nullptr && bias->dtype() != DataType::kFloat)) {
      return ctx.invalid_argument("FusedMatMul takes float tensors");
    }
    if (a->rank() < 1 || b->rank() < 2) {
      return ctx.invalid_argument("A must have rank >= 1 and B rank >= 2, got ",
                                  shape_to_string(a->shape()), " and ",
                                  shape_to_string(b->shape()));
    }
    // A of rank 1 is a single row (numpy.matmul), whose M dimension the output drops.
    const bool vector_a = a->rank() == 1;
    const Shape as = vector_a ? Shape{1, a->dim(0)} : a->shape();
    const Shape& bs = b->shape();
    const int64_t M = as[as.size() - 2], K = as.back();
    const int64_t K2 = trans_b_ ? bs.back() : bs[bs.size() - 2];
    const int64_t N = trans_b_ ? bs[bs.size() - 2] : bs.back();
    if (K != K2) {
      return ctx.invalid_argument("inner dimensions differ: A ", shape_to_string(as), ", B ",
                                  shape_to_string(bs), trans_b_ ? " (transposed)" : "");
    }
    if (bias != nullptr && bias->numel() != N) {
      return ctx.invalid_argument("bias must hold N = ", N, " values, got shape ",
                                  shape_to_string(bias->shape()));
    }
    const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
    auto out_batch = broadcast_shapes({a_batch, b_batch});
    if (!out_batch.ok()) return ctx.invalid_argument(out_batch.status().message());
    Shape out_shape = *out_batch;
    if (!vector_a) out_shape.push_back(M);
    out_shape.push_back(N);
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, out_shape);
    const int64_t batches = shape_numel(*out_batch);
    if (y.numel() == 0) return Status::OK();
    const float* A = a->data<float>();
    const float* B = b->data<float>();
    float* C = y.data<float>();
    const int64_t ldb = bs.back();
    if (shape_numel(b_batch) == 1 && shape_numel(a_batch) == batches) {
      // x @ W: A's batch folds into M, one GEMM; with W packed at load, bias and activation
      // inside oneDNN's matmul.
      if (packed_ != nullptr) {
        // B is the constant packed at load (a constant input cannot be fed), and its own data
        // may have been released: only the packed copy is read.
        const float* bp = bias != nullptr ? bias->data<float>() : nullptr;
        if (batches * M == 1 && bias_is_packed_constant(bias)) {
          row_gemv()->run(A, C, 1, false, activation_, ctx.pool());
          return Status::OK();
        }
        ONYX_ASSIGN_OR_RETURN(const bool done, packed_->run(batches * M, A, bp, C, ctx.pool()));
        if (done) return Status::OK();
        std::vector<float> plain(static_cast<size_t>(K * N));
        packed_->unpack(plain.data());
        linalg::gemm<float>(false, false, batches * M, N, K, alpha_, A, K, plain.data(), N, 0.f,
                            C, N);
      } else {
        linalg::gemm<float>(false, trans_b_, batches * M, N, K, alpha_, A, K, B, ldb, 0.f, C, N);
      }
    } else {
      std::vector<int64_t> a_off(static_cast<size_t>(batches)), b_off(static_cast<size_t>(batches));
      const std::vector<int64_t> strides[2] = {broadcast_strides(a_batch, *out_batch),
                                               broadcast_strides(b_batch, *out_batch)};
      for_each_broadcast<2>(*out_batch, strides, [&](int64_t o, const int64_t* idx) {
        a_off[static_cast<size_t>(o)] = idx[0];
        b_off[static_cast<size_t>(o)] = idx[1];
      });
      parallel_for(ctx.pool(), batches, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
          linalg::gemm<float>(false, trans_b_, M, N, K, alpha_, A + a_off[i] * M * K, K,
                              B + b_off[i] * K * N, ldb, 0.f, C + i * M * N, N);
        }
      });
    }
    const float* bp = bias != nullptr ? bias->data<float>() : nullptr;
    if (bp == nullptr && activation_.kind == Activation::kNone) return Status::OK();
    const int64_t rows = batches * M;
    // Transcendental activations (GELU, tanh, sigmoid) go to oneDNN's vectorized kernels over
    // the whole output after the bias; the cheap ones run in the bias loop.
    const bool vectorized =
        activation_.kind != Activation::kNone &&
        dnnl_activation_applies(activation_, y.numel());
    parallel_for(ctx.pool(), rows, 16, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        float* row = C + r * N;
        if (bp != nullptr) {
          simd::with_widest_simd([&]() ONYX_SIMD_BODY {
            for (int64_t j = 0; j < N; ++j) row[j] += bp[j];
          });
        }
        if (!vectorized) apply_activation(activation_, row, N);
      }
    });
    if (vectorized) apply_activation_vectorized(activation_, C, y.numel(), ctx.pool());
    return Status::OK();
  }

 private:
  // A constant 2-D B is packed once, at load, for oneDNN's matmul, which also applies bias and
  // activation. With the weights cold in memory, as they are in a model, that beats sgemm
  // (which packs B on every call): BERT-base's products 5-10% faster (docs/performance.md).
  // The original is then released (packed_constant_inputs), so the weights are held once.
  void pack_constant_weights(const KernelInfo& info) {
    const Tensor* b = info.constant_input(1);
    if (b == nullptr || b->dtype() != DataType::kFloat || b->rank() < 2 || alpha_ != 1.f) {
      return;
    }
    for (size_t d = 0; d + 2 < b->rank(); ++d) {
      if (b->dim(d) != 1) return;
    }
    const int64_t r = b->dim(b->rank() - 2), c = b->dim(b->rank() - 1);
    const int64_t K = trans_b_ ? c : r, N = trans_b_ ? r : c;
    if (K <= 0 || N <= 0) return;
    auto made = linalg::PackedMatMul::create(K, N, trans_b_, b->data<float>(), info.has_input(2),
                                              activation_);
    if (!made.ok()) return;
    packed_ = std::move(*made);
    packed_k_ = K;
    packed_n_ = N;
    const Tensor* bias = info.constant_input(2);
    if (!info.has_input(2) || (bias != nullptr && bias->dtype() == DataType::kFloat &&
                               bias->numel() == N)) {
      constant_bias_ = bias != nullptr ? *bias : Tensor();
      gemv_ok_ = true;
    }
  }

  // The bias given to a run is the constant seen at load (or there is none, as at load).
  bool bias_is_packed_constant(const Tensor* bias) const {
    if (!gemv_ok_) return false;
    if (bias == nullptr) return !constant_bias_.defined();
    return constant_bias_.defined() && bias->raw_data() == constant_bias_.raw_data();
  }

  // One row against the packed constant (a batch-1 classifier head): a matrix-vector product,
  // which our kernel streams faster than oneDNN's matmul does with M = 1 (EfficientNet-B0's
  // 1280 x 1000 head, one thread: 0.38 -> 0.20 ms, ORT 0.28; docs/performance.md). Made on
  // first use from the packed copy, so sessions that never run a single row hold the weights
  // once.
  const PointwiseGemv* row_gemv() const {
    std::call_once(gemv_once_, [&] {
      const int64_t K = packed_k_, N = packed_n_;
      std::vector<float> kn(static_cast<size_t>(K * N)), nk(static_cast<size_t>(K * N));
      packed_->unpack(kn.data());
      for (int64_t k = 0; k < K; ++k) {
        for (int64_t n = 0; n < N; ++n) nk[static_cast<size_t>(n * K + k)] = kn[static_cast<size_t>(k * N + n)];
      }
      gemv_ = std::make_unique<PointwiseGemv>(
          nk.data(), constant_bias_.defined() ? constant_bias_.data<float>() : nullptr, N, K);
    });
    return gemv_.get();
  }

  std::vector<size_t> packed_constant_inputs() const override {
    return packed_ != nullptr ? std::vector<size_t>{1} : std::vector<size_t>{};
  }
  // B as it was: [K, N], or [N, K] with transB.
  Result<Tensor> unpack_constant(size_t input) const override {
    if (input != 1 || packed_ == nullptr) return OpKernel::unpack_constant(input);
    const int64_t K = packed_k_, N = packed_n_;
    Tensor kn(DataType::kFloat, {K, N});
    packed_->unpack(kn.data<float>());
    if (!trans_b_) return kn;
    Tensor nk(DataType::kFloat, {N, K});
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) nk.data<float>()[n * K + k] = kn.data<float>()[k * N + n];
    }
    return nk;
  }

  std::unique_ptr<linalg::PackedMatMul> packed_;
  int64_t packed_k_ = 0, packed_n_ = 0;
  bool gemv_ok_ = false;   // a single row may take row_gemv()
  Tensor constant_bias_;   // the bias input when constant (kept: the gemv folds it in)
  mutable std::once_flag gemv_once_;
  mutable std::unique_ptr<PointwiseGemv> gemv_;
  bool trans_b_ = false;
  float alpha_ = 1.f;
  ActivationSpec activation_;
};

}  // namespace

void register_fused_matmul(KernelRegistry& r) {
  r.add<FusedMatMul, TypeList<float>>("onyx", "FusedMatMul", 1, 1);
}

}  // namespace onyx
