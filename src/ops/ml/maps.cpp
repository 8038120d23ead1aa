// Ops producing or consuming maps: ZipMap (tensor -> sequence of maps), CastMap and
// DictVectorizer (map -> tensor). A map is Value::map(1-D keys, 1-D values).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "ops/ml/ml_common.h"

namespace onyx::ml {
namespace {

// One map per row of the [N, C] float input, keyed by the class labels.
class ZipMap final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(labels_, read_class_labels(info, "classlabels_int64s", "classlabels_strings"));
    if (labels_.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "one of classlabels_int64s / classlabels_strings is required");
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kFloat) return ctx.invalid_argument("input must be float");
    int64_t n = 0, c = 0;
    ONYX_RETURN_IF_ERROR(rows_and_cols(ctx, *x, &n, &c));
    if (c != static_cast<int64_t>(labels_.size())) {
      return ctx.invalid_argument("input has ", c, " columns for ", labels_.size(), " class labels");
    }
    Tensor keys(labels_.dtype(), {c});
    for (int64_t k = 0; k < c; ++k) labels_.write(keys, k, static_cast<size_t>(k));
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      Tensor vals(DataType::kFloat, {c});
      std::copy(x->data<float>() + i * c, x->data<float>() + (i + 1) * c, vals.data<float>());
      items.push_back(Value::map(keys, std::move(vals)));  // keys are shared, read-only
    }
    ctx.set_output(0, Value::sequence(DataType::kFloat, std::move(items)));
    return Status::OK();
  }

 private:
  ClassLabels labels_;
};

const Value* map_input(const KernelContext& ctx) {
  const Value* v = ctx.input_value(0);
  return v != nullptr && v->is_map() ? v : nullptr;
}

// map(int64 -> string|float) -> tensor [1, K] ordered by key.
class CastMap final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::string to, info.attr_string("cast_to", "TO_FLOAT"));
    ONYX_ASSIGN_OR_RETURN(std::string form, info.attr_string("map_form", "DENSE"));
    ONYX_ASSIGN_OR_RETURN(max_map_, info.attr_int("max_map", 1));
    if (to == "TO_FLOAT") {
      to_ = DataType::kFloat;
    } else if (to == "TO_STRING") {
      to_ = DataType::kString;
    } else if (to == "TO_INT64") {
      to_ = DataType::kInt64;
    } else {
      return info.error(StatusCode::kInvalidArgument, "unknown cast_to '", to, "'");
    }
    if (form != "DENSE" && form != "SPARSE") {
      return info.error(StatusCode::kInvalidArgument, "unknown map_form '", form, "'");
    }
    sparse_ = form == "SPARSE";
    if (sparse_ && max_map_ < 1) {
      return info.error(StatusCode::kInvalidArgument, "max_map must be positive, got ", max_map_);
    }
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    const Value* m = map_input(ctx);
    if (m == nullptr) return ctx.invalid_argument("input must be a map");
    const Tensor& keys = m->map_keys();
    const Tensor& vals = m->map_values();
    if (keys.dtype() != DataType::kInt64) return ctx.invalid_argument("map keys must be int64");
    if (vals.dtype() != DataType::kFloat && vals.dtype() != DataType::kString) {
      return ctx.invalid_argument("map values must be float or string");
    }
    const int64_t n = keys.numel();
    if (vals.numel() != n) return ctx.invalid_argument("map has ", n, " keys and ", vals.numel(), " values");
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const int64_t* k = keys.data<int64_t>();
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return k[a] < k[b]; });
    const int64_t len = sparse_ ? max_map_ : n;
    Tensor& y = ctx.allocate_output(0, to_, {1, len});
    for (int64_t i = 0; i < len; ++i) set_pad(y, i);
    for (int64_t j = 0; j < n; ++j) {
      const int64_t src = order[j];
      int64_t dst = j;
      if (sparse_) {
        if (k[src] < 0 || k[src] >= max_map_) {
          return ctx.invalid_argument("map key ", k[src], " out of range [0, ", max_map_, ")");
        }
        dst = k[src];
      }
      ONYX_RETURN_IF_ERROR(convert(ctx, vals, src, y, dst));
    }
    return Status::OK();
  }

 private:
  void set_pad(Tensor& y, int64_t i) const {
    if (to_ == DataType::kString) {
      y.data<std::string>()[i] = "0";
    } else if (to_ == DataType::kFloat) {
      y.data<float>()[i] = 0.f;
    } else {
      y.data<int64_t>()[i] = 0;
    }
  }
  Status convert(const KernelContext& ctx, const Tensor& vals, int64_t s, Tensor& y, int64_t d) const {
    if (vals.dtype() == DataType::kFloat) {
      const float v = vals.data<float>()[s];
      if (to_ == DataType::kFloat) {
        y.data<float>()[d] = v;
      } else if (to_ == DataType::kInt64) {
        if (!(std::abs(v) < 9.2e18f)) return ctx.invalid_argument("value ", v, " does not fit int64");
        y.data<int64_t>()[d] = static_cast<int64_t>(v);
      } else {
        y.data<std::string>()[d] = std::to_string(v);
      }
      return Status::OK();
    }
    const std::string& str = vals.data<std::string>()[s];
    if (to_ == DataType::kString) {
      y.data<std::string>()[d] = str;
      return Status::OK();
    }
    const char* b = str.data();
    const char* e = b + str.size();
    if (to_ == DataType::kFloat) {
      float v = 0;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e) return ctx.invalid_argument("cannot parse '", str, "' as float");
      y.data<float>()[d] = v;
    } else {
      int64_t v = 0;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e) return ctx.invalid_argument("cannot parse '", str, "' as int64");
      y.data<int64_t>()[d] = v;
    }
    return Status::OK();
  }

  DataType to_ = DataType::kFloat;
  bool sparse_ = false;
  int64_t max_map_ = 1;
};

// map -> [1, vocabulary size] tensor of the value type; keys outside the vocabulary are ignored.
class DictVectorizer final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::vector<int64_t> ints, info.attr_ints("int64_vocabulary"));
    ONYX_ASSIGN_OR_RETURN(std::vector<std::string> strs, info.attr_strings("string_vocabulary"));
    if (ints.empty() == strs.empty()) {
      return info.error(StatusCode::kInvalidArgument,
                        "exactly one of int64_vocabulary and string_vocabulary must be given");
    }
    string_keys_ = !strs.empty();
    for (size_t i = 0; i < ints.size(); ++i) int_index_.emplace(ints[i], static_cast<int64_t>(i));
    for (size_t i = 0; i < strs.size(); ++i) str_index_.emplace(strs[i], static_cast<int64_t>(i));
    size_ = static_cast<int64_t>(ints.size() + strs.size());
    return Status::OK();
  }
  Status compute(KernelContext& ctx) const override {
    const Value* m = map_input(ctx);
    if (m == nullptr) return ctx.invalid_argument("input must be a map");
    const Tensor& keys = m->map_keys();
    const Tensor& vals = m->map_values();
    const DataType want = string_keys_ ? DataType::kString : DataType::kInt64;
    if (keys.dtype() != want) {
      return ctx.invalid_argument("map keys are ", data_type_name(keys.dtype()), ", the vocabulary ",
                                  data_type_name(want));
    }
    if (vals.numel() != keys.numel()) return ctx.invalid_argument("map keys and values differ in length");
    Tensor& y = ctx.allocate_output(0, vals.dtype(), {1, size_});
    return dispatch<TypeList<float, double, int64_t, std::string>>(vals.dtype(), [&]<typename T>() -> Status {
      T* out = y.data<T>();
      std::fill(out, out + size_, T{});
      for (int64_t i = 0; i < keys.numel(); ++i) {
        int64_t slot = -1;
        if (string_keys_) {
          auto it = str_index_.find(keys.data<std::string>()[i]);
          if (it != str_index_.end()) slot = it->second;
        } else {
          auto it = int_index_.find(keys.data<int64_t>()[i]);
          if (it != int_index_.end()) slot = it->second;
        }
        if (slot >= 0) out[slot] = vals.data<T>()[i];
      }
      return Status::OK();
    });
  }

 private:
  bool string_keys_ = false;
  std::unordered_map<int64_t, int64_t> int_index_;
  std::unordered_map<std::string, int64_t> str_index_;
  int64_t size_ = 0;
};

}  // namespace

void register_maps(KernelRegistry& r) {
  r.add_versions<ZipMap, TypeList<float>>(kOnnxMlDomain, "ZipMap", {1}, kMl);
  // Map inputs carry no element type at load time: no type selection (-1).
  r.add(KernelDef{kOnnxMlDomain, "CastMap", 1, kMl, {}, -1, kernel_factory<CastMap>()});
  r.add(KernelDef{kOnnxMlDomain, "DictVectorizer", 1, kMl, {}, -1, kernel_factory<DictVectorizer>()});
}

}  // namespace onyx::ml
