// The level-2 and level-3 rule groups, in the order the driver tries them.
#include "optimizer/rewrite.h"

namespace onyx::opt {

void add_conv_fusion_rules(std::vector<RewriteRule>& rules);
void add_conv_activation_fusion_rules(std::vector<RewriteRule>& rules);
void add_gelu_fusion_rules(std::vector<RewriteRule>& rules);
void add_attention_fusion_rules(std::vector<RewriteRule>& rules);
void add_matmul_fusion_rules(std::vector<RewriteRule>& rules);
void add_quant_fusion_rules(std::vector<RewriteRule>& rules);
void add_layer_norm_fusion_rules(std::vector<RewriteRule>& rules);

void add_fusion_rules(std::vector<RewriteRule>& rules) {
  add_conv_fusion_rules(rules);  // first: BatchNormalization / Mul / Add fold into the weights
  add_conv_activation_fusion_rules(rules);
  add_gelu_fusion_rules(rules);  // before the MatMul rules, so Gelu can fuse into FusedMatMul
  add_attention_fusion_rules(rules);
  add_matmul_fusion_rules(rules);
  add_layer_norm_fusion_rules(rules);
  add_quant_fusion_rules(rules);
  add_qdq_fusion_rules(rules);
}

}  // namespace onyx::opt
