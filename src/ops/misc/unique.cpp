// Unique: the distinct elements (or, with `axis`, the distinct slices along that axis) of X,
// sorted ascending when `sorted` is 1 (slices compare lexicographically), else in order of first
// occurrence. Also returns each unique entry's first index in X, the index into Y of each entry of
// X (inverse_indices), and how often each unique entry occurs.
#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

#include "ops/common/axes.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class Unique final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_optional_int("axis"));
    ONYX_ASSIGN_OR_RETURN(sorted_, info.attr_int("sorted", 1));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    // View X as [outer, n, inner] with the slices to compare along n. Without an axis X is
    // flattened, so every element is its own slice.
    int64_t outer = 1, n = x->numel(), inner = 1, axis = 0;
    if (axis_) {
      auto a = normalize_axis(*axis_, static_cast<int64_t>(x->rank()));
      if (!a.ok()) return ctx.invalid_argument(a.status().message());
      axis = *a;
      n = x->dim(static_cast<size_t>(axis));
      for (int64_t i = 0; i < axis; ++i) outer *= x->dim(static_cast<size_t>(i));
      for (size_t i = static_cast<size_t>(axis) + 1; i < x->rank(); ++i) inner *= x->dim(i);
    }
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() -> Status {
      const T* in = x->data<T>();
      auto at = [&](int64_t slice, int64_t o, int64_t k) -> const T& {
        return in[(o * n + slice) * inner + k];
      };
      // -1, 0, 1 as slice a orders before, equal to, after slice b.
      auto compare = [&](int64_t a, int64_t b) {
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t k = 0; k < inner; ++k) {
            const T& va = at(a, o, k);
            const T& vb = at(b, o, k);
            if (va < vb) return -1;
            if (vb < va) return 1;
          }
        }
        return 0;
      };
      // Stable sort keeps equal slices in index order, so each group starts at its first index.
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), int64_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
      std::vector<int64_t> firsts, counts;          // per group, in sorted order
      std::vector<int64_t> group_of(order.size());  // slice -> group
      for (size_t i = 0; i < order.size(); ++i) {
        if (i == 0 || compare(order[i - 1], order[i]) != 0) {
          firsts.push_back(order[i]);
          counts.push_back(0);
        }
        group_of[static_cast<size_t>(order[i])] = static_cast<int64_t>(firsts.size()) - 1;
        ++counts.back();
      }
      // Output position of each group: sorted order, or order of first occurrence.
      const size_t groups = firsts.size();
      std::vector<int64_t> position(groups);
      std::iota(position.begin(), position.end(), int64_t{0});
      if (sorted_ == 0) {
        std::vector<int64_t> by_first(groups);
        std::iota(by_first.begin(), by_first.end(), int64_t{0});
        std::sort(by_first.begin(), by_first.end(),
                  [&](int64_t a, int64_t b) { return firsts[a] < firsts[b]; });
        for (size_t p = 0; p < groups; ++p) position[static_cast<size_t>(by_first[p])] = static_cast<int64_t>(p);
      }
      const int64_t u = static_cast<int64_t>(groups);
      Shape y_shape = axis_ ? x->shape() : Shape{u};
      if (axis_) y_shape[static_cast<size_t>(axis)] = u;
      Tensor& y = ctx.allocate_output(0, x->dtype(), y_shape);
      std::vector<int64_t> first_out(groups), count_out(groups);
      for (size_t g = 0; g < groups; ++g) {
        const int64_t p = position[g];
        first_out[static_cast<size_t>(p)] = firsts[g];
        count_out[static_cast<size_t>(p)] = counts[g];
        for (int64_t o = 0; o < outer; ++o) {
          for (int64_t k = 0; k < inner; ++k) {
            y.data<T>()[(o * u + p) * inner + k] = at(firsts[g], o, k);
          }
        }
      }
      if (ctx.output_requested(1)) {
        Tensor& t = ctx.allocate_output(1, DataType::kInt64, {u});
        std::copy(first_out.begin(), first_out.end(), t.data<int64_t>());
      }
      if (ctx.output_requested(2)) {
        Tensor& t = ctx.allocate_output(2, DataType::kInt64, {n});
        for (int64_t i = 0; i < n; ++i) t.data<int64_t>()[i] = position[static_cast<size_t>(group_of[static_cast<size_t>(i)])];
      }
      if (ctx.output_requested(3)) {
        Tensor& t = ctx.allocate_output(3, DataType::kInt64, {u});
        std::copy(count_out.begin(), count_out.end(), t.data<int64_t>());
      }
      return Status::OK();
    });
  }

 private:
  std::optional<int64_t> axis_;
  int64_t sorted_ = 1;
};

}  // namespace

void register_unique(KernelRegistry& r) {
  r.add_versions<Unique, AllTypes>("", "Unique", {11});
}

}  // namespace onyx
