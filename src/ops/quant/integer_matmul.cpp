// MatMulInteger and QLinearMatMul: numpy.matmul semantics (batched, broadcasting batch dims,
// 1-D operands promoted) over int8/uint8 operands with per-tensor, per-row (A) / per-column (B)
// zero points; int32 accumulation (exact, see int_gemm.h). QLinearMatMul requantizes:
//   y = saturate(round_half_even(acc * (a_scale * b_scale / y_scale)) + y_zero_point)
// with the multiplier computed in the scales' type, as ONNX's reference does.
#include <memory>
#include <vector>

#include "ops/common/broadcast.h"
#include "ops/common/simd_dispatch.h"
#include "ops/linalg/gemm.h"
#include "ops/quant/int8_matmul.h"
#include "ops/quant/int_gemm.h"
#include "ops/quant/quant_util.h"
#include "ops/quant/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using quant::VecParam;

struct MatMulPlan {
  Shape out_shape, a_batch, b_batch, out_batch;
  int64_t M = 0, N = 0, K = 0, batches = 0;
  std::vector<int64_t> a_off, b_off;  // batch index of A and B for each output batch
};

Result<MatMulPlan> plan_matmul(const Shape& a_shape, const Shape& b_shape) {
  if (a_shape.empty() || b_shape.empty()) {
    return InvalidArgument("operands must have rank >= 1, got shapes ", shape_to_string(a_shape),
                           " and ", shape_to_string(b_shape));
  }
  MatMulPlan p;
  Shape as = a_shape, bs = b_shape;
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  p.M = as[as.size() - 2];
  p.K = as.back();
  p.N = bs.back();
  if (p.K != bs[bs.size() - 2]) {
    return InvalidArgument("inner dimensions differ: A ", shape_to_string(a_shape), ", B ",
                           shape_to_string(b_shape));
  }
  p.a_batch.assign(as.begin(), as.end() - 2);
  p.b_batch.assign(bs.begin(), bs.end() - 2);
  ONYX_ASSIGN_OR_RETURN(p.out_batch, broadcast_shapes({p.a_batch, p.b_batch}));
  p.out_shape = p.out_batch;
  if (!a_vec) p.out_shape.push_back(p.M);
  if (!b_vec) p.out_shape.push_back(p.N);
  p.batches = shape_numel(p.out_batch);
  p.a_off.resize(static_cast<size_t>(p.batches));
  p.b_off.resize(static_cast<size_t>(p.batches));
  const std::vector<int64_t> strides[2] = {broadcast_strides(p.a_batch, p.out_batch),
                                           broadcast_strides(p.b_batch, p.out_batch)};
  for_each_broadcast<2>(p.out_batch, strides, [&](int64_t o, const int64_t* idx) {
    p.a_off[static_cast<size_t>(o)] = idx[0];
    p.b_off[static_cast<size_t>(o)] = idx[1];
  });
  return p;
}

template <typename F>
void batched_gemm(const F* A, const F* B, F* C, const MatMulPlan& p, ThreadPool* pool) {
  const int64_t M = p.M, N = p.N, K = p.K;
  if (p.batches == 0 || M == 0 || N == 0) return;
  if (shape_numel(p.b_batch) == 1 && shape_numel(p.a_batch) == p.batches) {
    linalg::gemm<F>(false, false, p.batches * M, N, K, 1, A, K, B, N, 0, C, N);
    return;
  }
  auto one = [&](int64_t i) {
    linalg::gemm<F>(false, false, M, N, K, 1, A + p.a_off[static_cast<size_t>(i)] * M * K, K,
                    B + p.b_off[static_cast<size_t>(i)] * K * N, N, 0, C + i * M * N, N);
  };
  if (M * N * K < (int64_t{1} << 18)) {
    parallel_for(pool, p.batches, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < p.batches; ++i) one(i);
  }
}

// acc[batches * M * N] = (A - a_zp) @ (B - b_zp), wrapped to int32.
Status int_matmul(const Tensor& a, const Tensor* azp, const Tensor& b, const Tensor* bzp,
                  const MatMulPlan& p, int32_t* acc, ThreadPool* pool) {
  for (const Tensor* t : {&a, &b}) {
    if (t->dtype() != DataType::kUInt8 && t->dtype() != DataType::kInt8) {
      return InvalidArgument("A and B must be int8 or uint8, got ", data_type_name(t->dtype()));
    }
  }
  if (azp != nullptr && azp->dtype() != a.dtype()) {
    return InvalidArgument("a_zero_point type ", data_type_name(azp->dtype()),
                           " differs from A type ", data_type_name(a.dtype()));
  }
  if (bzp != nullptr && bzp->dtype() != b.dtype()) {
    return InvalidArgument("b_zero_point type ", data_type_name(bzp->dtype()),
                           " differs from B type ", data_type_name(b.dtype()));
  }
  VecParam ap, bp;
  std::vector<int64_t> az, bz;
  if (azp != nullptr) {
    ONYX_ASSIGN_OR_RETURN(ap, quant::make_vec_param(*azp, p.a_batch, p.M, true, "a_zero_point"));
    ONYX_ASSIGN_OR_RETURN(az, quant::int_values(*azp));
  }
  if (bzp != nullptr) {
    ONYX_ASSIGN_OR_RETURN(bp, quant::make_vec_param(*bzp, p.b_batch, p.N, false, "b_zero_point"));
    ONYX_ASSIGN_OR_RETURN(bz, quant::int_values(*bzp));
  }
  const int64_t a_batches = shape_numel(p.a_batch), b_batches = shape_numel(p.b_batch);
  const int64_t total = p.batches * p.M * p.N;
  if (total == 0) return Status::OK();
  auto run = [&]<typename F>() {
    std::vector<F> wa(static_cast<size_t>(a.numel())), wb(static_cast<size_t>(b.numel()));
    quant::widen_minus_zp<F>(a, az, ap, true, a_batches, p.M, p.K, wa.data(), pool);
    quant::widen_minus_zp<F>(b, bz, bp, false, b_batches, p.K, p.N, wb.data(), pool);
    std::vector<F> c(static_cast<size_t>(total));
    batched_gemm<F>(wa.data(), wb.data(), c.data(), p, pool);
    parallel_for(pool, total, 1 << 14, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) acc[i] = quant::wrap_int32(static_cast<double>(c[i]));
    });
  };
  const int64_t max_a =
      quant::widen_minus_zp<float>(a, az, ap, true, a_batches, p.M, p.K, nullptr, pool);
  const int64_t max_b =
      quant::widen_minus_zp<float>(b, bz, bp, false, b_batches, p.K, p.N, nullptr, pool);
  if (quant::float_gemm_exact(p.K, max_a, max_b)) {
    run.template operator()<float>();
  } else {
    run.template operator()<double>();
  }
  return Status::OK();
}

class MatMulInteger final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    auto plan = plan_matmul(a->shape(), b->shape());
    if (!plan.ok()) return ctx.invalid_argument(plan.status().message());
    Tensor& y = ctx.allocate_output(0, DataType::kInt32, plan->out_shape);
    Status st = int_matmul(*a, ctx.input(2), *b, ctx.input(3), *plan, y.data<int32_t>(),
                           ctx.pool());
    if (!st.ok()) return ctx.invalid_argument(st.message());
    return Status::OK();
  }
};

// y[n] = saturate(round_half_even(acc[n] * mult[n]) + zp) for one output row, in double as the
// reference defines it (quant::round_saturate, NaN -> the zero point), eight lanes at a time for
// the widest SIMD this CPU has (the baseline build has no vector rounding). Adding and
// subtracting 1.5 * 2^52 rounds a double below 2^51 in magnitude to the nearest integer, ties to
// even; larger ones saturate either way. (This file is compiled without FMA contraction, so the
// product rounds before the addition, as in the reference.)
template <typename Q>
void requantize_row(const int32_t* acc, const double* mult, int64_t n, double zp, Q* y) {
  typedef double D8 __attribute__((vector_size(64)));
  typedef int32_t I8 __attribute__((vector_size(32)));
  typedef Q Q8 __attribute__((vector_size(8)));
  const double lo = static_cast<double>(quant::qmin<Q>), hi = static_cast<double>(quant::qmax<Q>);
  simd::with_widest_simd([&]() ONYX_SIMD_BODY {
    const D8 magic = D8{} + 6755399441055744.0, vzp = D8{} + zp, vlo = D8{} + lo, vhi = D8{} + hi;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      I8 a;
      D8 m;
      __builtin_memcpy(&a, acc + i, sizeof(a));
      __builtin_memcpy(&m, mult + i, sizeof(m));
      const D8 r = quant::round_saturate_lanes(__builtin_convertvector(a, D8) * m, magic, vzp,
                                               vlo, vhi);
      const Q8 q = __builtin_convertvector(__builtin_convertvector(r, I8), Q8);
      __builtin_memcpy(y + i, &q, sizeof(q));
    }
    for (; i < n; ++i) {
      y[i] = static_cast<Q>(quant::round_saturate(static_cast<double>(acc[i]) * mult[i], zp,
                                                  quant::qmin<Q>, quant::qmax<Q>));
    }
  });
}

// QLinearMatMul's fast path (int8_matmul.h), prepared at load for a constant int8 B [K, N]
// without zero points: B packed once for oneDNN's int8 matmul, A (uint8, or int8 moved to uint8
// by adding 128) multiplied in one product over all its rows, A's zero point taken off through
// B's column sums. The int32 sums are exactly the reference's, and the requantization below is
// shared, so the results are the reference's bit for bit.
class FastQLinearMatMul {
 public:
  // The product keeps every partial sum of u8 x s8 products below 2^31 in magnitude.
  static constexpr int64_t kMaxK = 65536;

  static std::unique_ptr<FastQLinearMatMul> prepare(const KernelInfo& info) {
    const Tensor* b = info.constant_input(3);
    if (b == nullptr || b->dtype() != DataType::kInt8 || b->rank() != 2 || b->dim(0) > kMaxK) {
      return nullptr;
    }
    if (info.has_input(5)) {
      const Tensor* z = info.constant_input(5);
      if (z == nullptr || z->dtype() != DataType::kInt8) return nullptr;
      for (int64_t i = 0; i < z->numel(); ++i) {
        if (z->data<int8_t>()[i] != 0) return nullptr;
      }
    }
    const int64_t K = b->dim(0), N = b->dim(1);
    auto packed = quant::PackedInt8MatMul::create(K, N, b->data<int8_t>());
    if (packed == nullptr) return nullptr;
    auto f = std::make_unique<FastQLinearMatMul>();
    f->packed_ = std::move(packed);
    f->colsum_.assign(static_cast<size_t>(N), 0);
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) f->colsum_[static_cast<size_t>(n)] += b->data<int8_t>()[k * N + n];
    }
    return f;
  }

  // acc[rows, N] = (A - a_zp) @ B for A's rows (all its leading dims); false when the packed
  // product cannot serve this row count.
  Result<bool> run(const Tensor& a, int64_t a_zp, int64_t rows, int32_t* acc,
                   const ThreadPool* pool) const {
    const uint8_t* au = static_cast<const uint8_t*>(a.raw_data());
    std::vector<uint8_t> shifted;
    int64_t zp = a_zp;
    if (a.dtype() == DataType::kInt8) {  // a + 128 is A as uint8, its zero point moves along
      shifted.resize(static_cast<size_t>(a.numel()));
      for (size_t i = 0; i < shifted.size(); ++i) shifted[i] = static_cast<uint8_t>(au[i] ^ 0x80u);
      au = shifted.data();
      zp += 128;
    }
    ONYX_ASSIGN_OR_RETURN(const bool done, packed_->run(rows, au, acc, pool));
    if (!done) return false;
    if (zp != 0) {
      const int64_t N = static_cast<int64_t>(colsum_.size());
      parallel_for(pool, rows, 16, [&](int64_t lo, int64_t hi) {
        for (int64_t r = lo; r < hi; ++r) {
          int32_t* row = acc + r * N;
          for (int64_t n = 0; n < N; ++n) {
            row[n] = static_cast<int32_t>(row[n] - zp * colsum_[static_cast<size_t>(n)]);
          }
        }
      });
    }
    return true;
  }

 private:
  std::unique_ptr<quant::PackedInt8MatMul> packed_;
  std::vector<int64_t> colsum_;
};

class QLinearMatMul final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    fast_ = FastQLinearMatMul::prepare(info);
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* a_scale, ctx.required_input(1));
    const Tensor* azp = ctx.input(2);
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(3));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b_scale, ctx.required_input(4));
    const Tensor* bzp = ctx.input(5);
    ONYX_ASSIGN_OR_RETURN(const Tensor* y_scale, ctx.required_input(6));
    const Tensor* yzp = ctx.input(7);
    auto plan = plan_matmul(a->shape(), b->shape());
    if (!plan.ok()) return ctx.invalid_argument(plan.status().message());
    if (a_scale->dtype() != b_scale->dtype() || a_scale->dtype() != y_scale->dtype()) {
      return ctx.invalid_argument("a_scale, b_scale and y_scale must have the same type");
    }
    auto prec = quant::precision_of(a_scale->dtype());
    if (!prec.ok()) return ctx.invalid_argument("scales: ", prec.status().message());
    auto asp = quant::make_vec_param(*a_scale, plan->a_batch, plan->M, true, "a_scale");
    if (!asp.ok()) return ctx.invalid_argument(asp.status().message());
    auto bsp = quant::make_vec_param(*b_scale, plan->b_batch, plan->N, false, "b_scale");
    if (!bsp.ok()) return ctx.invalid_argument(bsp.status().message());
    if (y_scale->numel() != 1) {
      return ctx.invalid_argument("y_scale must be a scalar, got ",
                                  shape_to_string(y_scale->shape()));
    }
    if (yzp != nullptr && yzp->numel() != 1) {
      return ctx.invalid_argument("y_zero_point must be a scalar, got ",
                                  shape_to_string(yzp->shape()));
    }
    const DataType out_dt = yzp != nullptr ? yzp->dtype() : a->dtype();
    if (out_dt != DataType::kUInt8 && out_dt != DataType::kInt8) {
      return ctx.invalid_argument("y_zero_point must be int8 or uint8, got ",
                                  data_type_name(out_dt));
    }
    std::vector<double> as, bs, ys;
    for (auto [t, v] : {std::pair{a_scale, &as}, std::pair{b_scale, &bs}, std::pair{y_scale, &ys}}) {
      v->resize(static_cast<size_t>(t->numel()));
      (void)dispatch<FloatTypes>(t->dtype(), [&]<typename S>() -> Status {
        for (size_t i = 0; i < v->size(); ++i) (*v)[i] = quant::as_double(t->data<S>()[i]);
        return Status::OK();
      });
    }
    double yz = 0;
    if (yzp != nullptr) {
      auto z = quant::int_values(*yzp);
      if (!z.ok()) return ctx.invalid_argument(z.status().message());
      yz = static_cast<double>((*z)[0]);
    }
    const MatMulPlan& p = *plan;
    std::vector<int32_t> acc(static_cast<size_t>(p.batches * p.M * p.N));
    bool done = false;
    // The fast path: B as packed at load (2-D, so A's batches are just more rows), one A zero
    // point of A's type.
    if (fast_ != nullptr && b->rank() == 2 && a->rank() >= 2 &&
        (azp == nullptr || (azp->numel() == 1 && azp->dtype() == a->dtype()))) {
      int64_t za = 0;
      if (azp != nullptr) {
        auto z = quant::int_values(*azp);
        if (!z.ok()) return ctx.invalid_argument(z.status().message());
        za = (*z)[0];
      }
      ONYX_ASSIGN_OR_RETURN(done, fast_->run(*a, za, p.batches * p.M, acc.data(), ctx.pool()));
    }
    if (!done) {
      Status st = int_matmul(*a, azp, *b, bzp, p, acc.data(), ctx.pool());
      if (!st.ok()) return ctx.invalid_argument(st.message());
    }
    Tensor& y = ctx.allocate_output(0, out_dt, p.out_shape);
    auto requant = [&]<quant::Precision P, typename Q>() {
      Q* yp = y.data<Q>();
      const double y_s = quant::round_to<P>(ys[0]);
      auto mult = [&](int64_t ia, int64_t ib) {
        return quant::round_to<P>(
            quant::round_to<P>(quant::round_to<P>(as[static_cast<size_t>(ia)]) *
                               quant::round_to<P>(bs[static_cast<size_t>(ib)])) /
            y_s);
      };
      parallel_for(ctx.pool(), p.batches * p.M, 4, [&](int64_t lo, int64_t hi) {
        // The multipliers of one row, remade only when the row's (a scale, B batch) changes.
        std::vector<double> row_mult(static_cast<size_t>(p.N));
        int64_t made_ia = -1, made_bb = -1;
        for (int64_t bm = lo; bm < hi; ++bm) {
          const int64_t bi = bm / p.M, m = bm % p.M;
          const int64_t ba = p.a_off[static_cast<size_t>(bi)];
          const int64_t bb = p.b_off[static_cast<size_t>(bi)];
          const int64_t ia = asp->index(ba, m);
          if (ia != made_ia || bb != made_bb) {
            for (int64_t n = 0; n < p.N; ++n) row_mult[static_cast<size_t>(n)] = mult(ia, bsp->index(bb, n));
            made_ia = ia;
            made_bb = bb;
          }
          requantize_row(acc.data() + bm * p.N, row_mult.data(), p.N, yz, yp + bm * p.N);
        }
      });
      return Status::OK();
    };
    return quant::dispatch_requant(out_dt, *prec, requant);
  }

 private:
  std::unique_ptr<FastQLinearMatMul> fast_;
};

}  // namespace

void register_integer_matmul(KernelRegistry& r) {
  r.add_versions<MatMulInteger, quant::Int8Types>("", "MatMulInteger", {10});
  r.add_versions<QLinearMatMul, quant::Int8Types>("", "QLinearMatMul", {10, 21});
}

}  // namespace onyx
