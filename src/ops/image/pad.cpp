// Pad: constant / reflect / edge / wrap padding; negative pads crop.
//
// Semantics follow the ONNX reference: negative pads first crop the input, then the remaining
// positive pads are filled by `mode` relative to the cropped tensor. Each output axis gets a
// table mapping output coordinate -> input coordinate (-1: the constant), and the copy walks
// the output once with those tables.
#include <algorithm>

#include "ops/common/axes.h"
#include "ops/image/values.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using image_detail::ints_of;

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

class Pad final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    ONYX_ASSIGN_OR_RETURN(std::string mode, info.attr_string("mode", "constant"));
    if (mode == "constant") {
      mode_ = PadMode::kConstant;
    } else if (mode == "reflect") {
      mode_ = PadMode::kReflect;
    } else if (mode == "edge") {
      mode_ = PadMode::kEdge;
    } else if (mode == "wrap" && opset_ >= 19) {
      mode_ = PadMode::kWrap;
    } else {
      return info.error(StatusCode::kInvalidGraph, "unsupported mode '", mode, "'");
    }
    if (opset_ < 11) {
      // Pad-1 calls the attribute "paddings", Pad-2 "pads".
      ONYX_ASSIGN_OR_RETURN(attr_pads_, info.required_ints(opset_ < 2 ? "paddings" : "pads"));
      ONYX_ASSIGN_OR_RETURN(attr_value_, info.attr_float("value", 0.f));
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    const int64_t rank = static_cast<int64_t>(x->rank());
    std::vector<int64_t> pads_in = attr_pads_;
    if (opset_ >= 11) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* p, ctx.required_input(1));
      auto v = ints_of(*p, "pads");
      if (!v.ok()) return ctx.invalid_argument(v.status().message());
      pads_in = std::move(*v);
    }
    // Axes the pads refer to (18+: optional input; default all).
    std::vector<int64_t> axes;
    const Tensor* axes_t = opset_ >= 18 ? ctx.input(3) : nullptr;
    if (axes_t != nullptr) {
      auto v = ints_of(*axes_t, "axes");
      if (!v.ok()) return ctx.invalid_argument(v.status().message());
      auto n = normalize_axes(*v, rank);
      if (!n.ok()) return ctx.invalid_argument(n.status().message());
      axes = std::move(*n);
    } else {
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    const size_t na = axes.size();
    if (pads_in.size() != 2 * na) {
      return ctx.invalid_argument("pads must have ", 2 * na, " values, got ", pads_in.size());
    }
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
    for (size_t i = 0; i < na; ++i) {
      begin[static_cast<size_t>(axes[i])] = pads_in[i];
      end[static_cast<size_t>(axes[i])] = pads_in[i + na];
    }

    // Output dims first, so an absurd size is refused before any table is built.
    Shape out_shape(static_cast<size_t>(rank));
    for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
      constexpr int64_t kLimit = int64_t{1} << 40;
      if (begin[d] > kLimit || end[d] > kLimit || begin[d] < -kLimit || end[d] < -kLimit) {
        return ctx.invalid_argument("pad ", begin[d], ", ", end[d], " on axis ", d,
                                    " is too large");
      }
      out_shape[d] = x->dim(d) + begin[d] + end[d];
      if (out_shape[d] < 0) {
        return ctx.invalid_argument("pads ", begin[d], ", ", end[d], " crop more than axis ", d,
                                    " of size ", x->dim(d));
      }
    }
    if (!image_detail::fits_allocation_limit(out_shape, x->dtype())) {
      return ctx.invalid_argument("output shape ", shape_to_string(out_shape), " is too large");
    }
    std::vector<std::vector<int64_t>> maps(static_cast<size_t>(rank));
    for (size_t d = 0; d < static_cast<size_t>(rank); ++d) {
      const int64_t dim = x->dim(d);
      const int64_t b = begin[d], e = end[d];
      const int64_t out = out_shape[d];
      // The cropped input region [lo, lo + len).
      const int64_t lo = std::max<int64_t>(0, -b);
      const int64_t len = dim - lo - std::max<int64_t>(0, -e);
      const int64_t pb = std::max<int64_t>(0, b);
      if (len <= 0 && out > 0 && mode_ != PadMode::kConstant) {
        return ctx.invalid_argument("cannot pad empty axis ", d, " in this mode");
      }
      std::vector<int64_t>& m = maps[d];
      m.resize(static_cast<size_t>(out));
      for (int64_t o = 0; o < out; ++o) {
        int64_t j = o - pb;  // coordinate in the cropped region
        if (j < 0 || j >= len) {
          switch (mode_) {
            case PadMode::kConstant:
              j = -1;
              break;
            case PadMode::kEdge:
              j = j < 0 ? 0 : len - 1;
              break;
            case PadMode::kReflect: {
              if (len == 1) {
                j = 0;
              } else {
                const int64_t period = 2 * (len - 1);
                j %= period;
                if (j < 0) j += period;
                if (j >= len) j = period - j;
              }
              break;
            }
            case PadMode::kWrap:
              j %= len;
              if (j < 0) j += len;
              break;
          }
        }
        m[static_cast<size_t>(o)] = j < 0 ? -1 : j + lo;
      }
    }

    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    const Tensor* cv = opset_ >= 11 ? ctx.input(2) : nullptr;
    if (cv != nullptr && cv->numel() != 1 && !(cv->numel() == 0 && mode_ != PadMode::kConstant)) {
      return ctx.invalid_argument("constant_value must hold one element, got ", cv->numel());
    }
    if (cv != nullptr && cv->numel() == 1 && cv->dtype() != x->dtype()) {
      return ctx.invalid_argument("constant_value has type ", data_type_name(cv->dtype()),
                                  ", expected ", data_type_name(x->dtype()));
    }
    return dispatch<AllTypes>(x->dtype(), [&]<typename T>() {
      T value{};
      if (cv != nullptr && cv->numel() == 1) {
        value = cv->data<T>()[0];
      } else if constexpr (!std::is_same_v<T, std::string>) {
        if (opset_ < 11) value = static_cast<T>(attr_value_);
      }
      copy<T>(*x, y, maps, value);
      return Status::OK();
    });
  }

 private:
  template <typename T>
  static void copy(const Tensor& x, Tensor& y, const std::vector<std::vector<int64_t>>& maps,
                   const T& value) {
    const int64_t total = y.numel();
    if (total <= 0) return;
    const size_t rank = y.rank();
    const T* in = x.data<T>();
    T* out = y.data<T>();
    if (rank == 0) {
      out[0] = in[0];
      return;
    }
    std::vector<int64_t> in_strides(rank, 1);
    for (size_t d = rank - 1; d-- > 0;) in_strides[d] = in_strides[d + 1] * x.dim(d + 1);
    const std::vector<int64_t>& inner_map = maps[rank - 1];
    const int64_t inner = y.dim(rank - 1);
    std::vector<int64_t> counter(rank, 0);
    for (int64_t o = 0; o < total; o += inner) {
      // Source offset of the outer coordinates, or constant row when any maps to -1.
      int64_t base = 0;
      bool constant_row = false;
      for (size_t d = 0; d + 1 < rank; ++d) {
        const int64_t s = maps[d][static_cast<size_t>(counter[d])];
        if (s < 0) {
          constant_row = true;
          break;
        }
        base += s * in_strides[d];
      }
      T* row = out + o;
      if (constant_row) {
        for (int64_t j = 0; j < inner; ++j) row[j] = value;
      } else {
        for (int64_t j = 0; j < inner; ++j) {
          const int64_t s = inner_map[static_cast<size_t>(j)];
          row[j] = s < 0 ? value : in[base + s];
        }
      }
      for (size_t d = rank - 1; d-- > 0;) {
        if (++counter[d] < y.dim(d)) break;
        counter[d] = 0;
      }
    }
  }

  int opset_ = 11;
  PadMode mode_ = PadMode::kConstant;
  std::vector<int64_t> attr_pads_;
  float attr_value_ = 0.f;
};

}  // namespace

void register_pad(KernelRegistry& r) {
  r.add_versions<Pad, AllTypes>("", "Pad", {1, 2, 11, 13, 18, 19, 21, 23, 24, 25});
}

}  // namespace onyx
