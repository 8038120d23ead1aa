#include "ops/normalization/norm_util.h"

#include "ops/common/broadcast.h"

namespace onyx::norm {

Result<std::vector<double>> to_doubles(const Tensor& t) {
  std::vector<double> out(static_cast<size_t>(t.numel()));
  Status s = dispatch<FloatTypes>(t.dtype(), [&]<typename T>() {
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(static_cast<calc_t<T>>(p[i]));
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<double>> expand_to(const Tensor& t, const Shape& target) {
  Shape in = t.shape();
  while (in.size() > target.size() && in.front() == 1) in.erase(in.begin());
  if (in.size() > target.size()) {
    return InvalidArgument("shape ", shape_to_string(t.shape()), " does not broadcast to ",
                           shape_to_string(target));
  }
  for (size_t i = 0; i < in.size(); ++i) {
    const int64_t a = in[in.size() - 1 - i], b = target[target.size() - 1 - i];
    if (a != b && a != 1) {
      return InvalidArgument("shape ", shape_to_string(t.shape()), " does not broadcast to ",
                             shape_to_string(target));
    }
  }
  ONYX_ASSIGN_OR_RETURN(std::vector<double> src, to_doubles(t));
  if (shape_numel(in) == shape_numel(target)) return src;
  std::vector<double> out(static_cast<size_t>(shape_numel(target)));
  const std::vector<int64_t> strides[1] = {broadcast_strides(in, target)};
  for_each_broadcast<1>(target, strides, [&](int64_t o, const int64_t* idx) { out[o] = src[idx[0]]; });
  return out;
}

int64_t span_numel(const Shape& shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i) n *= shape[i];
  return n;
}

}  // namespace onyx::norm
