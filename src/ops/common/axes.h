// Axis arguments: negative axes count from the end.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace onyx {

// axis in [-rank, rank) -> [0, rank), or InvalidArgument.
inline Result<int64_t> normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return InvalidArgument("axis ", axis, " is out of range for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

// Normalizes each axis; rejects duplicates.
Result<std::vector<int64_t>> normalize_axes(const std::vector<int64_t>& axes, int64_t rank);

}  // namespace onyx
