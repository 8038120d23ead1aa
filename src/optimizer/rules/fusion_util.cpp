#include "optimizer/rules/fusion_util.h"

#include "optimizer/rules/rule_util.h"

namespace onyx::opt::fusion {

bool per_channel(const Tensor& c, int64_t out_rank, int64_t M, std::vector<double>& out) {
  std::vector<double> v;
  if (!rules::as_doubles(c, v)) return false;
  const int64_t r = static_cast<int64_t>(c.rank());
  if (r > out_rank) return false;
  if (c.numel() == 1) {
    out.assign(static_cast<size_t>(M), v[0]);
    return true;
  }
  // Right-aligned: c's axis (r - out_rank + 1) is the channel axis; every other axis is 1.
  const int64_t channel_axis = r - out_rank + 1;
  if (channel_axis < 0) return false;
  for (int64_t a = 0; a < r; ++a) {
    const int64_t d = c.dim(static_cast<size_t>(a));
    if (a == channel_axis ? d != M : d != 1) return false;
  }
  out = std::move(v);
  return true;
}

int sole_producer(RewriteContext& ctx, const std::string& v, const char* op) {
  const int p = ctx.producer_index(v);
  if (p < 0 || ctx.is_removed(p) || !ctx.single_consumer(v)) return -1;
  const ir::Node& n = ctx.node(p);
  return n.op_type == op && n.domain.empty() ? p : -1;
}

void import_onyx_domain(RewriteContext& ctx) { ctx.import_domain(kOnyxDomain, 1); }

bool matmul_activation(const ir::Node& act, std::string& name, std::vector<float>& params) {
  name = act.op_type;
  params.clear();
  if (act.domain.empty() &&
      (act.op_type == "Relu" || act.op_type == "Sigmoid" || act.op_type == "Tanh")) {
    return true;
  }
  if (act.domain.empty() && act.op_type == "LeakyRelu") {
    const ir::Attribute* a = act.find_attribute("alpha");
    params = {a ? a->f : 0.01f};
    return true;
  }
  if (act.op_type == "Gelu" && act.domain == kOnyxDomain) {
    const ir::Attribute* ap = act.find_attribute("approximate");
    name = ap != nullptr && ap->s == "tanh" ? "GeluTanh" : "Gelu";
    return true;
  }
  return false;
}

Tensor from_doubles(const std::vector<double>& values, DataType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  (void)dispatch<FloatTypes>(dtype, [&]<typename T>() {  // dtype checked by the caller
    T* p = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
    return Status::OK();
  });
  return t;
}

void fuse_into(RewriteContext& ctx, int i, const char* fused_op, const std::string& out,
               const std::function<void(ir::Node&)>& edit) {
  ctx.edit_node(i, [&](ir::Node& n) {
    if (n.op_type != fused_op || n.domain != kOnyxDomain) {
      n.op_type = fused_op;
      n.domain = kOnyxDomain;
      n.opset = 1;
    }
    n.outputs = {out};
    edit(n);
  });
  import_onyx_domain(ctx);
}

}  // namespace onyx::opt::fusion
