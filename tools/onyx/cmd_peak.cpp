// onyx peak: the float multiply-add ceiling of this machine. Each of N threads runs 16
// independent FMA chains on the widest vectors the CPU has (AVX-512, AVX2 + FMA, or SSE
// multiply + add), registers only, so nothing but the arithmetic units is timed. No float kernel
// can beat that rate; bench/run.py divides each model's multiply-add work by it to show how much
// of a latency ratio is left to win without doing less arithmetic (docs/performance.md).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ONYX_PEAK_X86 1
#endif

#include "cli.h"
#include "cli_util.h"

namespace onyx::cli {

namespace {

// 16 chains: enough to cover an FMA latency of 4-5 cycles on two ports. Written out, because a
// loop over an array of accumulators is not always kept in registers.
#define ONYX_PEAK_CHAINS(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

#ifdef ONYX_PEAK_X86
__attribute__((target("avx512f"))) float chains_avx512(int64_t reps) {
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
#define DECL(i) __m512 a##i = _mm512_set1_ps(1.0f + (i));
  ONYX_PEAK_CHAINS(DECL)
#undef DECL
  for (int64_t r = 0; r < reps; ++r) {
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, m, c);
    ONYX_PEAK_CHAINS(STEP)
#undef STEP
  }
  __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, a##i);
  ONYX_PEAK_CHAINS(SUM)
#undef SUM
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  return t;
}

__attribute__((target("avx2,fma"))) float chains_avx2(int64_t reps) {
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
#define DECL(i) __m256 a##i = _mm256_set1_ps(1.0f + (i));
  ONYX_PEAK_CHAINS(DECL)
#undef DECL
  for (int64_t r = 0; r < reps; ++r) {
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, m, c);
    ONYX_PEAK_CHAINS(STEP)
#undef STEP
  }
  __m256 s = _mm256_setzero_ps();
#define SUM(i) s = _mm256_add_ps(s, a##i);
  ONYX_PEAK_CHAINS(SUM)
#undef SUM
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  float t = 0;
  for (float v : lanes) t += v;
  return t;
}

float chains_sse(int64_t reps) {
  const __m128 m = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-6f);
#define DECL(i) __m128 a##i = _mm_set1_ps(1.0f + (i));
  ONYX_PEAK_CHAINS(DECL)
#undef DECL
  for (int64_t r = 0; r < reps; ++r) {
#define STEP(i) a##i = _mm_add_ps(_mm_mul_ps(a##i, m), c);
    ONYX_PEAK_CHAINS(STEP)
#undef STEP
  }
  __m128 s = _mm_setzero_ps();
#define SUM(i) s = _mm_add_ps(s, a##i);
  ONYX_PEAK_CHAINS(SUM)
#undef SUM
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#else
// Scalar chains for other targets (the compiler may vectorize them, which only helps).
float chains_scalar(int64_t reps) {
  float a[16];
  for (int i = 0; i < 16; ++i) a[i] = 1.0f + static_cast<float>(i);
  for (int64_t r = 0; r < reps; ++r) {
    for (float& v : a) v = v * 0.999999f + 1e-6f;
  }
  float s = 0;
  for (float v : a) s += v;
  return s;
}
#endif

#undef ONYX_PEAK_CHAINS

struct Kernel {
  const char* isa;
  int lanes;
  float (*run)(int64_t);
};

Kernel widest_kernel() {
#ifdef ONYX_PEAK_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"avx512", 16, chains_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {"avx2+fma", 8, chains_avx2};
  }
  return {"sse", 4, chains_sse};
#else
  return {"scalar", 1, chains_scalar};
#endif
}

// GFLOP/s of one thread over `reps` repetitions (2 flops per lane per chain per repetition).
double rate(const Kernel& k, int64_t reps, volatile float* sink) {
  const auto t0 = std::chrono::steady_clock::now();
  *sink = k.run(reps);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * 16 * k.lanes * static_cast<double>(reps) / s / 1e9;
}

constexpr const char* kUsage =
    "usage: onyx peak [--threads N] [--json]\n"
    "  The float multiply-add peak of N threads at once (default 1), each running independent\n"
    "  chains of fused multiply-adds on the widest SIMD registers of the CPU.";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "onyx peak: %s\n%s\n", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int cmd_peak(const std::vector<std::string>& args) {
  long long threads = 1;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--threads") {
      const auto n = i + 1 < args.size() ? parse_int(args[++i]) : std::nullopt;
      if (!n || *n < 1 || *n > 4096) return usage_error("--threads needs a number >= 1");
      threads = *n;
    } else if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("%s\n", kUsage);
      return 0;
    } else {
      return usage_error("unknown argument '" + a + "'");
    }
  }
  const Kernel k = widest_kernel();
  // About 0.1 s per measurement at 100 GFLOP/s; the best of 5 on each thread (a busy moment on
  // the machine only lowers a rate, never raises it).
  const int64_t reps = int64_t{1} << 21;
  std::vector<double> best(static_cast<size_t>(threads), 0.0);
  std::vector<float> sinks(static_cast<size_t>(threads));
  for (int round = 0; round < 5; ++round) {
    std::vector<std::thread> pool;
    for (long long t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const double r = rate(k, reps, &sinks[static_cast<size_t>(t)]);
        best[static_cast<size_t>(t)] = std::max(best[static_cast<size_t>(t)], r);
      });
    }
    for (auto& th : pool) th.join();
  }
  double total = 0;
  for (double r : best) total += r;
  if (json) {
    std::printf("{\"isa\": \"%s\", \"threads\": %lld, \"gflops\": %.2f, \"per_thread_gflops\": [",
                k.isa, threads, total);
    for (size_t t = 0; t < best.size(); ++t) std::printf("%s%.2f", t ? ", " : "", best[t]);
    std::printf("]}\n");
    return 0;
  }
  std::printf("isa:      %s (%d float lanes)\n", k.isa, k.lanes);
  std::printf("threads:  %lld\n", threads);
  std::printf("peak:     %.1f GFLOP/s (%.1f per thread)\n", total,
              total / static_cast<double>(threads));
  return 0;
}

}  // namespace onyx::cli
