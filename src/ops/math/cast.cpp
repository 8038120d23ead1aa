// Cast and CastLike between all our element types, strings included.
//
// Numbers -> string: shortest text that reads back to the same value ("0.1", "1e-05"), with
// "INF", "-INF" and "NaN" for the special values; integers in decimal; bool as "1"/"0".
// String -> numbers: decimal or scientific notation, optional sign, surrounding blanks, and the
// case-insensitive literals INF/+INF/-INF/NaN (and "true"/"false" for bool); other text is an
// error. Float -> integer truncates toward zero; out-of-range values (undefined in the spec)
// wrap without undefined behaviour.
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool parse_double(std::string_view s, double* out) {
  s = trim(s);
  bool neg = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (iequals(s, "inf") || iequals(s, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(s, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s.empty() || s.front() == '+' || s.front() == '-') return false;
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  // Out-of-range magnitudes come back as result_out_of_range: saturate to inf / 0.
  if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size()) {
    const char* e = static_cast<const char*>(std::memchr(s.data(), 'e', s.size()));
    if (e == nullptr) e = static_cast<const char*>(std::memchr(s.data(), 'E', s.size()));
    const bool tiny = e != nullptr && e + 1 < s.data() + s.size() && e[1] == '-';
    v = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

// Float -> integer type D: truncation; NaN and out-of-range wrap like x86 conversions do.
template <typename D>
D float_to_int(double d) {
  if constexpr (std::is_same_v<D, uint64_t>) {
    if (d >= 9223372036854775808.0 && d < 18446744073709551616.0) return static_cast<uint64_t>(d);
  }
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) {
    return static_cast<D>(std::numeric_limits<int64_t>::min());
  }
  return static_cast<D>(static_cast<int64_t>(d));
}

// Numeric (and bool) conversion S -> D.
template <typename D, typename S>
D convert(const S& v) {
  if constexpr (std::is_same_v<D, S>) {
    return v;
  } else if constexpr (std::is_same_v<D, bool>) {
    return load(v) != compute_t<S>(0);
  } else if constexpr (is_half_v<D>) {
    return D(static_cast<float>(load(v)));
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(load(v));
  } else if constexpr (std::is_floating_point_v<compute_t<S>>) {  // float -> integer
    return float_to_int<D>(static_cast<double>(load(v)));
  } else {  // integer/bool -> integer: modular
    return static_cast<D>(v);
  }
}

template <typename S>
std::string to_text(const S& v) {
  if constexpr (std::is_same_v<S, bool>) {
    return v ? "1" : "0";
  } else if constexpr (std::is_integral_v<S>) {
    return std::to_string(v);
  } else {
    using F = std::conditional_t<std::is_same_v<S, double>, double, float>;
    const F f = static_cast<F>(load(v));
    if (std::isnan(f)) return "NaN";
    if (std::isinf(f)) return f < 0 ? "-INF" : "INF";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), f);
    return std::string(buf, r.ptr);
  }
}

template <typename D>
bool from_text(const std::string& s, D* out) {
  if constexpr (std::is_same_v<D, bool>) {
    const std::string_view t = trim(s);
    if (iequals(t, "true")) { *out = true; return true; }
    if (iequals(t, "false")) { *out = false; return true; }
    double d;
    if (!parse_double(t, &d)) return false;
    *out = d != 0;
    return true;
  } else if constexpr (std::is_integral_v<D>) {
    // Exact integer text first (int64/uint64 beyond double precision), then via double.
    std::string_view t = trim(s);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    using W = std::conditional_t<std::is_signed_v<D>, int64_t, uint64_t>;
    W w = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), w);
    if (r.ec == std::errc() && r.ptr == t.data() + t.size() && !t.empty()) {
      *out = static_cast<D>(w);
      return true;
    }
    double d;
    if (!parse_double(s, &d)) return false;
    *out = float_to_int<D>(d);
    return true;
  } else {
    double d;
    if (!parse_double(s, &d)) return false;
    *out = convert<D>(d);
    return true;
  }
}

Status cast_tensor(KernelContext& ctx, const Tensor& x, DataType to) {
  if (x.dtype() == to) {  // no-op: share the buffer
    ctx.set_output(0, Value(x));
    return Status::OK();
  }
  return dispatch<AllTypes>(x.dtype(), [&]<typename S>() -> Status {
    return dispatch<AllTypes>(to, [&]<typename D>() -> Status {
      Tensor& y = ctx.allocate_output(0, to, x.shape());
      const S* in = x.data<S>();
      D* out = y.data<D>();
      const int64_t n = x.numel();
      if constexpr (std::is_same_v<D, S>) {
        for (int64_t i = 0; i < n; ++i) out[i] = in[i];
      } else if constexpr (std::is_same_v<D, std::string>) {
        for (int64_t i = 0; i < n; ++i) out[i] = to_text(in[i]);
      } else if constexpr (std::is_same_v<S, std::string>) {
        for (int64_t i = 0; i < n; ++i) {
          if (!from_text<D>(in[i], &out[i])) {
            return ctx.invalid_argument("cannot parse '", in[i], "' as ", data_type_name(to));
          }
        }
      } else {
        unary_loop(ctx.pool(), in, out, n, [](const S& v) { return convert<D>(v); });
      }
      return Status::OK();
    });
  });
}

class CastKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const int64_t code, info.required_int("to"));
    const auto dt = data_type_from_onnx(static_cast<int32_t>(code));
    if (!dt || !TypeListTraits<AllTypes>::contains(*dt)) {
      return info.error(StatusCode::kNotImplemented, "cast to type code ", code,
                        dt ? std::string(" (") + std::string(data_type_name(*dt)) + ")" : "",
                        " is not supported");
    }
    to_ = *dt;
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return cast_tensor(ctx, *x, to_);
  }

 private:
  DataType to_ = DataType::kFloat;
};

class CastLikeKernel final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* like, ctx.required_input(1));
    return cast_tensor(ctx, *x, like->dtype());
  }
};

}  // namespace

void register_cast(KernelRegistry& r) {
  r.add_versions<CastKernel, AllTypes>("", "Cast", {1, 6, 9, 13, 19, 21, 23, 24, 25});
  r.add_versions<CastLikeKernel, AllTypes>("", "CastLike", {15, 19, 21, 23, 24, 25});
}

}  // namespace onyx::math
