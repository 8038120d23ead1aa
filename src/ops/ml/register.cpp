// The ai.onnx.ml family: classical ML operators (scikit-learn style models). Each file
// registers its own ops.
#include "ops/registry.h"

namespace onyx {
namespace ml {
void register_linear(KernelRegistry& r);
void register_transforms(KernelRegistry& r);
void register_maps(KernelRegistry& r);
void register_label_encoder(KernelRegistry& r);
void register_svm(KernelRegistry& r);
void register_tree(KernelRegistry& r);
}  // namespace ml

void register_ml_ops(KernelRegistry& r) {
  ml::register_linear(r);
  ml::register_transforms(r);
  ml::register_maps(r);
  ml::register_label_encoder(r);
  ml::register_svm(r);
  ml::register_tree(r);
}

}  // namespace onyx
