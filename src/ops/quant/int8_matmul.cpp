#include "ops/quant/int8_matmul.h"

#include <atomic>
#include <string>

#include "ops/common/dnnl_engine.h"
#include "ops/common/dnnl_packed_matmul.h"

namespace onyx::quant {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

namespace {

std::atomic<bool> g_enabled{true};

}  // namespace

bool exact_int8_dot_available() {
  static const bool available = [] {
    // The ISA values nest by bits: avx512_core_vnni's are a subset of avx512_core_bf16's and
    // avx512_core_amx's; avx2_vnni is its own branch.
    const auto bits = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    const auto has = [&](dnnl::cpu_isa want) {
      const auto w = static_cast<unsigned>(want);
      return (bits & w) == w;
    };
    return has(dnnl::cpu_isa::avx512_core_vnni) || has(dnnl::cpu_isa::avx2_vnni);
  }();
  return available;
}

void set_int8_matmul_enabled_for_testing(bool enabled) {
  g_enabled = enabled;
}

bool int8_fast_path_enabled() { return g_enabled && exact_int8_dot_available(); }

PackedInt8MatMul::PackedInt8MatMul(std::unique_ptr<dnnl_util::PackedWeightsMatMul> core)
    : core_(std::move(core)) {}
PackedInt8MatMul::~PackedInt8MatMul() = default;

std::unique_ptr<PackedInt8MatMul> PackedInt8MatMul::create(int64_t K, int64_t N, const int8_t* b) {
  if (!int8_fast_path_enabled() || K <= 0 || N <= 0) return nullptr;
  try {
    const memory user(memory::desc({K, N}, dt::s8, tag::ab), dnnl_cpu_engine(),
                      const_cast<int8_t*>(b));
    auto core = std::make_unique<dnnl_util::PackedWeightsMatMul>(
        K, N, dnnl_util::PackedWeightsMatMul::Types{dt::u8, dt::s8, dt::s32}, false,
        dnnl::primitive_attr(), user, /*same_kernel=*/true);
    // Only kernels built on the exact dot products (their names say which ISA they use).
    const std::string& impl = core->impl_name();
    if (impl.find("vnni") == std::string::npos && impl.find("amx") == std::string::npos) {
      return nullptr;
    }
    std::unique_ptr<PackedInt8MatMul> self(new PackedInt8MatMul(std::move(core)));
    self->K_ = K;
    self->N_ = N;
    return self;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

size_t PackedInt8MatMul::packed_bytes() const {
  return core_->packed_bytes();
}

void PackedInt8MatMul::unpack(int8_t* b) const {
  core_->unpack(memory(memory::desc({K_, N_}, dt::s8, tag::ab), dnnl_cpu_engine(), b));
}

Result<bool> PackedInt8MatMul::run(int64_t M, const uint8_t* a, int32_t* c,
                                   const ThreadPool* pool) const {
  return core_->run(M, a, nullptr, c, pool);
}

}  // namespace onyx::quant
