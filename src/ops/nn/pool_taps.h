// The taps of a pooling window along one spatial dim, shared by the plain and the blocked
// (NCHWc) pooling kernels so that both count padding the same way.
#pragma once

#include <cstdint>
#include <vector>

namespace onyx {

// In-bounds input coordinates of each output coordinate along one dim.
struct DimTaps {
  std::vector<int64_t> begin;   // per output: index into pos
  std::vector<int64_t> pos;     // input coordinates
  std::vector<int64_t> padded;  // per output: taps inside [-pad_begin, in + pad_end)
};

inline DimTaps make_taps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pb,
                  int64_t pe) {
  DimTaps t;
  t.begin.reserve(static_cast<size_t>(out + 1));
  for (int64_t o = 0; o < out; ++o) {
    t.begin.push_back(static_cast<int64_t>(t.pos.size()));
    int64_t padded = 0;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t p = o * s - pb + j * d;
      if (p >= 0 && p < in) t.pos.push_back(p);
      if (p >= -pb && p < in + pe) ++padded;
    }
    t.padded.push_back(padded);
  }
  t.begin.push_back(static_cast<int64_t>(t.pos.size()));
  return t;
}

}  // namespace onyx
