// onyx DynamicQuantizeMatMul (docs/fused-ops.md): the dynamic int8 quantization of a float
// matrix product that onnxruntime.quantization.quantize_dynamic writes,
//   (a_q, a_scale, a_zp) = DynamicQuantizeLinear(A)
//   Y = Cast<float>(MatMulInteger(a_q, B, a_zp, b_zero_point)) * (a_scale * b_scale) [+ bias]
// as one node (the optimizer's fuse_dynamic_quantize_matmul). Inputs: A float [.., M, K] (or
// [K]); B int8 or uint8 [K, N]; b_scale float, one value or N; b_zero_point (optional) B's type,
// one value or N; bias (optional) float [N]. The result is bit for bit the graph's: A is
// quantized by the operator's own code (linear_quant.h), the int32 sums are exact, and the
// scale product, the conversion and the bias add are the same float operations. An activation
// (attributes `activation`, `activation_params`, as FusedMatMul's) may follow the bias.
// A uint8 A is taken as already quantized, with its scale and zero point as inputs 5 and 6
// (statically quantized DequantizeLinear -> MatMul / Gemm, qdq_fusion.cpp).
//
// With a constant B on a CPU with an exact int8 dot product (VNNI / AMX), B is packed once for
// oneDNN's int8 matmul, which computes sum(a_q * b) without zero points; the zero points then
// come in through B's column sums and A's row sums:
//   sum((a - za)(b - zb)) = sum(a b) - za * colsum(b) - zb * rowsum(a) + K * za * zb
// (uint8 B is shifted by -128 into int8 first, and its zero points with it). Otherwise the
// sums are computed exactly in double.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "ops/common/activation.h"
#include "ops/common/simd_dispatch.h"
#include "ops/linalg/gemm.h"
#include "ops/quant/int8_matmul.h"
#include "ops/quant/linear_quant.h"
#include "ops/quant/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

// The int8 product keeps every partial sum of u8 x s8 products below 2^31 in magnitude.
constexpr int64_t kMaxPackedK = 65536;

// Per-column values (one value repeated, or N of them) widened to `out`.
template <typename T, typename Out>
bool per_column(const Tensor& t, int64_t N, std::vector<Out>& out) {
  if (t.numel() != 1 && !(t.rank() == 1 && t.dim(0) == N)) return false;
  out.resize(static_cast<size_t>(N));
  const T* p = t.data<T>();
  for (int64_t n = 0; n < N; ++n)
    out[static_cast<size_t>(n)] = static_cast<Out>(p[t.numel() == 1 ? 0 : n]);
  return true;
}

// B's zero points as int32, N of them; B int8 or uint8.
Result<std::vector<int32_t>> b_zero_points(const Tensor* zp, DataType b_type, int64_t N) {
  std::vector<int32_t> out(static_cast<size_t>(N), 0);
  if (zp == nullptr) return out;
  if (zp->dtype() != b_type) {
    return InvalidArgument("b_zero_point must have B's type ", data_type_name(b_type), ", got ",
                           data_type_name(zp->dtype()));
  }
  const bool ok = b_type == DataType::kInt8 ? per_column<int8_t>(*zp, N, out)
                                            : per_column<uint8_t>(*zp, N, out);
  if (!ok) {
    return InvalidArgument("b_zero_point must hold 1 or N = ", N, " values, got shape ",
                           shape_to_string(zp->shape()));
  }
  return out;
}

class DynamicQuantizeMatMul final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(activation_, read_activation_attrs(info));
    const Tensor* b = info.constant_input(1);
    if (b == nullptr || b->rank() != 2 ||
        (b->dtype() != DataType::kInt8 && b->dtype() != DataType::kUInt8)) {
      return Status::OK();
    }
    const int64_t K = b->dim(0), N = b->dim(1);
    if (K > kMaxPackedK || (info.has_input(3) && info.constant_input(3) == nullptr)) {
      return Status::OK();
    }
    auto zp = b_zero_points(info.constant_input(3), b->dtype(), N);
    if (!zp.ok()) return Status::OK();  // compute() reports it
    // int8 values as they are; uint8 values (and their zero points) shifted by -128.
    const int32_t shift = b->dtype() == DataType::kUInt8 ? 128 : 0;
    std::vector<int8_t> b8(static_cast<size_t>(K * N));
    std::vector<int32_t> colsum(static_cast<size_t>(N), 0);
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) {
        const int32_t v =
            (b->dtype() == DataType::kUInt8 ? static_cast<int32_t>(b->data<uint8_t>()[k * N + n])
                                            : static_cast<int32_t>(b->data<int8_t>()[k * N + n])) -
            shift;
        b8[static_cast<size_t>(k * N + n)] = static_cast<int8_t>(v);
        colsum[static_cast<size_t>(n)] += v;
      }
    }
    packed_ = quant::PackedInt8MatMul::create(K, N, b8.data());
    if (packed_ == nullptr) return Status::OK();
    b_dtype_ = b->dtype();
    b_shape_ = b->shape();
    colsum_ = std::move(colsum);
    zb_ = std::move(*zp);
    for (int32_t& z : zb_) z -= shift;
    return Status::OK();
  }

  // B is read from the packed copy only, so the session may release its own.
  std::vector<size_t> packed_constant_inputs() const override {
    return packed_ != nullptr ? std::vector<size_t>{1} : std::vector<size_t>{};
  }
  // B as it was (uint8 values were shifted by -128 for the packed copy).
  Result<Tensor> unpack_constant(size_t input) const override {
    if (input != 1 || packed_ == nullptr) return OpKernel::unpack_constant(input);
    std::vector<int8_t> b8(static_cast<size_t>(b_shape_[0] * b_shape_[1]));
    packed_->unpack(b8.data());
    Tensor b(b_dtype_, b_shape_);
    for (size_t i = 0; i < b8.size(); ++i) {
      if (b_dtype_ == DataType::kUInt8) {
        b.data<uint8_t>()[i] = static_cast<uint8_t>(int32_t{b8[i]} + 128);
      } else {
        b.data<int8_t>()[i] = b8[i];
      }
    }
    return b;
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b_scale, ctx.required_input(2));
    const Tensor* b_zp = ctx.input(3);
    const Tensor* bias = ctx.input(4);
    // A already quantized (uint8, with its scale and zero point as inputs 5 and 6): the
    // statically quantized form, made from DequantizeLinear -> MatMul / Gemm (qdq_fusion.cpp).
    const bool static_a = a->dtype() == DataType::kUInt8;
    quant::DynamicQuantParams static_qp;
    if (static_a) {
      const Tensor* as = ctx.input(5);
      const Tensor* az = ctx.input(6);
      if (as == nullptr || az == nullptr || as->dtype() != DataType::kFloat || as->numel() != 1 ||
          az->dtype() != DataType::kUInt8 || az->numel() != 1) {
        return ctx.invalid_argument(
            "a uint8 A needs a_scale (float) and a_zero_point (uint8) scalars as inputs 5 and 6");
      }
      static_qp.scale = as->data<float>()[0];
      static_qp.zero_point = az->data<uint8_t>()[0];
    }
    if ((!static_a && a->dtype() != DataType::kFloat) || b_scale->dtype() != DataType::kFloat ||
        (bias != nullptr && bias->dtype() != DataType::kFloat)) {
      return ctx.invalid_argument("A must be float or uint8, b_scale and bias float");
    }
    if (b->dtype() != DataType::kInt8 && b->dtype() != DataType::kUInt8) {
      return ctx.invalid_argument("B must be int8 or uint8, got ", data_type_name(b->dtype()));
    }
    if (b->rank() != 2 || a->rank() < 1) {
      return ctx.invalid_argument("A must have rank >= 1 and B rank 2, got ",
                                  shape_to_string(a->shape()), " and ",
                                  shape_to_string(b->shape()));
    }
    const int64_t K = b->dim(0), N = b->dim(1);
    if (a->shape().back() != K) {
      return ctx.invalid_argument("inner dimensions differ: A ", shape_to_string(a->shape()),
                                  ", B ", shape_to_string(b->shape()));
    }
    std::vector<float> b_scales;
    if (!per_column<float>(*b_scale, N, b_scales)) {
      return ctx.invalid_argument("b_scale must hold 1 or N = ", N, " values, got shape ",
                                  shape_to_string(b_scale->shape()));
    }
    std::vector<float> bias_values;
    if (bias != nullptr &&
        !(bias->rank() == 1 && bias->dim(0) == N && per_column<float>(*bias, N, bias_values))) {
      return ctx.invalid_argument("bias must have shape [", N, "], got ",
                                  shape_to_string(bias->shape()));
    }
    auto zp = b_zero_points(b_zp, b->dtype(), N);
    if (!zp.ok()) return ctx.invalid_argument(zp.status().message());

    Shape out_shape = a->shape();
    out_shape.back() = N;  // a rank-1 A is one row, and the output is [N]
    Tensor& y = ctx.allocate_output(0, DataType::kFloat, out_shape);
    if (y.numel() == 0) return Status::OK();
    const int64_t rows = y.numel() / N;  // (A's element count is 0 when K is)

    // DynamicQuantizeLinear over the whole of A (unless A comes quantized).
    Tensor a_q;
    quant::DynamicQuantParams qp = static_qp;
    if (static_a) {
      a_q = a->reshaped({rows, K});
    } else {
      qp = quant::dynamic_quant_params(a->data<float>(), a->numel(), ctx.pool());
      a_q = Tensor(DataType::kUInt8, {rows, K});
      quant::quantize_u8(a->data<float>(), a->numel(), qp, a_q.data<uint8_t>(), ctx.pool());
    }
    // The int32 sums go into Y's own buffer, then become floats in place.
    auto* acc = reinterpret_cast<int32_t*>(y.data<float>());
    // A constant B and b_zero_point (as packed at load) cannot be fed at run time.
    std::vector<uint32_t> col_terms;
    const std::vector<int32_t>* row_zb = nullptr;  // zero points that need A's row sums
    if (packed_ != nullptr) {
      ONYX_ASSIGN_OR_RETURN(const bool done,
                            packed_->run(rows, a_q.data<uint8_t>(), acc, ctx.pool()));
      if (done) {
        col_terms = column_terms(qp.zero_point, K);
        if (std::any_of(zb_.begin(), zb_.end(), [](int32_t z) { return z != 0; })) row_zb = &zb_;
      } else {
        // A row count the packed layout cannot serve; B's own data may be gone.
        std::vector<int8_t> b8(static_cast<size_t>(K * N));
        packed_->unpack(b8.data());
        exact_sums(
            a_q, qp.zero_point, K, N,
            [&](int64_t k, int64_t n) {
              return int32_t{b8[static_cast<size_t>(k * N + n)]} - zb_[static_cast<size_t>(n)];
            },
            acc);
      }
    } else {
      const std::vector<int32_t>& zb = *zp;
      const bool s8 = b->dtype() == DataType::kInt8;
      exact_sums(
          a_q, qp.zero_point, K, N,
          [&](int64_t k, int64_t n) {
            const int32_t v =
                s8 ? int32_t{b->data<int8_t>()[k * N + n]} : int32_t{b->data<uint8_t>()[k * N + n]};
            return v - zb[static_cast<size_t>(n)];
          },
          acc);
    }

    // Y = float(acc) * (a_scale * b_scale) [+ bias]: the graph's Cast, Mul(a_scale, b_scale),
    // Mul and Add, in that order; the packed path's zero-point terms first, in int32.
    std::vector<float> scales(static_cast<size_t>(N));
    for (int64_t n = 0; n < N; ++n)
      scales[static_cast<size_t>(n)] = qp.scale * b_scales[static_cast<size_t>(n)];
    const float* sc = scales.data();
    const float* bp = bias != nullptr ? bias_values.data() : nullptr;
    const uint32_t* ct = col_terms.empty() ? nullptr : col_terms.data();
    const int32_t* zb = row_zb != nullptr ? row_zb->data() : nullptr;
    const uint8_t* aq = a_q.data<uint8_t>();
    float* out = y.data<float>();
    parallel_for(ctx.pool(), rows, 8, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        uint32_t rowsum = 0;
        if (zb != nullptr) {
          for (int64_t k = 0; k < K; ++k) rowsum += aq[r * K + k];
        }
        float* row = out + r * N;
        simd::with_widest_simd([&]() ONYX_SIMD_BODY {
          for (int64_t n = 0; n < N; ++n) {
            uint32_t v;
            std::memcpy(&v, row + n, sizeof(v));  // the int32 sum stored here
            if (ct != nullptr) v += ct[n];
            if (zb != nullptr) v -= static_cast<uint32_t>(zb[n]) * rowsum;
            const float f = static_cast<float>(static_cast<int32_t>(v)) * sc[n];
            row[n] = bp != nullptr ? f + bp[n] : f;
          }
        });
      }
      // The activation over blocks of rows still in cache (the same elementwise kernels as the
      // activation's own op).
      for (int64_t r = r0; r < r1 && activation_.kind != Activation::kNone; r += kActivationRows) {
        const int64_t n = (std::min(r1, r + kActivationRows) - r) * N;
        if (dnnl_activation_applies(activation_, n)) {
          apply_activation_vectorized(activation_, out + r * N, n, nullptr);
        } else {
          apply_activation(activation_, out + r * N, n);
        }
      }
    });
    return Status::OK();
  }

 private:
  // The packed product is sum_k a[r,k] * b8[k,n]; the graph's is
  // sum_k (a[r,k] - za)(b8[k,n] - zb8[n]) = that - za * colsum[n] - zb8[n] * rowsum[r]
  // + K * za * zb8[n]. The terms of column n that do not depend on the row, modulo 2^32.
  std::vector<uint32_t> column_terms(uint8_t za, int64_t K) const {
    std::vector<uint32_t> col(colsum_.size());
    const uint32_t uza = za;
    for (size_t n = 0; n < col.size(); ++n) {
      col[n] = static_cast<uint32_t>(K) * uza * static_cast<uint32_t>(zb_[n]) -
               uza * static_cast<uint32_t>(colsum_[n]);
    }
    return col;
  }

  // The reference: (a - za) and (b - zb) (b_minus_zp(k, n)) widened to double, one exact double
  // GEMM (|sums| <= K * 255 * 255 < 2^53), wrapped to int32 as an int32 accumulator would.
  template <typename BMinusZp>
  static void exact_sums(const Tensor& a_q, uint8_t za, int64_t K, int64_t N,
                         const BMinusZp& b_minus_zp, int32_t* acc) {
    const int64_t rows = a_q.dim(0);
    std::vector<double> aw(static_cast<size_t>(rows * K)), bw(static_cast<size_t>(K * N)),
        cw(static_cast<size_t>(rows * N));
    for (int64_t i = 0; i < rows * K; ++i) {
      aw[static_cast<size_t>(i)] = static_cast<double>(a_q.data<uint8_t>()[i]) - za;
    }
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) bw[static_cast<size_t>(k * N + n)] = b_minus_zp(k, n);
    }
    linalg::gemm<double>(false, false, rows, N, K, 1.0, aw.data(), K, bw.data(), N, 0.0, cw.data(),
                         N);
    for (int64_t i = 0; i < rows * N; ++i) {
      const auto exact = static_cast<int64_t>(cw[static_cast<size_t>(i)]);
      acc[i] = static_cast<int32_t>(static_cast<uint32_t>(exact));
    }
  }

  // Rows per activation call: 32 x 3072 floats (BERT's FFN) is 384 KB, within L2.
  static constexpr int64_t kActivationRows = 32;

  ActivationSpec activation_;
  std::unique_ptr<quant::PackedInt8MatMul> packed_;
  DataType b_dtype_ = DataType::kInt8;  // B as given, for unpack_constant
  Shape b_shape_;
  std::vector<int32_t> colsum_;  // of B shifted to int8
  std::vector<int32_t> zb_;      // B's zero points shifted like B
};

}  // namespace

void register_dynamic_quantize_matmul(KernelRegistry& r) {
  r.add<DynamicQuantizeMatMul, TypeList<float, uint8_t>>("onyx", "DynamicQuantizeMatMul", 1, 1);
}

}  // namespace onyx
