#include "ops/nn/geometry.h"

#include <algorithm>

namespace onyx::nn {

Status WindowAttrs::read(const KernelInfo& info) {
  ONYX_ASSIGN_OR_RETURN(std::string ap, info.attr_string("auto_pad", "NOTSET"));
  if (ap == "NOTSET" || ap.empty()) {
    auto_pad = AutoPad::kNotSet;
  } else if (ap == "SAME_UPPER") {
    auto_pad = AutoPad::kSameUpper;
  } else if (ap == "SAME_LOWER") {
    auto_pad = AutoPad::kSameLower;
  } else if (ap == "VALID") {
    auto_pad = AutoPad::kValid;
  } else {
    return info.error(StatusCode::kInvalidArgument, "unknown auto_pad '", ap, "'");
  }
  ONYX_ASSIGN_OR_RETURN(kernel_shape, info.attr_ints("kernel_shape"));
  ONYX_ASSIGN_OR_RETURN(strides, info.attr_ints("strides"));
  ONYX_ASSIGN_OR_RETURN(dilations, info.attr_ints("dilations"));
  ONYX_ASSIGN_OR_RETURN(pads, info.attr_ints("pads"));
  ONYX_ASSIGN_OR_RETURN(int64_t cm, info.attr_int("ceil_mode", 0));
  ceil_mode = cm != 0;
  for (int64_t v : kernel_shape) {
    if (v <= 0) return info.error(StatusCode::kInvalidArgument, "kernel_shape must be positive");
  }
  for (int64_t v : strides) {
    if (v <= 0) return info.error(StatusCode::kInvalidArgument, "strides must be positive");
  }
  for (int64_t v : dilations) {
    if (v <= 0) return info.error(StatusCode::kInvalidArgument, "dilations must be positive");
  }
  for (int64_t v : pads) {
    if (v < 0) return info.error(StatusCode::kInvalidArgument, "pads must be non-negative");
  }
  return Status::OK();
}

int64_t Window::out_numel() const { return shape_numel(out); }
int64_t Window::in_numel() const { return shape_numel(in); }
int64_t Window::kernel_numel() const { return shape_numel(kernel); }

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
}  // namespace

Result<Window> resolve_window(const WindowAttrs& a, const Shape& in, const Shape& kernel) {
  const size_t r = in.size();
  auto check_len = [&](const std::vector<int64_t>& v, size_t want, const char* name) -> Status {
    if (!v.empty() && v.size() != want) {
      return InvalidArgument(name, " has ", v.size(), " values, expected ", want);
    }
    return Status::OK();
  };
  ONYX_RETURN_IF_ERROR(check_len(a.strides, r, "strides"));
  ONYX_RETURN_IF_ERROR(check_len(a.dilations, r, "dilations"));
  ONYX_RETURN_IF_ERROR(check_len(a.pads, 2 * r, "pads"));
  if (kernel.size() != r) {
    return InvalidArgument("kernel has ", kernel.size(), " spatial dims, input has ", r);
  }
  Window w;
  w.in = in;
  w.kernel = kernel;
  w.strides = a.strides.empty() ? std::vector<int64_t>(r, 1) : a.strides;
  w.dilations = a.dilations.empty() ? std::vector<int64_t>(r, 1) : a.dilations;
  w.pad_begin.assign(r, 0);
  w.pad_end.assign(r, 0);
  w.out.assign(r, 0);
  for (size_t i = 0; i < r; ++i) {
    if (in[i] < 0 || kernel[i] <= 0) return InvalidArgument("invalid input or kernel size");
    const int64_t s = w.strides[i];
    const int64_t dk = (kernel[i] - 1) * w.dilations[i] + 1;  // dilated kernel extent
    switch (a.auto_pad) {
      case AutoPad::kSameUpper:
      case AutoPad::kSameLower: {
        w.out[i] = ceil_div(in[i], s);
        const int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * s + dk - in[i]);
        const int64_t small = total / 2;
        w.pad_begin[i] = a.auto_pad == AutoPad::kSameUpper ? small : total - small;
        w.pad_end[i] = total - w.pad_begin[i];
        continue;
      }
      case AutoPad::kValid:
        break;
      case AutoPad::kNotSet:
        if (!a.pads.empty()) {
          w.pad_begin[i] = a.pads[i];
          w.pad_end[i] = a.pads[i + r];
        }
        break;
    }
    const int64_t span = in[i] + w.pad_begin[i] + w.pad_end[i] - dk;
    if (span < 0) {
      return InvalidArgument("kernel extent ", dk, " exceeds padded input size ",
                             in[i] + w.pad_begin[i] + w.pad_end[i], " on spatial axis ", i);
    }
    if (a.ceil_mode) {
      int64_t o = ceil_div(span, s) + 1;
      // The last window must start inside the input or the begin padding.
      if ((o - 1) * s >= in[i] + w.pad_begin[i]) --o;
      w.out[i] = o;
    } else {
      w.out[i] = floor_div(span, s) + 1;
    }
  }
  return w;
}

}  // namespace onyx::nn
