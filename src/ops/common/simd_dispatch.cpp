#include "ops/common/simd_dispatch.h"

#include <atomic>

namespace onyx::simd {

namespace {

Isa detect() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2")) {
    return Isa::kAvx2;
  }
#endif
  return Isa::kBaseline;
}

std::atomic<int> g_limit{static_cast<int>(Isa::kAvx512)};

}  // namespace

Isa widest_isa() {
  static const Isa cpu = detect();
  const int limit = g_limit.load(std::memory_order_relaxed);
  return static_cast<int>(cpu) < limit ? cpu : static_cast<Isa>(limit);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    case Isa::kBaseline: return "baseline";
  }
  return "?";
}

void set_simd_limit_for_testing(Isa limit) {
  g_limit.store(static_cast<int>(limit), std::memory_order_relaxed);
}

}  // namespace onyx::simd
