// Add, Sub, Mul, Div, Mod: binary arithmetic with broadcasting (legacy attributes before opset 7).
#include <cmath>

#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

struct ArithBase : NoAttrs {
  static constexpr bool kBool = false;
  static constexpr bool kDivides = false;
};

struct AddOp : ArithBase {
  template <typename C>
  C operator()(C a, C b) const {
    return wrap_add(a, b);
  }
};
struct SubOp : ArithBase {
  template <typename C>
  C operator()(C a, C b) const {
    return wrap_sub(a, b);
  }
};
struct MulOp : ArithBase {
  template <typename C>
  C operator()(C a, C b) const {
    return wrap_mul(a, b);
  }
};
// Integer division truncates toward zero (C semantics, as other runtimes); a zero divisor is
// rejected by BinaryKernel before the loop (kDivides).
struct DivOp : ArithBase {
  static constexpr bool kDivides = true;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
      if (b == C(-1)) return wrap_neg(a);  // INT_MIN / -1 traps on x86
    }
    return static_cast<C>(a / b);
  }
};

// Mod: fmod=0 takes the sign of the divisor (Python/numpy %), fmod=1 that of the dividend (C).
struct ModOp : ArithBase {
  static constexpr bool kDivides = true;
  bool fmod = false;
  Status init(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(const int64_t f, info.attr_int("fmod", 0));
    if (f != 0 && f != 1) return info.error(StatusCode::kInvalidArgument, "fmod must be 0 or 1");
    fmod = f == 1;
    return Status::OK();
  }
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      C r = std::fmod(a, b);
      // numpy.mod for floats when fmod=0 (the spec requires fmod=1 for floats; be lenient).
      if (!fmod && r != C(0) && ((r < 0) != (b < 0))) r += b;
      return r;
    } else if constexpr (std::is_signed_v<C>) {
      if (b == C(-1)) return C(0);  // INT_MIN % -1 traps on x86
      C r = static_cast<C>(a % b);
      if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<C>(r + b);
      return r;
    } else {
      return static_cast<C>(a % b);
    }
  }
};

}  // namespace

void register_arithmetic(KernelRegistry& r) {
  r.add_versions<BinaryKernel<AddOp, NumericTypes>, NumericTypes>("", "Add", {1, 6, 7, 13, 14});
  r.add_versions<BinaryKernel<SubOp, NumericTypes>, NumericTypes>("", "Sub", {1, 6, 7, 13, 14});
  r.add_versions<BinaryKernel<MulOp, NumericTypes>, NumericTypes>("", "Mul", {1, 6, 7, 13, 14});
  r.add_versions<BinaryKernel<DivOp, NumericTypes>, NumericTypes>("", "Div", {1, 6, 7, 13, 14});
  r.add_versions<BinaryKernel<ModOp, NumericTypes>, NumericTypes>("", "Mod", {10, 13});
}

}  // namespace onyx::math
