// Per-op policies for the reduction engine: accumulator type, initial value, fold step and
// final transform. Floating inputs accumulate in double (16-bit floats included); integer sums
// and products wrap in 64-bit unsigned arithmetic (no signed-overflow UB) and are cast back.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/data_type.h"

namespace onyx::reduce {

enum class Kind { kSum, kMean, kProd, kMax, kMin, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

template <typename T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, float16> ||
                                 std::is_same_v<T, bfloat16>;

// double -> T; for integers NaN gives 0 and out-of-range values saturate (never UB).
template <typename T>
T from_double(double v) {
  if constexpr (kIsFloat<T>) {
    return static_cast<T>(static_cast<compute_t<T>>(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else {
    if (std::isnan(v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) {
      return std::numeric_limits<T>::lowest();
    }
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  }
}

// Floating inputs: every kind in double.
template <Kind K, typename T, typename = void>
struct Policy {
  using Acc = double;
  static Acc init() {
    if constexpr (K == Kind::kMax) return -std::numeric_limits<double>::infinity();
    if constexpr (K == Kind::kMin) return std::numeric_limits<double>::infinity();
    if constexpr (K == Kind::kProd) return 1.0;
    return 0.0;
  }
  static void step(Acc& a, T x) {
    const double v = static_cast<double>(static_cast<compute_t<T>>(x));
    if constexpr (K == Kind::kMax) {
      if (v > a || std::isnan(v)) a = v;  // NaN propagates, as in numpy
    } else if constexpr (K == Kind::kMin) {
      if (v < a || std::isnan(v)) a = v;
    } else if constexpr (K == Kind::kProd) {
      a *= v;
    } else if constexpr (K == Kind::kL1) {
      a += std::abs(v);
    } else if constexpr (K == Kind::kL2 || K == Kind::kSumSquare) {
      a += v * v;
    } else {
      a += v;
    }
  }
  static T finish(Acc a, int64_t n) {
    if constexpr (K == Kind::kMean) return from_double<T>(n == 0 ? std::nan("") : a / n);
    if constexpr (K == Kind::kL2) return from_double<T>(std::sqrt(a));
    if constexpr (K == Kind::kLogSum) return from_double<T>(std::log(a));
    return from_double<T>(a);
  }
};

// Integer (and bool) inputs.
template <Kind K, typename T>
struct Policy<K, T, std::enable_if_t<!kIsFloat<T>>> {
  using W = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;  // widened value
  using Acc = uint64_t;  // modular accumulator; max/min store the widened value's bits
  static Acc init() {
    if constexpr (K == Kind::kMax) return static_cast<Acc>(static_cast<W>(std::numeric_limits<T>::lowest()));
    if constexpr (K == Kind::kMin) return static_cast<Acc>(static_cast<W>(std::numeric_limits<T>::max()));
    if constexpr (K == Kind::kProd) return 1;
    return 0;
  }
  static void step(Acc& a, T x) {
    const W v = static_cast<W>(x);
    const Acc u = static_cast<Acc>(v);
    if constexpr (K == Kind::kMax) {
      if (v > static_cast<W>(a)) a = u;
    } else if constexpr (K == Kind::kMin) {
      if (v < static_cast<W>(a)) a = u;
    } else if constexpr (K == Kind::kProd) {
      a *= u;
    } else if constexpr (K == Kind::kL1) {
      a += v < 0 ? Acc(0) - u : u;
    } else if constexpr (K == Kind::kL2 || K == Kind::kSumSquare) {
      a += u * u;
    } else {
      a += u;
    }
  }
  static T finish(Acc a, int64_t n) {
    const W w = static_cast<W>(a);
    if constexpr (K == Kind::kMean) return static_cast<T>(n == 0 ? W(0) : w / static_cast<W>(n));
    if constexpr (K == Kind::kL2) return from_double<T>(std::sqrt(static_cast<double>(w)));
    if constexpr (K == Kind::kLogSum) return from_double<T>(std::log(static_cast<double>(w)));
    return static_cast<T>(w);
  }
};

}  // namespace onyx::reduce
