// MatMul: numpy.matmul semantics (batched, broadcasting batch dims, 1-D operands promoted to a
// matrix and the added dim removed from the result).
#include <vector>

#include "ops/common/broadcast.h"
#include "ops/linalg/convert.h"
#include "ops/linalg/gemm.h"
#include "ops/linalg/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using MatMulTypes =
    TypeList<float, double, float16, bfloat16, int32_t, int64_t, uint32_t, uint64_t>;

// Multiplies the (broadcast) batches of A [.., M, K] and B [.., K, N] into C [batch, M, N].
template <typename T>
void batched_matmul(const T* A, const T* B, T* C, const Shape& a_batch, const Shape& b_batch,
                    const Shape& out_batch, int64_t M, int64_t N, int64_t K, ThreadPool* pool) {
  const int64_t batches = shape_numel(out_batch);
  if (batches == 0 || M == 0 || N == 0) return;
  const int64_t a_batches = shape_numel(a_batch), b_batches = shape_numel(b_batch);
  // x @ W with one W (the transformer/linear case): fold A's batch into M, one big GEMM.
  if (b_batches == 1 && a_batches == batches) {
    linalg::gemm<T>(false, false, batches * M, N, K, 1, A, K, B, N, 0, C, N);
    return;
  }
  std::vector<int64_t> a_off(batches), b_off(batches);
  const std::vector<int64_t> strides[2] = {broadcast_strides(a_batch, out_batch),
                                           broadcast_strides(b_batch, out_batch)};
  for_each_broadcast<2>(out_batch, strides, [&](int64_t o, const int64_t* idx) {
    a_off[o] = idx[0];
    b_off[o] = idx[1];
  });
  auto one = [&](int64_t i) {
    linalg::gemm<T>(false, false, M, N, K, 1, A + a_off[i] * M * K, K, B + b_off[i] * K * N, N,
                    0, C + i * M * N, N);
  };
  // Small matrices (attention heads): parallelize over batches. Large ones: BLAS threads itself.
  if (M * N * K < (int64_t{1} << 18)) {
    parallel_for(pool, batches, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) one(i);
    });
  } else {
    for (int64_t i = 0; i < batches; ++i) one(i);
  }
}

class MatMul final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* a, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* b, ctx.required_input(1));
    if (a->dtype() != b->dtype()) {
      return ctx.invalid_argument("A and B must have the same element type, got ",
                                  data_type_name(a->dtype()), " and ", data_type_name(b->dtype()));
    }
    if (a->rank() == 0 || b->rank() == 0) {
      return ctx.invalid_argument("MatMul operands must have rank >= 1, got shapes ",
                                  shape_to_string(a->shape()), " and ",
                                  shape_to_string(b->shape()));
    }
    Shape as = a->shape(), bs = b->shape();
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    const int64_t M = as[as.size() - 2], K = as.back();
    const int64_t K2 = bs[bs.size() - 2], N = bs.back();
    if (K != K2) {
      return ctx.invalid_argument("inner dimensions differ: A ", shape_to_string(a->shape()),
                                  ", B ", shape_to_string(b->shape()));
    }
    const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
    auto out_batch = broadcast_shapes({a_batch, b_batch});
    if (!out_batch.ok()) return ctx.invalid_argument(out_batch.status().message());
    Shape out_shape = *out_batch;
    if (!a_vec) out_shape.push_back(M);
    if (!b_vec) out_shape.push_back(N);
    Tensor& y = ctx.allocate_output(0, a->dtype(), out_shape);
    ThreadPool* pool = ctx.pool();
    return dispatch<MatMulTypes>(a->dtype(), [&]<typename T>() -> Status {
      if constexpr (linalg::is_half_v<T>) {
        const std::vector<float> fa = linalg::widen(a->data<T>(), a->numel(), pool);
        const std::vector<float> fb = linalg::widen(b->data<T>(), b->numel(), pool);
        std::vector<float> fc(static_cast<size_t>(y.numel()));
        batched_matmul<float>(fa.data(), fb.data(), fc.data(), a_batch, b_batch, *out_batch, M,
                              N, K, pool);
        linalg::convert_buffer(fc.data(), y.data<T>(), y.numel(), pool);
      } else {
        batched_matmul<T>(a->data<T>(), b->data<T>(), y.data<T>(), a_batch, b_batch, *out_batch,
                          M, N, K, pool);
      }
      return Status::OK();
    });
  }
};

}  // namespace

void register_matmul(KernelRegistry& r) {
  r.add_versions<MatMul, MatMulTypes>("", "MatMul", {1, 9, 13});
}

}  // namespace onyx
