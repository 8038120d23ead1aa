// Det: determinant of each square matrix in the trailing two dimensions ([*, M, M] -> [*]),
// by LU decomposition with partial pivoting, computed in double.
#include <cmath>
#include <utility>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

double determinant(std::vector<double>& a, int64_t m) {
  double det = 1;
  for (int64_t col = 0; col < m; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < m; ++r) {
      if (std::abs(a[r * m + col]) > std::abs(a[pivot * m + col])) pivot = r;
    }
    if (a[pivot * m + col] == 0) return 0;
    if (pivot != col) {
      for (int64_t k = 0; k < m; ++k) std::swap(a[pivot * m + k], a[col * m + k]);
      det = -det;
    }
    const double p = a[col * m + col];
    det *= p;
    for (int64_t r = col + 1; r < m; ++r) {
      const double f = a[r * m + col] / p;
      for (int64_t k = col + 1; k < m; ++k) a[r * m + k] -= f * a[col * m + k];
    }
  }
  return det;
}

class Det final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const size_t rank = x->rank();
    if (rank < 2 || x->dim(rank - 1) != x->dim(rank - 2)) {
      return ctx.invalid_argument("input must be [*, M, M], got shape ",
                                  shape_to_string(x->shape()));
    }
    const int64_t m = x->dim(rank - 1);
    const Shape out_shape(x->shape().begin(), x->shape().end() - 2);
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    return dispatch<FloatTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      std::vector<double> a(static_cast<size_t>(m * m));
      for (int64_t b = 0; b < y.numel(); ++b) {
        for (int64_t i = 0; i < m * m; ++i) {
          a[static_cast<size_t>(i)] = static_cast<double>(static_cast<compute_t<T>>(in[b * m * m + i]));
        }
        y.data<T>()[b] = static_cast<T>(determinant(a, m));  // M = 0: the empty product, 1
      }
      return Status::OK();
    });
  }
};

}  // namespace

void register_det(KernelRegistry& r) { r.add_versions<Det, FloatTypes>("", "Det", {11, 22}); }

}  // namespace onyx
