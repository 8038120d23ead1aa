// onyx peak: the float multiply-add ceiling of this machine. Each of N threads runs 16
// independent FMA chains on the widest vectors the CPU has (AVX-512, AVX2 + FMA, or SSE
// multiply + add: simd_dispatch's copies), registers only, so nothing but the arithmetic units
// is timed. No float kernel
// can beat that rate; bench/run.py divides each model's multiply-add work by it to show how much
// of a latency ratio is left to win without doing less arithmetic (docs/performance.md).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "cli_util.h"
#include "ops/common/simd_dispatch.h"

namespace onyx::cli {

namespace {

constexpr int kChains = 16;  // enough to cover an FMA latency of 4-5 cycles on two ports

// kChains independent chains a = a m + c of B-float vectors, `reps` steps each. This file is
// compiled with -ffp-contract=fast (CMakeLists.txt), so each step is one FMA where the ISA has
// it (a multiply and an add on the baseline).
template <int64_t B>
ONYX_SIMD_BODY inline float chains(int64_t reps) {
  using V = simd::floatv<B>;
  const V m = simd::broadcast<B>(0.999999f), c = simd::broadcast<B>(1e-6f);
  V a[kChains];
  for (int i = 0; i < kChains; ++i) a[i] = simd::broadcast<B>(2.0f + static_cast<float>(i));  // 1 is a fixed point of a m + c
  for (int64_t r = 0; r < reps; ++r) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) a[i] = a[i] * m + c;
  }
  V s{};
  for (int i = 0; i < kChains; ++i) s += a[i];
  float t = 0;
  for (int64_t i = 0; i < B; ++i) t += s[i];
  return t;
}

struct Kernel {
  const char* isa;
  int lanes;
  float (*run)(int64_t);
};

// One register's width of chains per ISA copy: 16 zmm, 16 ymm or 16 xmm accumulators.
Kernel widest_kernel() {
#if defined(__x86_64__) && defined(__GNUC__)
  switch (simd::widest_isa()) {
    case simd::Isa::kAvx512:
      return {"avx512", 16, [](int64_t reps) {
                float r = 0;
                simd::run_avx512([&]() ONYX_SIMD_BODY { r = chains<16>(reps); });
                return r;
              }};
    case simd::Isa::kAvx2:
      return {"avx2+fma", 8, [](int64_t reps) {
                float r = 0;
                simd::run_avx2([&]() ONYX_SIMD_BODY { r = chains<8>(reps); });
                return r;
              }};
    case simd::Isa::kBaseline: break;
  }
  return {"sse", 4, [](int64_t reps) { return chains<4>(reps); }};
#else
  return {"scalar", 1, [](int64_t reps) { return chains<1>(reps); }};
#endif
}

// GFLOP/s of one thread over `reps` repetitions (2 flops per lane per chain per repetition).
double rate(const Kernel& k, int64_t reps, volatile float* sink) {
  const auto t0 = std::chrono::steady_clock::now();
  *sink = k.run(reps);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * kChains * k.lanes * static_cast<double>(reps) / s / 1e9;
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
