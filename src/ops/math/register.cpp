// The math family: elementwise arithmetic, comparisons, logic, activations, Cast, Clip, Where,
// Identity. Each file registers its own ops.
#include "ops/registry.h"

namespace onyx {
namespace math {
void register_arithmetic(KernelRegistry& r);
void register_pow(KernelRegistry& r);
void register_logical(KernelRegistry& r);
void register_unary(KernelRegistry& r);
void register_activations(KernelRegistry& r);
void register_variadic(KernelRegistry& r);
void register_where(KernelRegistry& r);
void register_clip(KernelRegistry& r);
void register_cast(KernelRegistry& r);
void register_identity(KernelRegistry& r);
}  // namespace math

void register_math_ops(KernelRegistry& r) {
  math::register_arithmetic(r);
  math::register_pow(r);
  math::register_logical(r);
  math::register_unary(r);
  math::register_activations(r);
  math::register_variadic(r);
  math::register_where(r);
  math::register_clip(r);
  math::register_cast(r);
  math::register_identity(r);
}

}  // namespace onyx
