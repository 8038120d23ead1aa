#include "ops/linalg/dnnl_matmul.h"

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_packed_matmul.h"
#include "ops/common/dnnl_util.h"

namespace onyx::linalg {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

PackedMatMul::PackedMatMul(std::unique_ptr<dnnl_util::PackedWeightsMatMul> core)
    : core_(std::move(core)) {}
PackedMatMul::~PackedMatMul() = default;

Result<std::unique_ptr<PackedMatMul>> PackedMatMul::create(int64_t K, int64_t N, bool trans_b,
                                                           const float* b, bool has_bias,
                                                           const ActivationSpec& activation) {
  try {
    dnnl::primitive_attr attr;
    dnnl::post_ops po;
    dnnl_util::append_activation(po, activation);
    attr.set_post_ops(po);
    // B^T: the [K, N] matrix whose memory is [N, K] row-major, i.e. column-major [K, N].
    const memory user(memory::desc({K, N}, dt::f32, trans_b ? tag::ba : tag::ab), dnnl_cpu_engine(),
                      const_cast<float*>(b));
    auto core = std::make_unique<dnnl_util::PackedWeightsMatMul>(
        K, N, dnnl_util::PackedWeightsMatMul::Types{dt::f32, dt::f32, dt::f32}, has_bias, attr,
        user);
    std::unique_ptr<PackedMatMul> self(new PackedMatMul(std::move(core)));
    self->K_ = K;
    self->N_ = N;
    return self;
  } catch (const dnnl::error& e) {
    return NotImplemented("oneDNN matmul: ", e.what());
  }
}

size_t PackedMatMul::packed_bytes() const {
  return core_->packed_bytes();
}

void PackedMatMul::unpack(float* b) const {
  core_->unpack(memory(memory::desc({K_, N_}, dt::f32, tag::ab), dnnl_cpu_engine(), b));
}

Result<bool> PackedMatMul::run(int64_t M, const float* a, const float* bias, float* c,
                               const ThreadPool* pool) const {
  return core_->run(M, a, bias, c, pool);
}

}  // namespace onyx::linalg
