// Cast and CastLike between all our element types, strings included.
//
// Numbers -> string: shortest text that reads back to the same value ("0.1", "1e-05"), with
// "INF", "-INF" and "NaN" for the special values; integers in decimal; bool as "1"/"0".
// String -> numbers: decimal or scientific notation, optional sign, surrounding blanks, and the
// case-insensitive literals INF/+INF/-INF/NaN (and "true"/"false" for bool); other text is an
// error. Float -> integer truncates toward zero; out-of-range values (undefined in the spec)
// wrap without undefined behaviour.
//
// float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0), float4e2m1 and the packed int4/uint4/int2/uint2
// are decoded to float (int8/uint8 for the packed integers) or encoded from the standard types:
// float8 rounds to nearest even and honours `saturate` (core/float8.h); e8m0 follows `round_mode`;
// float4e2m1 always saturates; to the packed integers a value is truncated toward zero and its low
// bits kept (wraps, as the reference's ml_dtypes does).
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/float8.h"
#include "core/sub_byte.h"
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

// Cast between two of AllTypes.
Status cast_standard(KernelContext& ctx, const Tensor& x, DataType to) {
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

// ---- float8, float4e2m1 and packed integers --------------------------------------------------

struct CastOptions {
  bool saturate = true;                              // float8 (and e8m0) only
  E8M0Rounding round_mode = E8M0Rounding::kUp;       // e8m0 only
};

bool is_small_float(DataType dt) {
  return float8_format(dt).has_value() || dt == DataType::kFloat8E8M0 ||
         dt == DataType::kFloat4E2M1;
}

// Types stored as codes rather than C++ values: converted through decode / encode below.
bool is_coded(DataType dt) { return is_small_float(dt) || is_sub_byte_integer(dt); }

bool castable(DataType dt) { return TypeListTraits<AllTypes>::contains(dt) || is_coded(dt); }

// The values of a coded tensor in a standard type: float for the small floats (exact), int8 /
// uint8 for the packed integers.
Tensor decode(const Tensor& x, ThreadPool* pool) {
  const DataType dt = x.dtype();
  const int64_t n = x.numel();
  const void* in = x.raw_data();
  if (is_small_float(dt)) {
    Tensor y(DataType::kFloat, x.shape());
    float* out = y.data<float>();
    const auto f8 = float8_format(dt);
    parallel_for(pool, n, kGrain, [&](int64_t b, int64_t e) {
      const auto* codes = static_cast<const uint8_t*>(in);
      for (int64_t i = b; i < e; ++i) {
        if (f8) {
          out[i] = float8_to_float(codes[i], *f8);
        } else if (dt == DataType::kFloat8E8M0) {
          out[i] = float8e8m0_to_float(codes[i]);
        } else {
          out[i] = float4e2m1_to_float(packed_get(in, i, 4));
        }
      }
    });
    return y;
  }
  const bool is_signed = dt == DataType::kInt4 || dt == DataType::kInt2;
  Tensor y(is_signed ? DataType::kInt8 : DataType::kUInt8, x.shape());
  auto* out = static_cast<uint8_t*>(y.raw_data());
  const int bits = static_cast<int>(data_type_bits(dt));
  parallel_for(pool, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      // Two's complement: the int8 bit pattern of the sign-extended value.
      out[i] = static_cast<uint8_t>(sub_byte_int_value(packed_get(in, i, bits), dt));
    }
  });
  return y;
}

// An element of a standard type as double / int64 (false for unparsable text).
template <typename S>
bool to_double(const S& v, double* out) {
  if constexpr (std::is_same_v<S, std::string>) {
    return parse_double(v, out);
  } else {
    *out = static_cast<double>(load(v));
    return true;
  }
}

template <typename S>
bool to_int64(const S& v, int64_t* out) {
  if constexpr (std::is_same_v<S, std::string>) {
    return from_text<int64_t>(v, out);
  } else if constexpr (std::is_floating_point_v<compute_t<S>>) {
    *out = float_to_int<int64_t>(static_cast<double>(load(v)));
    return true;
  } else {
    *out = static_cast<int64_t>(v);  // uint64 wraps; only the low bits are kept anyway
    return true;
  }
}

// Writes encode(in[i]) -> code for every element into y (one byte each, or packed). Packed
// outputs are filled a whole byte at a time so parallel chunks never share a byte.
template <typename S, typename Encode>
Status encode_loop(KernelContext& ctx, const S* in, Tensor& y, const Encode& encode) {
  const int64_t n = y.numel();
  auto* out = static_cast<uint8_t*>(y.raw_data());
  if constexpr (std::is_same_v<S, std::string>) {  // serial: parsing can fail
    for (int64_t i = 0; i < n; ++i) {
      uint8_t code = 0;
      if (!encode(in[i], &code)) {
        return ctx.invalid_argument("cannot parse '", in[i], "' as ", data_type_name(y.dtype()));
      }
      if (is_sub_byte(y.dtype())) {
        packed_set(out, i, static_cast<int>(data_type_bits(y.dtype())), code);
      } else {
        out[i] = code;
      }
    }
    return Status::OK();
  } else {
    if (!is_sub_byte(y.dtype())) {
      parallel_for(ctx.pool(), n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) encode(in[i], &out[i]);
      });
      return Status::OK();
    }
    const int bits = static_cast<int>(data_type_bits(y.dtype()));
    const int64_t per_byte = 8 / bits;
    const uint8_t mask = static_cast<uint8_t>((1 << bits) - 1);
    parallel_for(ctx.pool(), static_cast<int64_t>(y.nbytes()), kGrain / per_byte,
                 [&](int64_t b, int64_t e) {
                   for (int64_t j = b; j < e; ++j) {
                     uint8_t byte = 0;
                     for (int64_t k = 0; k < per_byte && j * per_byte + k < n; ++k) {
                       uint8_t code = 0;
                       encode(in[j * per_byte + k], &code);
                       byte = static_cast<uint8_t>(byte | (code & mask) << (k * bits));
                     }
                     out[j] = byte;
                   }
                 });
    return Status::OK();
  }
}

// Standard-type tensor -> coded type `to`.
Status encode(KernelContext& ctx, const Tensor& x, DataType to, const CastOptions& o) {
  Tensor& y = ctx.allocate_output(0, to, x.shape());
  return dispatch<AllTypes>(x.dtype(), [&]<typename S>() -> Status {
    const S* in = x.data<S>();
    if (const auto f8 = float8_format(to)) {
      const Float8Format fmt = *f8;
      const bool sat = o.saturate;
      return encode_loop(ctx, in, y, [fmt, sat](const S& v, uint8_t* code) {
        double d;
        if (!to_double(v, &d)) return false;
        *code = float_to_float8(d, fmt, sat);
        return true;
      });
    }
    if (to == DataType::kFloat8E8M0) {
      return encode_loop(ctx, in, y, [o](const S& v, uint8_t* code) {
        double d;
        if (!to_double(v, &d)) return false;
        *code = float_to_float8e8m0(static_cast<float>(d), o.round_mode, o.saturate);
        return true;
      });
    }
    if (to == DataType::kFloat4E2M1) {
      return encode_loop(ctx, in, y, [](const S& v, uint8_t* code) {
        double d;
        if (!to_double(v, &d)) return false;
        *code = float_to_float4e2m1(d);
        return true;
      });
    }
    return encode_loop(ctx, in, y, [](const S& v, uint8_t* code) {
      int64_t w;
      if (!to_int64(v, &w)) return false;
      *code = static_cast<uint8_t>(static_cast<uint64_t>(w) & 0xFF);  // encode_loop masks
      return true;
    });
  });
}

Status cast_tensor(KernelContext& ctx, const Tensor& x, DataType to, const CastOptions& o) {
  if (x.dtype() == to) {  // no-op: share the buffer
    ctx.set_output(0, Value(x));
    return Status::OK();
  }
  if (!castable(x.dtype()) || !castable(to)) {
    return ctx.error(StatusCode::kNotImplemented, "cast from ", data_type_name(x.dtype()), " to ",
                     data_type_name(to), " is not supported");
  }
  const Tensor src = is_coded(x.dtype()) ? decode(x, ctx.pool()) : x;
  if (!is_coded(to)) return cast_standard(ctx, src, to);
  return encode(ctx, src, to, o);
}

// saturate (Cast/CastLike-19+) and round_mode (24+/25+; defaults otherwise).
Status read_options(const KernelInfo& info, CastOptions* o) {
  ONYX_ASSIGN_OR_RETURN(const int64_t sat, info.attr_int("saturate", 1));
  o->saturate = sat != 0;
  ONYX_ASSIGN_OR_RETURN(const std::string mode, info.attr_string("round_mode", "up"));
  if (mode == "up") {
    o->round_mode = E8M0Rounding::kUp;
  } else if (mode == "down") {
    o->round_mode = E8M0Rounding::kDown;
  } else if (mode == "nearest") {
    o->round_mode = E8M0Rounding::kNearest;
  } else {
    return info.error(StatusCode::kInvalidArgument, "round_mode must be 'up', 'down' or ",
                      "'nearest', got '", mode, "'");
  }
  return Status::OK();
}

class CastKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_RETURN_IF_ERROR(read_options(info, &options_));
    ONYX_ASSIGN_OR_RETURN(const int64_t code, info.required_int("to"));
    const auto dt = data_type_from_onnx(static_cast<int32_t>(code));
    if (!dt || !castable(*dt)) {
      return info.error(StatusCode::kNotImplemented, "cast to type code ", code,
                        dt ? std::string(" (") + std::string(data_type_name(*dt)) + ")" : "",
                        " is not supported");
    }
    to_ = *dt;
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    return cast_tensor(ctx, *x, to_, options_);
  }

 private:
  DataType to_ = DataType::kFloat;
  CastOptions options_;
};

class CastLikeKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override { return read_options(info, &options_); }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* like, ctx.required_input(1));
    return cast_tensor(ctx, *x, like->dtype(), options_);
  }

 private:
  CastOptions options_;
};

// The input types of each since-version: float8 from 19, int4/uint4 from 21, float4e2m1 from
// 23, float8e8m0 from 24, int2/uint2 from 25.
std::vector<DataType> cast_types(int since) {
  using DT = DataType;
  std::vector<DT> t = types_of(AllTypes{});
  if (since >= 19) {
    t.insert(t.end(), {DT::kFloat8E4M3FN, DT::kFloat8E4M3FNUZ, DT::kFloat8E5M2,
                       DT::kFloat8E5M2FNUZ});
  }
  if (since >= 21) t.insert(t.end(), {DT::kInt4, DT::kUInt4});
  if (since >= 23) t.push_back(DT::kFloat4E2M1);
  if (since >= 24) t.push_back(DT::kFloat8E8M0);
  if (since >= 25) t.insert(t.end(), {DT::kInt2, DT::kUInt2});
  return t;
}

template <typename K>
void add_cast_versions(KernelRegistry& r, const std::string& op, const std::vector<int>& since) {
  for (size_t i = 0; i < since.size(); ++i) {
    const int until = i + 1 < since.size() ? since[i + 1] - 1 : kMaxOnnxOpset;
    r.add(KernelDef{"", op, since[i], until, cast_types(since[i]), 0, kernel_factory<K>()});
  }
}

}  // namespace

void register_cast(KernelRegistry& r) {
  add_cast_versions<CastKernel>(r, "Cast", {1, 6, 9, 13, 19, 21, 23, 24, 25});
  add_cast_versions<CastLikeKernel>(r, "CastLike", {15, 19, 21, 23, 24, 25});
}

}  // namespace onyx::math
