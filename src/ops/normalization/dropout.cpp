// Dropout (1, 6, 7, 10, 12, 13, 22).
//
// Inference (the default, and always before opset 12): output = data (shares the buffer) and
// mask = all kept (bool from opset 10; before that, of the data type, all ones).
// From opset 12 a true `training_mode` input with ratio > 0 draws a Bernoulli(1 - ratio) mask
// and scales kept values by 1 / (1 - ratio). With a `seed` attribute every call draws the same
// mask (kernels hold no mutable state); without one each call is seeded from random_device.
#include <cstring>
#include <random>

#include "ops/normalization/norm_util.h"
#include "ops/registry.h"

namespace onyx {
namespace {

class Dropout final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    opset_ = info.opset();
    if (opset_ < 12) {
      ONYX_ASSIGN_OR_RETURN(ratio_, info.attr_float("ratio", 0.5f));
    } else if (info.has_attr("seed")) {
      ONYX_ASSIGN_OR_RETURN(seed_, info.attr_int("seed", 0));
      has_seed_ = true;
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    double ratio = ratio_;
    bool training = false;
    if (opset_ >= 12) {
      if (ctx.has_input(1)) {
        const Tensor* r = ctx.input(1);
        if (r == nullptr || r->numel() != 1) return ctx.invalid_argument("ratio must be a scalar");
        ONYX_ASSIGN_OR_RETURN(std::vector<double> rv, norm::to_doubles(*r));
        ratio = rv[0];
      }
      if (ctx.has_input(2)) {
        const Tensor* t = ctx.input(2);
        if (t == nullptr || t->dtype() != DataType::kBool || t->numel() != 1) {
          return ctx.invalid_argument("training_mode must be a bool scalar");
        }
        training = *t->data<bool>();
      }
    }
    if (!(ratio >= 0.0 && ratio <= 1.0)) return ctx.invalid_argument("ratio ", ratio, " is not in [0, 1]");
    const bool want_mask = ctx.output_requested(1);
    if (!training || ratio == 0.0) {
      ctx.set_output(0, Value(*x));
      if (want_mask) {
        const DataType mdt = opset_ >= 10 ? DataType::kBool : x->dtype();
        Tensor& m = ctx.allocate_output(1, mdt, x->shape());
        return dispatch<NumericAndBoolTypes>(mdt, [&]<typename T>() {
          for (int64_t i = 0; i < m.numel(); ++i) m.data<T>()[i] = static_cast<T>(1.0f);
          return Status::OK();
        });
      }
      return Status::OK();
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), x->shape());
    Tensor mask(DataType::kBool, x->shape());
    // numpy's legacy RandomState draws: seed(s) is MT19937 init_genrand(s), and a uniform
    // double takes 53 bits from two 32-bit outputs. Matching it makes seeded masks agree with
    // the ONNX reference implementation (np.random.uniform(0, 1, shape) >= ratio).
    std::mt19937 gen(has_seed_ ? static_cast<uint32_t>(seed_) : std::random_device{}());
    for (int64_t i = 0; i < mask.numel(); ++i) {
      const uint32_t a = gen() >> 5, b = gen() >> 6;
      const double u = (a * 67108864.0 + b) / 9007199254740992.0;
      mask.data<bool>()[i] = u >= ratio;
    }
    const double scale = ratio < 1.0 ? 1.0 / (1.0 - ratio) : 0.0;
    ONYX_RETURN_IF_ERROR(dispatch<FloatTypes>(x->dtype(), [&]<typename T>() {
      using C = norm::calc_t<T>;
      for (int64_t i = 0; i < x->numel(); ++i) {
        const C v = mask.data<bool>()[i] ? static_cast<C>(static_cast<C>(x->data<T>()[i]) * scale) : C(0);
        y.data<T>()[i] = static_cast<T>(v);
      }
      return Status::OK();
    }));
    if (want_mask) ctx.set_output(1, Value(mask));
    return Status::OK();
  }

 private:
  int opset_ = 13;
  float ratio_ = 0.5f;
  int64_t seed_ = 0;
  bool has_seed_ = false;
};

}  // namespace

void register_dropout_kernels(KernelRegistry& r) {
  r.add_versions<Dropout, FloatTypes>("", "Dropout", {1, 6, 7, 10, 12, 13, 22});
}

}  // namespace onyx
