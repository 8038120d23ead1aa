// NonMaxSuppression: per (batch, class), greedily keeps the highest-scoring boxes that do not
// overlap an already kept box by more than iou_threshold.
//
// boxes (B, N, 4) as [y1, x1, y2, x2] (any two opposite corners; center_point_box = 0) or
// [x_center, y_center, width, height] (center_point_box = 1); scores (B, C, N). Optional scalar
// inputs: max_output_boxes_per_class (absent or empty: 0, i.e. no output; negative: 0),
// iou_threshold (default 0), score_threshold (when given, only scores strictly above it are
// candidates). A candidate is suppressed when its IoU with a kept box is strictly greater than
// iou_threshold; boxes with no positive area or intersection never suppress. Candidates are
// visited by descending score, ties by ascending box index (stable). NaN scores are never
// candidates. Output (num_selected, 3) int64 rows [batch, class, box], in visiting order.
// Arithmetic is in float, like the reference.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include "ops/registry.h"

namespace onyx {
namespace {

struct Box {
  float xmin, xmax, ymin, ymax;
  float area() const { return (xmax - xmin) * (ymax - ymin); }
};

bool suppresses(const Box& a, const Box& b, float iou_threshold) {
  const float ix0 = std::max(a.xmin, b.xmin), ix1 = std::min(a.xmax, b.xmax);
  if (!(ix1 > ix0)) return false;
  const float iy0 = std::max(a.ymin, b.ymin), iy1 = std::min(a.ymax, b.ymax);
  if (!(iy1 > iy0)) return false;
  const float inter = (ix1 - ix0) * (iy1 - iy0);
  const float a1 = a.area(), a2 = b.area();
  const float uni = a1 + a2 - inter;
  if (!(inter > 0) || !(a1 > 0) || !(a2 > 0) || !(uni > 0)) return false;
  return inter / uni > iou_threshold;
}

class NonMaxSuppression final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(int64_t c, info.attr_int("center_point_box", 0));
    if (c != 0 && c != 1) {
      return info.error(StatusCode::kInvalidGraph, "center_point_box must be 0 or 1, got ", c);
    }
    center_ = c == 1;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* boxes, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scores, ctx.required_input(1));
    if (boxes->dtype() != DataType::kFloat || scores->dtype() != DataType::kFloat) {
      return ctx.invalid_argument("boxes and scores must be float");
    }
    if (boxes->rank() != 3 || boxes->dim(2) != 4 || scores->rank() != 3 ||
        scores->dim(0) != boxes->dim(0) || scores->dim(2) != boxes->dim(1)) {
      return ctx.invalid_argument("boxes must be (B, N, 4) and scores (B, C, N), got ",
                                  shape_to_string(boxes->shape()), " and ",
                                  shape_to_string(scores->shape()));
    }
    int64_t max_out = 0;
    float iou_threshold = 0.f, score_threshold = 0.f;
    bool has_score_threshold = false;
    if (const Tensor* t = ctx.input(2); t != nullptr && t->numel() > 0) {
      if (t->dtype() != DataType::kInt64 || t->numel() != 1) {
        return ctx.invalid_argument("max_output_boxes_per_class must be one int64");
      }
      max_out = std::max<int64_t>(0, t->data<int64_t>()[0]);
    }
    if (const Tensor* t = ctx.input(3); t != nullptr && t->numel() > 0) {
      if (t->dtype() != DataType::kFloat || t->numel() != 1) {
        return ctx.invalid_argument("iou_threshold must be one float");
      }
      iou_threshold = t->data<float>()[0];
    }
    if (const Tensor* t = ctx.input(4); t != nullptr && t->numel() > 0) {
      if (t->dtype() != DataType::kFloat || t->numel() != 1) {
        return ctx.invalid_argument("score_threshold must be one float");
      }
      score_threshold = t->data<float>()[0];
      has_score_threshold = true;
    }
    const int64_t B = boxes->dim(0), N = boxes->dim(1), C = scores->dim(1);
    const int64_t keep_max = std::min(max_out, N);
    std::vector<std::array<int64_t, 3>> selected;
    std::vector<Box> bx(static_cast<size_t>(N));
    std::vector<int64_t> order;
    std::vector<int64_t> kept;
    for (int64_t b = 0; b < B && keep_max > 0; ++b) {
      const float* bp = boxes->data<float>() + b * N * 4;
      for (int64_t i = 0; i < N; ++i) {
        const float* p = bp + i * 4;
        Box& q = bx[static_cast<size_t>(i)];
        if (center_) {
          q = {p[0] - p[2] / 2, p[0] + p[2] / 2, p[1] - p[3] / 2, p[1] + p[3] / 2};
        } else {
          q = {std::min(p[1], p[3]), std::max(p[1], p[3]), std::min(p[0], p[2]),
               std::max(p[0], p[2])};
        }
      }
      for (int64_t c = 0; c < C; ++c) {
        const float* sp = scores->data<float>() + (b * C + c) * N;
        order.clear();
        for (int64_t i = 0; i < N; ++i) {
          const float s = sp[i];
          if (std::isnan(s) || (has_score_threshold && !(s > score_threshold))) continue;
          order.push_back(i);
        }
        std::stable_sort(order.begin(), order.end(),
                         [sp](int64_t l, int64_t r) { return sp[l] > sp[r]; });
        kept.clear();
        for (int64_t i : order) {
          if (static_cast<int64_t>(kept.size()) >= keep_max) break;
          const Box& cand = bx[static_cast<size_t>(i)];
          const bool drop = std::any_of(kept.begin(), kept.end(), [&](int64_t k) {
            return suppresses(cand, bx[static_cast<size_t>(k)], iou_threshold);
          });
          if (drop) continue;
          kept.push_back(i);
          selected.push_back({b, c, i});
        }
      }
    }
    Tensor& y =
        ctx.allocate_output(0, DataType::kInt64, {static_cast<int64_t>(selected.size()), 3});
    int64_t* out = y.data<int64_t>();
    for (size_t i = 0; i < selected.size(); ++i) {
      for (size_t j = 0; j < 3; ++j) out[i * 3 + j] = selected[i][j];
    }
    return Status::OK();
  }

 private:
  bool center_ = false;
};

}  // namespace

void register_non_max_suppression(KernelRegistry& r) {
  r.add_versions<NonMaxSuppression, TypeList<float>>("", "NonMaxSuppression", {10, 11});
}

}  // namespace onyx
