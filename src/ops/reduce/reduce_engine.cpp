#include "ops/reduce/reduce_engine.h"

namespace onyx::reduce {
namespace {

// All multi-indices of `dims` (row-major) mapped to offsets with `strides`.
std::vector<int64_t> offsets(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  std::vector<int64_t> out(static_cast<size_t>(total));
  if (total == 0) return out;
  std::vector<int64_t> idx(dims.size(), 0);
  int64_t off = 0;
  for (int64_t k = 0; k < total; ++k) {
    out[k] = off;
    for (size_t d = dims.size(); d-- > 0;) {
      off += strides[d];
      if (++idx[d] < dims[d]) break;
      off -= strides[d] * dims[d];
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace

ReducePlan make_plan(const Shape& shape, const std::vector<bool>& reduced) {
  ReducePlan p;
  p.num_out = 1;
  p.num_reduced = 1;
  for (size_t d = 0; d < shape.size(); ++d) (reduced[d] ? p.num_reduced : p.num_out) *= shape[d];

  // Merge runs of the same kind, ignoring size-1 dims (they do not move anything).
  std::vector<int64_t> dims;
  std::vector<bool> kinds;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!kinds.empty() && kinds.back() == reduced[d]) {
      dims.back() *= shape[d];
    } else {
      dims.push_back(shape[d]);
      kinds.push_back(reduced[d]);
    }
  }
  // Simple layouts: [], [R], [K], [K R], [R K], [K R K].
  size_t pos = 0;
  if (pos < dims.size() && !kinds[pos]) p.outer = dims[pos++];
  if (pos < dims.size() && kinds[pos]) ++pos;
  if (pos < dims.size() && !kinds[pos]) p.inner = dims[pos++];
  if (pos == dims.size()) return p;

  p.simple = false;
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;) strides[d - 1] = strides[d] * dims[d];
  std::vector<int64_t> kd, ks, rd, rs;
  for (size_t d = 0; d < dims.size(); ++d) {
    (kinds[d] ? rd : kd).push_back(dims[d]);
    (kinds[d] ? rs : ks).push_back(strides[d]);
  }
  p.out_base = offsets(kd, ks);
  p.red_off = offsets(rd, rs);
  return p;
}

}  // namespace onyx::reduce
