#include "ops/common/simd_eltwise.h"

#include <dnnl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ops/common/dnnl_engine.h"
#include "ops/common/simd_dispatch.h"
#include "ops/common/simd_math.h"

namespace onyx::simd_eltwise {

namespace {

using dnnl_ops::Eltwise;
constexpr int64_t kLanes = 16;  // one zmm, two ymm or four xmm per simd::floatv

template <int64_t B>
using V = simd::floatv<B>;

// tanh: an odd polynomial below |v| = 0.625, where (1 - e) / (1 + e) would cancel
// (coefficients from Cephes' tanhf), that quotient with e = e^-2|v| above.
template <int64_t B>
ONYX_SIMD_BODY inline V<B> tanh(V<B> v) {
  const V<B> zero{};
  const V<B> a = v < zero ? -v : v;
  const V<B> z = v * v;
  V<B> p = simd::broadcast<B>(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const V<B> small = v + v * z * p;
  const V<B> e = simd::exp_nonpositive<B>(-2.0f * a);
  const V<B> big_abs = (1.0f - e) / (1.0f + e);
  const V<B> big = v < zero ? -big_abs : big_abs;
  return a < 0.625f ? small : big;
}

// GELU's tanh form: 0.5 x (1 + tanh(u)) = x sigmoid(2u) = x / (1 + e^-2u),
// u = sqrt(2 / pi) (x + 0.044715 x^3).
template <int64_t B>
ONYX_SIMD_BODY inline V<B> gelu_tanh(V<B> x) {
  const V<B> u2 = 1.5957691216057308f * (x + 0.044715f * x * x * x);
  return x / (1.0f + simd::exp_clamped<B>(-u2));
}

template <int64_t B>
ONYX_SIMD_BODY inline V<B> apply(Eltwise f, V<B> v) {
  switch (f) {
    case Eltwise::kLogistic: return simd::sigmoid<B>(v);
    case Eltwise::kSwish: return simd::swish<B>(v);
    case Eltwise::kTanh: return tanh<B>(v);
    case Eltwise::kGeluTanh: return gelu_tanh<B>(v);
    default: return v;
  }
}

// One loop per function, so the switch is outside it.
template <Eltwise F>
void run_loop(const float* x, float* y, int64_t n) {
  simd::with_widest_simd([&]() ONYX_SIMD_BODY {
    const int64_t full = n / kLanes * kLanes;
    for (int64_t i = 0; i < full; i += kLanes) {
      simd::store<kLanes>(y + i, apply<kLanes>(F, simd::load<kLanes>(x + i)));
    }
    if (full < n) {
      float tail[kLanes] = {};
      std::memcpy(tail, x + full, static_cast<size_t>(n - full) * sizeof(float));
      simd::store<kLanes>(tail, apply<kLanes>(F, simd::load<kLanes>(tail)));
      std::memcpy(y + full, tail, static_cast<size_t>(n - full) * sizeof(float));
    }
  });
}

std::atomic<int> g_preferred{-1};  // -1: not measured yet; 0: oneDNN; 1: ours

// Best of `reps` runs of fn, in seconds.
template <typename F>
double best_time(F&& fn, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

bool measure_own_faster() {
  constexpr int64_t kN = 4096;  // 16 KiB: in L1, so the kernels' arithmetic is what is timed
  std::vector<float> x(kN), y(kN);
  for (int64_t i = 0; i < kN; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 97) * 0.1f - 4.8f;
  try {
    const dnnl::engine& eng = dnnl_cpu_engine();
    dnnl::stream stream(eng);
    const dnnl::memory::desc md({kN}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::x);
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::eltwise_swish, md, 1.f, 0.f);
    const dnnl::eltwise_forward prim(dnnl::eltwise_forward::primitive_desc(desc, eng));
    dnnl::memory src(md, eng, x.data()), dst(md, eng, y.data());
    auto theirs = [&] {
      for (int k = 0; k < 8; ++k) prim.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
      stream.wait();
    };
    auto ours = [&] {
      for (int k = 0; k < 8; ++k) run_loop<Eltwise::kSwish>(x.data(), y.data(), kN);
    };
    theirs();  // JIT compilation and first touch
    ours();
    double t_theirs = 1e30, t_ours = 1e30;
    for (int round = 0; round < 3; ++round) {  // interleaved, so a noisy moment hits both
      t_theirs = std::min(t_theirs, best_time(theirs, 5));
      t_ours = std::min(t_ours, best_time(ours, 5));
    }
    return t_ours * 1.25 < t_theirs;
  } catch (const dnnl::error&) {
    return true;  // no oneDNN kernel: ours is the only vectorized one
  }
}

}  // namespace

bool supports(Eltwise f) {
  switch (f) {
    case Eltwise::kLogistic:
    case Eltwise::kSwish:
    case Eltwise::kTanh:
    case Eltwise::kGeluTanh: return true;
    default: return false;
  }
}

bool run(Eltwise f, const float* x, float* y, int64_t n) {
  switch (f) {
    case Eltwise::kLogistic: run_loop<Eltwise::kLogistic>(x, y, n); return true;
    case Eltwise::kSwish: run_loop<Eltwise::kSwish>(x, y, n); return true;
    case Eltwise::kTanh: run_loop<Eltwise::kTanh>(x, y, n); return true;
    case Eltwise::kGeluTanh: run_loop<Eltwise::kGeluTanh>(x, y, n); return true;
    default: return false;
  }
}

bool run(Eltwise f, const float* x, float* y, int64_t n, const ThreadPool* pool) {
  if (!supports(f)) return false;
  // Chunks of whole vectors, large enough that a thread's share is worth waking it for.
  constexpr int64_t kGrainVectors = 512;
  const int64_t vectors = (n + kLanes - 1) / kLanes;
  parallel_for(pool, vectors, kGrainVectors, [&](int64_t b, int64_t e) {
    const int64_t begin = b * kLanes, end = std::min(e * kLanes, n);
    run(f, x + begin, y + begin, end - begin);
  });
  return true;
}

bool own_eltwise_preferred() {
  int p = g_preferred.load(std::memory_order_acquire);
  if (p < 0) {
    const char* env = std::getenv("ONYX_ELTWISE");
    if (env != nullptr && std::strcmp(env, "own") == 0) {
      p = 1;
    } else if (env != nullptr && std::strcmp(env, "dnnl") == 0) {
      p = 0;
    } else {
      p = measure_own_faster() ? 1 : 0;
    }
    g_preferred.store(p, std::memory_order_release);
  }
  return p == 1;
}

void set_own_eltwise_preferred_for_testing(bool own) {
  g_preferred.store(own ? 1 : 0, std::memory_order_release);
}

}  // namespace onyx::simd_eltwise
