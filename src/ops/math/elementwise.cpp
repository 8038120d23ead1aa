#include "ops/math/elementwise.h"

#include "ops/common/broadcast.h"

namespace onyx::math {

Result<BroadcastPlan> plan_broadcast(const std::vector<Shape>& shapes) {
  BroadcastPlan p;
  ONYX_ASSIGN_OR_RETURN(p.out_shape, broadcast_shapes(shapes));
  p.numel = shape_numel(p.out_shape);
  const size_t n = shapes.size();
  const size_t rank = p.out_shape.size();
  p.strides.assign(n, {});
  if (p.numel <= 0) {
    p.dims = {0};
    for (auto& s : p.strides) s = {0};
    return p;
  }
  // Drop output dims of size 1; merge neighbours that every input broadcasts alike.
  std::vector<std::vector<bool>> bcast;  // [collapsed dim][input]
  for (size_t d = 0; d < rank; ++d) {
    const int64_t od = p.out_shape[d];
    if (od == 1) continue;
    std::vector<bool> flags(n);
    for (size_t k = 0; k < n; ++k) {
      const size_t lead = rank - shapes[k].size();
      flags[k] = d < lead || shapes[k][d - lead] == 1;
    }
    if (!p.dims.empty() && bcast.back() == flags) {
      p.dims.back() *= od;
    } else {
      p.dims.push_back(od);
      bcast.push_back(std::move(flags));
    }
  }
  if (p.dims.empty()) {  // every dim is 1: a single element
    p.dims = {1};
    bcast.push_back(std::vector<bool>(n, true));
  }
  for (size_t k = 0; k < n; ++k) {
    p.strides[k].assign(p.dims.size(), 0);
    int64_t acc = 1;
    for (size_t d = p.dims.size(); d-- > 0;) {
      if (!bcast[d][k]) {
        p.strides[k][d] = acc;
        acc *= p.dims[d];
      }
    }
  }
  return p;
}

Status LegacyBroadcast::init(const KernelInfo& info) {
  if (info.opset() >= 7) return Status::OK();
  ONYX_ASSIGN_OR_RETURN(const int64_t broadcast, info.attr_int("broadcast", 0));
  legacy_ = broadcast != 0;
  has_axis_ = info.has_attr("axis");
  ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 0));
  return Status::OK();
}

Result<Shape> LegacyBroadcast::b_shape(const Shape& a, const Shape& b) const {
  if (channel_slope_ && b.size() == 1 && a.size() >= 2 && b[0] == a[1] && b[0] != 1) {
    Shape s(a.size(), 1);
    s[1] = b[0];
    return s;
  }
  if (!legacy_) return b;
  const int64_t ra = static_cast<int64_t>(a.size());
  const int64_t rb = static_cast<int64_t>(b.size());
  if (rb > ra) {
    return InvalidArgument("legacy broadcast: B has rank ", rb, " > rank ", ra, " of A");
  }
  int64_t axis = has_axis_ ? axis_ : ra - rb;
  if (axis < 0) axis += ra;
  if (axis < 0 || axis + rb > ra) {
    return InvalidArgument("legacy broadcast: axis ", axis_, " does not fit B ",
                           shape_to_string(b), " into A ", shape_to_string(a));
  }
  Shape s(static_cast<size_t>(ra), 1);
  for (int64_t i = 0; i < rb; ++i) s[static_cast<size_t>(axis + i)] = b[static_cast<size_t>(i)];
  return s;
}

Result<BroadcastPlan> LegacyBroadcast::plan(const Shape& a, const Shape& b) const {
  ONYX_ASSIGN_OR_RETURN(Shape bs, b_shape(a, b));
  return plan_broadcast({a, bs});
}

}  // namespace onyx::math
