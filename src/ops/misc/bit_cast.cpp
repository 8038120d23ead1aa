// BitCast: reinterprets each element's bits as the type `to`. The ONNX spec requires both types
// to have the same bit width, so the shape is unchanged and the bytes are copied as they are.
#include <cstring>

#include "ops/registry.h"

namespace onyx {
namespace {

class BitCast final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const int64_t to, info.required_int("to"));
    auto dt = data_type_from_onnx(static_cast<int32_t>(to));
    if (!dt || *dt == DataType::kUndefined || *dt == DataType::kString) {
      return info.error(StatusCode::kInvalidGraph, "'to' = ", to,
                        " is not a numeric element type BitCast can produce");
    }
    to_ = *dt;
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() == DataType::kString) {
      return ctx.invalid_argument("BitCast cannot take string input");
    }
    if (data_type_bits(x->dtype()) != data_type_bits(to_)) {
      return ctx.invalid_argument("BitCast needs types of the same bit width, got ",
                                  data_type_name(x->dtype()), " (", data_type_bits(x->dtype()),
                                  " bits) and ", data_type_name(to_), " (", data_type_bits(to_),
                                  " bits)");
    }
    Tensor& y = ctx.allocate_output(0, to_, x->shape());
    const size_t bytes = data_type_storage_bytes(to_, static_cast<size_t>(x->numel()));
    if (to_ == DataType::kBool) {
      // A C++ bool must hold 0 or 1: any non-zero byte becomes true.
      const uint8_t* in = static_cast<const uint8_t*>(x->raw_data());
      for (size_t i = 0; i < bytes; ++i) y.data<bool>()[i] = in[i] != 0;
    } else if (bytes > 0) {
      std::memcpy(y.raw_data(), x->raw_data(), bytes);
    }
    return Status::OK();
  }

 private:
  DataType to_ = DataType::kUndefined;
};

}  // namespace

void register_bit_cast(KernelRegistry& r) {
  // Any input type; the output type comes from the attribute.
  r.add_versions<BitCast, AllTypes>("", "BitCast", {26}, kMaxOnnxOpset, /*type_input=*/-1);
}

}  // namespace onyx
