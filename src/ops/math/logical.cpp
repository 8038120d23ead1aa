// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), logical And/Or/Xor/Not and
// the bitwise ops (BitwiseAnd/Or/Xor/Not, BitShift).
#include "ops/math/elementwise.h"
#include "ops/registry.h"

namespace onyx::math {
namespace {

struct CompareBase : NoAttrs {
  static constexpr bool kBool = true;
  static constexpr bool kDivides = false;
};
struct EqualOp : CompareBase {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a == b;
  }
};
struct LessOp : CompareBase {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a < b;
  }
};
struct GreaterOp : CompareBase {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a > b;
  }
};
struct LessOrEqualOp : CompareBase {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a <= b;
  }
};
struct GreaterOrEqualOp : CompareBase {
  template <typename C>
  bool operator()(const C& a, const C& b) const {
    return a >= b;
  }
};
struct AndOp : CompareBase {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct OrOp : CompareBase {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct XorOp : CompareBase {
  bool operator()(bool a, bool b) const { return a != b; }
};
struct NotOp : NoAttrs {
  bool operator()(bool a) const { return !a; }
};

struct BitwiseBase : NoAttrs {
  static constexpr bool kBool = false;
  static constexpr bool kDivides = false;
};
struct BitwiseAndOp : BitwiseBase {
  template <typename C>
  C operator()(C a, C b) const {
    return static_cast<C>(a & b);
  }
};
struct BitwiseOrOp : BitwiseBase {
  template <typename C>
  C operator()(C a, C b) const {
    return static_cast<C>(a | b);
  }
};
struct BitwiseXorOp : BitwiseBase {
  template <typename C>
  C operator()(C a, C b) const {
    return static_cast<C>(a ^ b);
  }
};
struct BitwiseNotOp : NoAttrs {
  template <typename C>
  C operator()(C a) const {
    return static_cast<C>(~a);
  }
};
// Shifts by at least the bit width give 0 (a plain C++ shift would be undefined).
struct BitShiftOp : BitwiseBase {
  bool left = true;
  Status init(const KernelInfo& info) {
    const auto r = info.required_string("direction");
    if (!r.ok()) return r.status();
    const std::string& d = *r;
    if (d != "LEFT" && d != "RIGHT") {
      return info.error(StatusCode::kInvalidArgument, "direction must be LEFT or RIGHT, got '",
                        d, "'");
    }
    left = d == "LEFT";
    return Status::OK();
  }
  template <typename C>
  C operator()(C a, C b) const {
    if (b >= sizeof(C) * 8) return C(0);
    return left ? static_cast<C>(a << b) : static_cast<C>(a >> b);
  }
};

using EqualTypes = AllTypes;  // string since opset 19; bool since 11
using BoolTypes = TypeList<bool>;

}  // namespace

void register_logical(KernelRegistry& r) {
  r.add_versions<BinaryKernel<EqualOp, EqualTypes>, EqualTypes>("", "Equal", {1, 7, 11, 13, 19});
  r.add_versions<BinaryKernel<LessOp, NumericTypes>, NumericTypes>("", "Less", {1, 7, 9, 13});
  r.add_versions<BinaryKernel<GreaterOp, NumericTypes>, NumericTypes>("", "Greater",
                                                                      {1, 7, 9, 13});
  r.add_versions<BinaryKernel<LessOrEqualOp, NumericTypes>, NumericTypes>("", "LessOrEqual",
                                                                          {12, 16});
  r.add_versions<BinaryKernel<GreaterOrEqualOp, NumericTypes>, NumericTypes>(
      "", "GreaterOrEqual", {12, 16});
  r.add_versions<BinaryKernel<AndOp, BoolTypes>, BoolTypes>("", "And", {1, 7});
  r.add_versions<BinaryKernel<OrOp, BoolTypes>, BoolTypes>("", "Or", {1, 7});
  r.add_versions<BinaryKernel<XorOp, BoolTypes>, BoolTypes>("", "Xor", {1, 7});
  r.add_versions<UnaryKernel<NotOp, BoolTypes>, BoolTypes>("", "Not", {1});
  r.add_versions<BinaryKernel<BitwiseAndOp, IntTypes>, IntTypes>("", "BitwiseAnd", {18});
  r.add_versions<BinaryKernel<BitwiseOrOp, IntTypes>, IntTypes>("", "BitwiseOr", {18});
  r.add_versions<BinaryKernel<BitwiseXorOp, IntTypes>, IntTypes>("", "BitwiseXor", {18});
  r.add_versions<UnaryKernel<BitwiseNotOp, IntTypes>, IntTypes>("", "BitwiseNot", {18});
  r.add_versions<BinaryKernel<BitShiftOp, UnsignedIntTypes>, UnsignedIntTypes>("", "BitShift",
                                                                               {11});
}

}  // namespace onyx::math
