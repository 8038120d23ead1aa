// QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked; integer, float8 and the packed
// int4 / uint4 / int2 / uint2 / float4e2m1 types) and DynamicQuantizeLinear.
//
// Packed types are computed one byte per element (int8 / uint8 values, float4e2m1 codes) and then
// packed, or unpacked first, so the per-element loops are the same for every type.
//
// QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point). The division runs in
// the precision ONNX's reference uses: the scale's type (float16/bfloat16 results rounded to that
// type), the `precision` attribute when given, double for int32 inputs.
// DequantizeLinear: y = (x - zero_point) * scale, the difference exact, one rounding to the
// output type (float16/bfloat16 outputs via float, as the reference does).
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "core/float8.h"
#include "core/sub_byte.h"
#include "ops/quant/linear_quant.h"
#include "ops/quant/quant_util.h"
#include "ops/quant/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using quant::ParamLayout;

using quant::Precision;
using quant::precision_of;
using quant::round_to;

// Copies a float-typed tensor (scale) into doubles.
Result<std::vector<double>> float_values(const Tensor& t, const char* what) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  Status st = dispatch<FloatTypes>(t.dtype(), [&]<typename T>() -> Status {
    const T* p = t.data<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = quant::as_double(p[i]);
    return Status::OK();
  });
  if (!st.ok()) {
    return InvalidArgument(what, " must be float, double, float16 or bfloat16, got ",
                           data_type_name(t.dtype()));
  }
  return v;
}

// Range of a packed integer type and the one-byte type its values are computed in.
struct PackedIntRange {
  DataType unpacked;
  int64_t lo, hi;
};

std::optional<PackedIntRange> packed_int_range(DataType dt) {
  switch (dt) {
    case DataType::kInt4: return PackedIntRange{DataType::kInt8, -8, 7};
    case DataType::kUInt4: return PackedIntRange{DataType::kUInt8, 0, 15};
    case DataType::kInt2: return PackedIntRange{DataType::kInt8, -2, 1};
    case DataType::kUInt2: return PackedIntRange{DataType::kUInt8, 0, 3};
    default: return std::nullopt;
  }
}

// A packed tensor's values one per element: int8 / uint8 (sign-extended) for the integers,
// float for float4e2m1.
Tensor unpack(const Tensor& t) {
  const int64_t n = t.numel();
  if (t.dtype() == DataType::kFloat4E2M1) {
    Tensor u(DataType::kFloat, t.shape());
    for (int64_t i = 0; i < n; ++i) u.data<float>()[i] = float4e2m1_to_float(packed_get(t.raw_data(), i, 4));
    return u;
  }
  Tensor u(packed_int_range(t.dtype())->unpacked, t.shape());
  const int bits = static_cast<int>(data_type_bits(t.dtype()));
  for (int64_t i = 0; i < n; ++i) {
    u.data<uint8_t>()[i] =
        static_cast<uint8_t>(sub_byte_int_value(packed_get(t.raw_data(), i, bits), t.dtype()));
  }
  return u;
}

// Copies a quantized-type tensor (zero point) into doubles (float8 decoded, packed unpacked).
Result<std::vector<double>> quant_values(const Tensor& packed_or_not) {
  const Tensor t = is_sub_byte(packed_or_not.dtype()) ? unpack(packed_or_not) : packed_or_not;
  std::vector<double> v(static_cast<size_t>(t.numel()));
  if (auto f8 = float8_format(t.dtype())) {
    const uint8_t* p = t.data<uint8_t>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = float8_to_float(p[i], *f8);
    return v;
  }
  if (t.dtype() == DataType::kFloat) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<float>()[i];
    return v;
  }
  Status st = dispatch<TypeList<uint8_t, int8_t, uint16_t, int16_t, int32_t>>(
      t.dtype(), [&]<typename T>() -> Status {
        const T* p = t.data<T>();
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[i]);
        return Status::OK();
      });
  if (!st.ok()) return st;
  return v;
}

class QuantizeLinear final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 1));
    ONYX_ASSIGN_OR_RETURN(const int64_t sat, info.attr_int("saturate", 1));
    saturate_ = sat != 0;
    ONYX_ASSIGN_OR_RETURN(block_size_, info.attr_int("block_size", 0));
    if (block_size_ < 0) {
      return info.error(StatusCode::kInvalidArgument, "block_size must be >= 0, got ",
                        block_size_);
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t od, info.attr_int("output_dtype", 0));
    if (od != 0) {
      auto dt = data_type_from_onnx(static_cast<int32_t>(od));
      if (!dt) return info.error(StatusCode::kInvalidArgument, "unknown output_dtype ", od);
      output_dtype_ = *dt;
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t prec, info.attr_int("precision", 0));
    if (prec != 0) {
      auto dt = data_type_from_onnx(static_cast<int32_t>(prec));
      if (!dt || !precision_of(*dt).ok()) {
        return info.error(StatusCode::kInvalidArgument, "unsupported precision ", prec);
      }
      precision_ = *dt;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale, ctx.required_input(1));
    const Tensor* zp = ctx.input(2);

    DataType out_dt = DataType::kUInt8;
    if (zp != nullptr) {
      if (output_dtype_ != DataType::kUndefined && output_dtype_ != zp->dtype()) {
        return ctx.invalid_argument("output_dtype ", data_type_name(output_dtype_),
                                    " differs from the zero point's type ",
                                    data_type_name(zp->dtype()));
      }
      out_dt = zp->dtype();
    } else if (output_dtype_ != DataType::kUndefined) {
      out_dt = output_dtype_;
    }
    const auto f8 = float8_format(out_dt);
    const bool f4 = out_dt == DataType::kFloat4E2M1;
    const auto packed_int = packed_int_range(out_dt);
    if (!f8 && !f4 && !packed_int && !TypeListTraits<quant::QuantIntTypes>::contains(out_dt)) {
      return ctx.invalid_argument("unsupported quantized output type ", data_type_name(out_dt));
    }

    const Shape* zp_shape = zp != nullptr ? &zp->shape() : nullptr;
    auto layout = quant::make_param_layout(x->shape(), scale->shape(), zp_shape, axis_,
                                           block_size_);
    if (!layout.ok()) return ctx.invalid_argument(layout.status().message());
    auto sc = float_values(*scale, "y_scale");
    if (!sc.ok()) return ctx.invalid_argument(sc.status().message());
    std::vector<double> zpv(sc->size(), 0.0);
    if (zp != nullptr) {
      auto z = quant_values(*zp);
      if (!z.ok()) return ctx.invalid_argument(z.status().message());
      zpv = std::move(*z);
    }

    // Division precision: the attribute, else as numpy promotes x and the scale.
    Precision prec = Precision::kFloat;
    if (precision_ != DataType::kUndefined) {
      prec = *precision_of(precision_);
    } else if (x->dtype() == DataType::kInt32 || x->dtype() == DataType::kDouble ||
               scale->dtype() == DataType::kDouble) {
      prec = Precision::kDouble;
    } else if (x->dtype() == scale->dtype()) {
      prec = *precision_of(scale->dtype());
    }

    Tensor& y = ctx.allocate_output(0, out_dt, x->shape());
    // One float scale and zero point, float x, 8-bit y: the vectorized path (linear_quant.h).
    const bool eight_bit = out_dt == DataType::kUInt8 || out_dt == DataType::kInt8;
    if (eight_bit && x->dtype() == DataType::kFloat && scale->dtype() == DataType::kFloat &&
        prec == Precision::kFloat && sc->size() == 1 && (*sc)[0] > 0.0 &&
        std::isfinite((*sc)[0])) {
      quant::quantize_8bit(x->data<float>(), x->numel(), static_cast<float>((*sc)[0]),
                           static_cast<int32_t>(zpv[0]), out_dt == DataType::kInt8,
                           y.raw_data(), ctx.pool());
      return Status::OK();
    }
    // Packed outputs are computed one byte per element here, then packed into y.
    Tensor staging = y;
    if (is_sub_byte(out_dt)) {
      staging = Tensor(packed_int ? packed_int->unpacked : DataType::kUInt8, x->shape());
    }
    ThreadPool* pool = ctx.pool();
    const bool saturate = saturate_;
    Status st = dispatch<TypeList<float, float16, bfloat16, double, int32_t>>(
        x->dtype(), [&]<typename X>() -> Status {
          const X* xp = x->data<X>();
          auto run = [&]<Precision P>() -> Status {
            if (f8 || f4) {
              uint8_t* yp = staging.data<uint8_t>();
              const Float8Format fmt = f8 ? *f8 : Float8Format{};
              layout->for_each_run([&](int64_t off, int64_t n, int64_t po, int64_t ps) {
                parallel_for(pool, n, 1 << 14, [&](int64_t b, int64_t e) {
                  for (int64_t j = b; j < e; ++j) {
                    const size_t pi = static_cast<size_t>(po + j * ps);
                    const double q = round_to<P>(round_to<P>(quant::as_double(xp[off + j])) /
                                                 round_to<P>((*sc)[pi]));
                    // A zero zero point is not added: -0 stays -0.
                    const double v = zpv[pi] == 0.0 ? q : q + zpv[pi];
                    // float4e2m1 always saturates (it has no infinity or NaN).
                    const double vf = static_cast<float>(v);
                    yp[off + j] = f4 ? float_to_float4e2m1(vf)
                                     : float_to_float8(vf, fmt, saturate);
                  }
                });
              });
              return Status::OK();
            }
            return dispatch<quant::QuantIntTypes>(staging.dtype(), [&]<typename Q>() -> Status {
              Q* yp = staging.data<Q>();
              const int64_t lo = packed_int ? packed_int->lo : quant::qmin<Q>;
              const int64_t hi = packed_int ? packed_int->hi : quant::qmax<Q>;
              layout->for_each_run([&](int64_t off, int64_t n, int64_t po, int64_t ps) {
                parallel_for(pool, n, 1 << 14, [&](int64_t b, int64_t e) {
                  for (int64_t j = b; j < e; ++j) {
                    const size_t pi = static_cast<size_t>(po + j * ps);
                    const double q = round_to<P>(round_to<P>(quant::as_double(xp[off + j])) /
                                                 round_to<P>((*sc)[pi]));
                    yp[off + j] = static_cast<Q>(quant::round_saturate(q, zpv[pi], lo, hi));
                  }
                });
              });
              return Status::OK();
            });
          };
          switch (prec) {
            case Precision::kDouble: return run.template operator()<Precision::kDouble>();
            case Precision::kFloat: return run.template operator()<Precision::kFloat>();
            case Precision::kHalf: return run.template operator()<Precision::kHalf>();
            case Precision::kBFloat16: return run.template operator()<Precision::kBFloat16>();
          }
          return Status::OK();
        });
    if (st.ok() && is_sub_byte(out_dt)) {
      pack_codes(staging.data<uint8_t>(), y.numel(), static_cast<int>(data_type_bits(out_dt)),
                 y.raw_data());
    }
    return st;
  }

 private:
  int64_t axis_ = 1;
  bool saturate_ = true;
  int64_t block_size_ = 0;
  DataType output_dtype_ = DataType::kUndefined;
  DataType precision_ = DataType::kUndefined;
};

class DequantizeLinear final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(axis_, info.attr_int("axis", 1));
    ONYX_ASSIGN_OR_RETURN(block_size_, info.attr_int("block_size", 0));
    if (block_size_ < 0) {
      return info.error(StatusCode::kInvalidArgument, "block_size must be >= 0, got ",
                        block_size_);
    }
    ONYX_ASSIGN_OR_RETURN(const int64_t od, info.attr_int("output_dtype", 0));
    if (od != 0) {
      auto dt = data_type_from_onnx(static_cast<int32_t>(od));
      if (!dt || !TypeListTraits<FloatTypes>::contains(*dt)) {
        return info.error(StatusCode::kInvalidArgument, "unsupported output_dtype ", od);
      }
      output_dtype_ = *dt;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x_in, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* scale, ctx.required_input(1));
    const Tensor* zp = ctx.input(2);
    // Packed inputs are unpacked to one value per element first.
    const Tensor unpacked = is_sub_byte(x_in->dtype()) ? unpack(*x_in) : Tensor();
    const Tensor* x = unpacked.defined() ? &unpacked : x_in;
    if (zp != nullptr && zp->dtype() != x_in->dtype()) {
      return ctx.invalid_argument("x_zero_point type ", data_type_name(zp->dtype()),
                                  " differs from x type ", data_type_name(x_in->dtype()));
    }
    const DataType out_dt =
        output_dtype_ != DataType::kUndefined ? output_dtype_ : scale->dtype();
    if (!TypeListTraits<FloatTypes>::contains(out_dt)) {
      return ctx.invalid_argument("x_scale must be float, double, float16 or bfloat16, got ",
                                  data_type_name(scale->dtype()));
    }
    const Shape* zp_shape = zp != nullptr ? &zp->shape() : nullptr;
    auto layout = quant::make_param_layout(x->shape(), scale->shape(), zp_shape, axis_,
                                           block_size_);
    if (!layout.ok()) return ctx.invalid_argument(layout.status().message());
    auto sc = float_values(*scale, "x_scale");
    if (!sc.ok()) return ctx.invalid_argument(sc.status().message());
    std::vector<double> zpv(sc->size(), 0.0);
    if (zp != nullptr) {
      auto z = quant_values(*zp);
      if (!z.ok()) return ctx.invalid_argument(z.status().message());
      zpv = std::move(*z);
    }
    Tensor& y = ctx.allocate_output(0, out_dt, x->shape());
    // 8-bit x, one float scale and zero point, float y: the vectorized path (linear_quant.h).
    if ((x->dtype() == DataType::kUInt8 || x->dtype() == DataType::kInt8) &&
        scale->dtype() == DataType::kFloat && out_dt == DataType::kFloat && sc->size() == 1) {
      quant::dequantize_8bit(x->raw_data(), x->numel(), x->dtype() == DataType::kInt8,
                             static_cast<float>((*sc)[0]), static_cast<int32_t>(zpv[0]),
                             y.data<float>(), ctx.pool());
      return Status::OK();
    }
    ThreadPool* pool = ctx.pool();
    return dispatch<FloatTypes>(out_dt, [&]<typename Y>() -> Status {
      Y* yp = y.data<Y>();
      auto store = [](double v) -> Y {
        if constexpr (std::is_same_v<Y, double>) {
          return v;
        } else if constexpr (std::is_same_v<Y, float>) {
          return static_cast<float>(v);
        } else {
          return Y(static_cast<float>(v));
        }
      };
      auto run = [&](auto&& value_of) {
        layout->for_each_run([&](int64_t off, int64_t n, int64_t po, int64_t ps) {
          parallel_for(pool, n, 1 << 14, [&](int64_t b, int64_t e) {
            for (int64_t j = b; j < e; ++j) {
              const size_t pi = static_cast<size_t>(po + j * ps);
              yp[off + j] = store((value_of(off + j) - zpv[pi]) * (*sc)[pi]);
            }
          });
        });
      };
      if (auto f8 = float8_format(x->dtype())) {
        const uint8_t* xp = x->data<uint8_t>();
        const Float8Format fmt = *f8;
        // Product in float as the reference (float8 values times the scale), then rounded.
        run([&](int64_t i) { return static_cast<double>(float8_to_float(xp[i], fmt)); });
        return Status::OK();
      }
      if (x->dtype() == DataType::kFloat) {  // unpacked float4e2m1
        const float* xp = x->data<float>();
        run([&](int64_t i) { return static_cast<double>(xp[i]); });
        return Status::OK();
      }
      return dispatch<TypeList<uint8_t, int8_t, uint16_t, int16_t, int32_t>>(
          x->dtype(), [&]<typename X>() -> Status {
            const X* xp = x->data<X>();
            run([&](int64_t i) { return static_cast<double>(xp[i]); });
            return Status::OK();
          });
    });
  }

 private:
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  DataType output_dtype_ = DataType::kUndefined;
};

// y_scale = (max(0, max x) - min(0, min x)) / 255, y_zero_point = saturate(round(-min / scale)),
// y = saturate(round(x / y_scale) + y_zero_point), all in float as the spec's reference.
class DynamicQuantizeLinear final : public OpKernel {
 public:
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kFloat) {
      return ctx.invalid_argument("x must be float, got ", data_type_name(x->dtype()));
    }
    const float* xp = x->data<float>();
    const int64_t n = x->numel();
    const quant::DynamicQuantParams p = quant::dynamic_quant_params(xp, n, ctx.pool());
    Tensor& y = ctx.allocate_output(0, DataType::kUInt8, x->shape());
    quant::quantize_u8(xp, n, p, y.data<uint8_t>(), ctx.pool());
    const float scale = p.scale;
    const uint8_t zp = p.zero_point;
    if (ctx.num_outputs() > 1) *ctx.allocate_output(1, DataType::kFloat, {}).data<float>() = scale;
    if (ctx.num_outputs() > 2) *ctx.allocate_output(2, DataType::kUInt8, {}).data<uint8_t>() = zp;
    return Status::OK();
  }
};

// Registers K for each since-version with its own list of accepted input-0 types.
template <typename K>
void add_typed_versions(KernelRegistry& r, const std::string& op,
                        const std::vector<std::pair<int, std::vector<DataType>>>& versions) {
  for (size_t i = 0; i < versions.size(); ++i) {
    const int end = i + 1 < versions.size() ? versions[i + 1].first - 1 : kMaxOnnxOpset;
    r.add(KernelDef{"", op, versions[i].first, end, versions[i].second, 0, kernel_factory<K>()});
  }
}

}  // namespace

void register_quantize_linear(KernelRegistry& r) {
  using DT = DataType;
  const std::vector<DT> q10 = {DT::kFloat, DT::kInt32};
  const std::vector<DT> q19 = {DT::kFloat, DT::kFloat16, DT::kBFloat16, DT::kInt32};
  add_typed_versions<QuantizeLinear>(
      r, "QuantizeLinear", {{10, q10}, {13, q10}, {19, q19}, {21, q19}, {23, q19}, {24, q19},
                            {25, q19}});
  const std::vector<DT> d10 = {DT::kInt8, DT::kUInt8, DT::kInt32};
  const std::vector<DT> d19 = {DT::kInt8,          DT::kUInt8,          DT::kInt32,
                               DT::kFloat8E4M3FN,  DT::kFloat8E4M3FNUZ, DT::kFloat8E5M2,
                               DT::kFloat8E5M2FNUZ};
  std::vector<DT> d21 = d19;
  d21.insert(d21.end(), {DT::kInt16, DT::kUInt16, DT::kInt4, DT::kUInt4});
  std::vector<DT> d23 = d21;
  d23.push_back(DT::kFloat4E2M1);
  std::vector<DT> d25 = d23;
  d25.insert(d25.end(), {DT::kInt2, DT::kUInt2});
  add_typed_versions<DequantizeLinear>(
      r, "DequantizeLinear", {{10, d10}, {13, d10}, {19, d19}, {21, d21}, {23, d23}, {24, d23},
                              {25, d25}});
  r.add_versions<DynamicQuantizeLinear, TypeList<float>>("", "DynamicQuantizeLinear", {11});
}

}  // namespace onyx
