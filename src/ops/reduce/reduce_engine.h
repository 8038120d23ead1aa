// The one reduction engine behind every Reduce* op.
//
// A reduction over a set of axes is planned once per call: dims of size 1 are dropped and
// neighbouring dims of the same kind (kept / reduced) are merged. When what is left is
// [outer] x [reduced] x [inner] (the common case: one axis, or a block of adjacent axes) the
// engine walks the input contiguously, accumulating `inner` outputs at a time. Any other
// pattern (e.g. axes {0, 2} of a rank-3 tensor with no size-1 dims) falls back to precomputed
// offset lists: out[o] = reduce_r x[out_base[o] + red_off[r]].
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "core/thread_pool.h"

namespace onyx::reduce {

struct ReducePlan {
  int64_t num_out = 0;      // output elements
  int64_t num_reduced = 0;  // elements folded into each output (may be 0)
  bool simple = true;       // outer x reduced x inner layout
  int64_t outer = 1, inner = 1;
  std::vector<int64_t> out_base;  // generic layout only
  std::vector<int64_t> red_off;   // generic layout only
};

// `reduced[d]` says whether axis d of `shape` is reduced.
ReducePlan make_plan(const Shape& shape, const std::vector<bool>& reduced);

// Runs the reduction. Acc is the accumulator type; `init()` gives a fresh accumulator,
// `step(acc, x, out_index)` folds one input element in, `finish(acc, out_index)` gives the
// output element. out_index lets a pass depend on an earlier pass (LogSumExp's max).
template <typename Acc, typename In, typename Out, typename Init, typename Step, typename Fin>
void run_reduce(const ReducePlan& p, const In* x, Out* y, ThreadPool* pool, Init init, Step step,
                Fin finish) {
  if (p.num_out == 0) return;
  if (!p.simple) {
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.num_reduced));
    parallel_for(pool, p.num_out, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        Acc a = init();
        const In* base = x + p.out_base[o];
        for (int64_t r = 0; r < p.num_reduced; ++r) step(a, base[p.red_off[r]], o);
        y[o] = finish(a, o);
      }
    });
    return;
  }
  const int64_t R = p.num_reduced, I = p.inner;
  if (I == 1) {  // reduce contiguous rows
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, R));
    parallel_for(pool, p.outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        Acc a = init();
        const In* row = x + o * R;
        for (int64_t r = 0; r < R; ++r) step(a, row[r], o);
        y[o] = finish(a, o);
      }
    });
    return;
  }
  // Strided reduction: keep a block of `inner` accumulators and sweep the reduced rows over
  // them, so every read is contiguous.
  constexpr int64_t kChunk = 512;
  const int64_t chunks = (I + kChunk - 1) / kChunk;
  const int64_t tasks = p.outer * chunks;
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, R * kChunk));
  parallel_for(pool, tasks, grain, [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(static_cast<size_t>(std::min(I, kChunk)));
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / chunks;
      const int64_t i0 = (t % chunks) * kChunk;
      const int64_t n = std::min(kChunk, I - i0);
      const int64_t obase = o * I + i0;
      for (int64_t i = 0; i < n; ++i) acc[i] = init();
      for (int64_t r = 0; r < R; ++r) {
        const In* row = x + (o * R + r) * I + i0;
        for (int64_t i = 0; i < n; ++i) step(acc[i], row[i], obase + i);
      }
      for (int64_t i = 0; i < n; ++i) y[obase + i] = finish(acc[i], obase + i);
    }
  });
}

}  // namespace onyx::reduce
