// Shared pieces of the quant family: quantization-parameter layouts (per-tensor, per-axis,
// blocked), rounding/saturation, and exact integer GEMM through float/double BLAS.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/data_type.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

namespace onyx::quant {

// How a scale / zero-point tensor maps onto the elements of x, viewed as [outer, D, inner]
// with D = x.shape[axis].
struct ParamLayout {
  enum class Kind { kPerTensor, kPerAxis, kBlocked } kind = Kind::kPerTensor;
  int64_t outer = 1, D = 1, inner = 1;
  int64_t blocks = 1;      // S: scale dim on the axis (blocked)
  int64_t block_size = 0;  // blocked only

  // Calls f(x_offset, count, param_offset, param_step) for runs of elements of x: element
  // x_offset + j uses parameter param_offset + j * param_step, j in [0, count).
  template <typename F>
  void for_each_run(F&& f) const {
    const int64_t total = outer * D * inner;
    if (total == 0) return;
    if (kind == Kind::kPerTensor) {
      f(int64_t{0}, total, int64_t{0}, int64_t{0});
      return;
    }
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t d = 0; d < D; ++d) {
        const int64_t base = (o * D + d) * inner;
        if (kind == Kind::kPerAxis) {
          f(base, inner, d, int64_t{0});
        } else {
          f(base, inner, (o * blocks + d / block_size) * inner, int64_t{1});
        }
      }
    }
  }
};

// Validates `scale` (and `zero_point`, when given) against x's shape. `axis` is the raw attribute,
// `block_size` 0 for none. Errors are InvalidArgument messages without node context.
inline Result<ParamLayout> make_param_layout(const Shape& x, const Shape& scale,
                                             const Shape* zero_point, int64_t axis,
                                             int64_t block_size) {
  ParamLayout p;
  const int64_t rank = static_cast<int64_t>(x.size());
  if (zero_point != nullptr && *zero_point != scale && !(shape_numel(*zero_point) == 1 &&
                                                         shape_numel(scale) == 1)) {
    return InvalidArgument("zero point shape ", shape_to_string(*zero_point),
                           " differs from scale shape ", shape_to_string(scale));
  }
  if (block_size < 0) return InvalidArgument("block_size must be >= 0, got ", block_size);
  const int64_t n = shape_numel(scale);
  if (block_size == 0 && n == 1 && scale.size() <= 1) {
    p.outer = shape_numel(x);
    return p;
  }
  if (block_size == 0 && scale.size() > 1) {
    return InvalidArgument("scale must be a scalar or 1-D tensor (or block_size must be set), got ",
                           shape_to_string(scale));
  }
  if (axis < -rank || axis >= rank) {
    return InvalidArgument("axis ", axis, " out of range for input of rank ", rank);
  }
  if (axis < 0) axis += rank;
  const size_t ax = static_cast<size_t>(axis);
  for (size_t i = 0; i < ax; ++i) p.outer *= x[i];
  p.D = x[ax];
  for (size_t i = ax + 1; i < x.size(); ++i) p.inner *= x[i];
  if (block_size == 0) {
    if (n != p.D) {
      return InvalidArgument("per-axis scale has ", n, " elements but input dim ", axis, " is ",
                             p.D, " (input shape ", shape_to_string(x), ")");
    }
    p.kind = ParamLayout::Kind::kPerAxis;
    return p;
  }
  // Blocked: scale has x's shape except on the axis, where it has ceil(D / block_size).
  const int64_t S = (p.D + block_size - 1) / block_size;
  bool ok = scale.size() == x.size();
  for (size_t i = 0; ok && i < x.size(); ++i) ok = i == ax ? scale[i] == S : scale[i] == x[i];
  if (!ok) {
    return InvalidArgument("blocked quantization with block_size ", block_size, " on axis ", axis,
                           " of input ", shape_to_string(x), " needs a scale of the same shape ",
                           "with ", S, " on that axis, got ", shape_to_string(scale));
  }
  p.kind = ParamLayout::Kind::kBlocked;
  p.blocks = S;
  p.block_size = block_size;
  return p;
}

// Values of a numeric tensor as double (float8 decoded elsewhere).
template <typename T>
inline double as_double(T v) {
  if constexpr (std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

// round-half-to-even, then saturate to [lo, hi]. NaN maps to 0 before the zero point is added.
inline int64_t round_saturate(double v, double zp, int64_t lo, int64_t hi) {
  double r = std::isnan(v) ? 0.0 : std::nearbyint(v);
  r += zp;
  if (!(r >= static_cast<double>(lo))) return lo;
  if (r > static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(r);
}

// round_saturate over the lanes of a GCC vector of floats or doubles: half to even by adding and
// taking away `magic` (1.5 * 2^23 for float, 1.5 * 2^52 for double; exact below 2^22 / 2^51,
// and larger values saturate anyway), NaN lanes to 0, then the zero point and [lo, hi].
template <typename V>
[[gnu::always_inline]] inline V round_saturate_lanes(V v, V magic, V zp, V lo, V hi) {
  V r = (v + magic) - magic;
  r = v == v ? r : V{};
  r += zp;
  r = r < lo ? lo : r;
  return r > hi ? hi : r;
}

template <typename Q>
inline constexpr int64_t qmin = static_cast<int64_t>(std::numeric_limits<Q>::min());
template <typename Q>
inline constexpr int64_t qmax = static_cast<int64_t>(std::numeric_limits<Q>::max());

// The arithmetic type ONNX's reference computes a quantization scale expression in; round_to<P>
// rounds an exact double to it (float16/bfloat16 operations emulated through float, exact since
// float has more than twice their precision).
enum class Precision { kDouble, kFloat, kHalf, kBFloat16 };

template <Precision P>
inline double round_to(double v) {
  if constexpr (P == Precision::kDouble) {
    return v;
  } else if constexpr (P == Precision::kFloat) {
    return static_cast<double>(static_cast<float>(v));
  } else if constexpr (P == Precision::kHalf) {
    return static_cast<double>(static_cast<float>(float16(static_cast<float>(v))));
  } else {
    return static_cast<double>(static_cast<float>(bfloat16(static_cast<float>(v))));
  }
}

inline Result<Precision> precision_of(DataType dt) {
  switch (dt) {
    case DataType::kDouble: return Precision::kDouble;
    case DataType::kFloat: return Precision::kFloat;
    case DataType::kFloat16: return Precision::kHalf;
    case DataType::kBFloat16: return Precision::kBFloat16;
    default: return InvalidArgument("unsupported precision type ", data_type_name(dt));
  }
}

using QuantIntTypes = TypeList<uint8_t, int8_t, uint16_t, int16_t>;
using Int8Types = TypeList<uint8_t, int8_t>;

// Calls f.template operator()<P, Q>() for the precision `prec` and the 8-bit output type `out`:
// the requantization step shared by QLinearConv and QLinearMatMul.
template <typename F>
Status dispatch_requant(DataType out, Precision prec, const F& f) {
  return dispatch<Int8Types>(out, [&]<typename Q>() -> Status {
    switch (prec) {
      case Precision::kDouble: return f.template operator()<Precision::kDouble, Q>();
      case Precision::kFloat: return f.template operator()<Precision::kFloat, Q>();
      case Precision::kHalf: return f.template operator()<Precision::kHalf, Q>();
      case Precision::kBFloat16: return f.template operator()<Precision::kBFloat16, Q>();
    }
    return Status::OK();
  });
}

// A double result of an exact integer GEMM to int32 with int32 wrap-around.
inline int32_t wrap_int32(double v) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(
      static_cast<int64_t>(v))));
}

}  // namespace onyx::quant
