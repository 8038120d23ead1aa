#include "ops/common/axes.h"

#include <algorithm>

namespace onyx {

Result<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  for (int64_t a : axes) {
    ONYX_ASSIGN_OR_RETURN(int64_t n, normalize_axis(a, rank));
    if (std::find(out.begin(), out.end(), n) != out.end()) {
      return InvalidArgument("axis ", a, " is repeated");
    }
    out.push_back(n);
  }
  return out;
}

}  // namespace onyx
