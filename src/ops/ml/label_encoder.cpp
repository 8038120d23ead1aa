// LabelEncoder: maps each element through parallel key/value lists.
//  - opset 1: classes_strings; string -> index (default_int64), int64 -> string (default_string).
//  - opset 2: keys_{floats,int64s,strings} / values_{...} / default_{float,int64,string}.
//  - opset 4: adds keys_tensor / values_tensor / default_tensor (also int32, int16, double).
// Float keys compare by value (-0 == 0) and a NaN key matches NaN inputs.
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

// A 1-D tensor of `dtype` from a list attribute.
template <typename T>
Tensor list_tensor(const std::vector<T>& v, DataType dtype) {
  Tensor t(dtype, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, std::string>) {
      t.data<std::string>()[i] = v[i];
    } else if constexpr (std::is_same_v<T, float>) {
      t.data<float>()[i] = static_cast<float>(v[i]);
    } else {
      t.data<int64_t>()[i] = static_cast<int64_t>(v[i]);
    }
  }
  return t;
}

using LeTypes = TypeList<std::string, int64_t, float, int32_t, int16_t, double>;

class LabelEncoder final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    const int opset = info.opset();
    if (opset < 2) return init_v1(info);
    ONYX_RETURN_IF_ERROR(pick(info, "keys", opset >= 4, &keys_));
    ONYX_RETURN_IF_ERROR(pick(info, "values", opset >= 4, &values_));
    if (keys_.numel() != values_.numel()) {
      return info.error(StatusCode::kInvalidArgument, "keys have ", keys_.numel(), " entries, values ",
                        values_.numel());
    }
    // Default value of the values' type.
    const Tensor* dt = nullptr;
    if (opset >= 4) {
      ONYX_ASSIGN_OR_RETURN(dt, optional_tensor_attr(info, "default_tensor"));
    }
    default_ = Tensor(values_.dtype(), {});
    if (dt != nullptr) {
      if (dt->dtype() != values_.dtype() || dt->numel() != 1) {
        return info.error(StatusCode::kInvalidArgument,
                          "default_tensor must hold one value of the values' type");
      }
      ONYX_RETURN_IF_ERROR(dispatch<LeTypes>(values_.dtype(), [&]<typename T>() -> Status {
        *default_.data<T>() = dt->data<T>()[0];
        return Status::OK();
      }));
    } else {
      ONYX_ASSIGN_OR_RETURN(float df, info.attr_float("default_float", -0.f));
      ONYX_ASSIGN_OR_RETURN(int64_t di, info.attr_int("default_int64", -1));
      ONYX_ASSIGN_OR_RETURN(std::string ds, info.attr_string("default_string", "_Unused"));
      ONYX_RETURN_IF_ERROR(dispatch<LeTypes>(values_.dtype(), [&]<typename T>() -> Status {
        if constexpr (std::is_same_v<T, std::string>) {
          *default_.data<T>() = ds;
        } else if constexpr (std::is_floating_point_v<T>) {
          *default_.data<T>() = static_cast<T>(df);
        } else {
          *default_.data<T>() = static_cast<T>(di);
        }
        return Status::OK();
      }));
    }
    return build_index(info);
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != keys_.dtype()) {
      return ctx.invalid_argument("input is ", data_type_name(x->dtype()), " but the keys are ",
                                  data_type_name(keys_.dtype()));
    }
    Tensor& y = ctx.allocate_output(0, values_.dtype(), x->shape());
    return dispatch<LeTypes>(values_.dtype(), [&]<typename V>() -> Status {
      const V* vals = values_.data<V>();
      const V& def = *default_.data<V>();
      V* out = y.data<V>();
      for (int64_t i = 0; i < x->numel(); ++i) {
        const int64_t k = lookup(*x, i);
        out[i] = k < 0 ? def : vals[k];
      }
      return Status::OK();
    });
  }

 private:
  Status init_v1(const KernelInfo& info) {
    ONYX_ASSIGN_OR_RETURN(std::vector<std::string> classes, info.attr_strings("classes_strings"));
    ONYX_ASSIGN_OR_RETURN(int64_t di, info.attr_int("default_int64", -1));
    ONYX_ASSIGN_OR_RETURN(std::string ds, info.attr_string("default_string", "_Unused"));
    // Both directions: string keys -> index values, or index keys -> string values. The input
    // type picks one at compute(); keep the string->index form and its inverse.
    std::vector<int64_t> idx(classes.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
    keys_ = list_tensor(classes, DataType::kString);
    values_ = list_tensor(idx, DataType::kInt64);
    default_ = Tensor::scalar<int64_t>(di);
    inverse_ = std::make_shared<LabelEncoder>();
    inverse_->keys_ = values_;
    inverse_->values_ = keys_;
    inverse_->default_ = Tensor::scalar<std::string>(ds);
    ONYX_RETURN_IF_ERROR(inverse_->build_index(info));
    return build_index(info);
  }

  // Reads keys_X / values_X (X in floats, int64s, strings, tensor): exactly one must be set.
  static Status pick(const KernelInfo& info, const std::string& prefix, bool allow_tensor, Tensor* out) {
    int found = 0;
    if (info.has_attr(prefix + "_floats")) {
      ONYX_ASSIGN_OR_RETURN(std::vector<float> v, info.attr_floats(prefix + "_floats"));
      *out = list_tensor(v, DataType::kFloat);
      ++found;
    }
    if (info.has_attr(prefix + "_int64s")) {
      ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> v, info.attr_ints(prefix + "_int64s"));
      *out = list_tensor(v, DataType::kInt64);
      ++found;
    }
    if (info.has_attr(prefix + "_strings")) {
      ONYX_ASSIGN_OR_RETURN(std::vector<std::string> v, info.attr_strings(prefix + "_strings"));
      *out = list_tensor(v, DataType::kString);
      ++found;
    }
    if (allow_tensor) {
      ONYX_ASSIGN_OR_RETURN(const Tensor* t, optional_tensor_attr(info, prefix + "_tensor"));
      if (t != nullptr) {
        if (!TypeListTraits<LeTypes>::contains(t->dtype())) {
          return info.error(StatusCode::kInvalidArgument, prefix, "_tensor of unsupported type ",
                            data_type_name(t->dtype()));
        }
        *out = t->reshaped({t->numel()});
        ++found;
      }
    }
    if (found != 1) {
      return info.error(StatusCode::kInvalidArgument, "exactly one ", prefix,
                        "_* attribute must be given, found ", found);
    }
    return Status::OK();
  }

  static double canon(double d) { return d == 0 ? 0.0 : d; }

  Status build_index(const KernelInfo& info) {
    (void)info;
    const int64_t n = keys_.numel();
    return dispatch<LeTypes>(keys_.dtype(), [&]<typename K>() -> Status {
      const K* k = keys_.data<K>();
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<K, std::string>) {
          str_index_.emplace(k[i], i);
        } else if constexpr (std::is_floating_point_v<K>) {
          if (std::isnan(k[i])) {
            if (nan_index_ < 0) nan_index_ = i;
          } else {
            num_index_.emplace(canon(static_cast<double>(k[i])), i);
          }
        } else {
          int_index_.emplace(static_cast<int64_t>(k[i]), i);
        }
      }
      return Status::OK();
    });
  }

  // Index of element i of x among the keys, or -1.
  int64_t lookup(const Tensor& x, int64_t i) const {
    switch (x.dtype()) {
      case DataType::kString: {
        auto it = str_index_.find(x.data<std::string>()[i]);
        return it == str_index_.end() ? -1 : it->second;
      }
      case DataType::kFloat:
      case DataType::kDouble: {
        const double d = x.dtype() == DataType::kFloat ? x.data<float>()[i] : x.data<double>()[i];
        if (std::isnan(d)) return nan_index_;
        auto it = num_index_.find(canon(d));
        return it == num_index_.end() ? -1 : it->second;
      }
      default: {
        int64_t v = 0;
        if (x.dtype() == DataType::kInt64) v = x.data<int64_t>()[i];
        if (x.dtype() == DataType::kInt32) v = x.data<int32_t>()[i];
        if (x.dtype() == DataType::kInt16) v = x.data<int16_t>()[i];
        auto it = int_index_.find(v);
        return it == int_index_.end() ? -1 : it->second;
      }
    }
  }

 public:
  // opset 1 with int64 input runs the inverse mapping.
  Status compute_dispatch(KernelContext& ctx) const;

 private:
  Tensor keys_, values_, default_;
  std::unordered_map<std::string, int64_t> str_index_;
  std::unordered_map<double, int64_t> num_index_;
  std::unordered_map<int64_t, int64_t> int_index_;
  int64_t nan_index_ = -1;
  std::shared_ptr<LabelEncoder> inverse_;
};

Status LabelEncoder::compute_dispatch(KernelContext& ctx) const {
  const Tensor* x = ctx.input(0);
  if (inverse_ != nullptr && x != nullptr && x->dtype() == DataType::kInt64) return inverse_->compute(ctx);
  return compute(ctx);
}

// The registered kernel: forwards to LabelEncoder, picking the direction for opset 1.
class LabelEncoderKernel final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override { return impl_.init(info); }
  Status compute(KernelContext& ctx) const override { return impl_.compute_dispatch(ctx); }

 private:
  LabelEncoder impl_;
};

}  // namespace

void register_label_encoder(KernelRegistry& r) {
  r.add<LabelEncoderKernel, TypeList<std::string, int64_t>>(kOnnxMlDomain, "LabelEncoder", 1, 1);
  r.add<LabelEncoderKernel, TypeList<std::string, int64_t, float>>(kOnnxMlDomain, "LabelEncoder", 2, 3);
  r.add<LabelEncoderKernel, LeTypes>(kOnnxMlDomain, "LabelEncoder", 4, kMl);
}

}  // namespace onyx::ml
