// RegexFullMatch: Y[i] is true when the whole of X[i] matches `pattern` (RE2 syntax, UTF-8).
// The pattern is compiled once at session creation, so a bad one fails there with RE2's reason;
// RE2 matching is thread-safe and runs in time linear in the input.
#include <re2/re2.h>

#include <memory>
#include <string>

#include "ops/registry.h"
#include "ops/string/register.h"

namespace onyx {
namespace {

class RegexFullMatch final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(const std::string pattern, info.required_string("pattern"));
    RE2::Options options;           // UTF-8 by default
    options.set_log_errors(false);  // the error goes into the Status instead of stderr
    re_ = std::make_unique<RE2>(pattern, options);
    if (!re_->ok()) {
      return info.error(StatusCode::kInvalidArgument, "pattern '", pattern,
                        "' is not a valid RE2 regular expression: ", re_->error());
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() != DataType::kString) {
      return ctx.invalid_argument("X must be a string tensor, got ", data_type_name(x->dtype()));
    }
    Tensor& y = ctx.allocate_output(0, DataType::kBool, x->shape());
    const std::string* in = x->data<std::string>();
    bool* out = y.data<bool>();
    for (int64_t i = 0; i < x->numel(); ++i) out[i] = RE2::FullMatch(in[i], *re_);
    return Status::OK();
  }

 private:
  std::unique_ptr<RE2> re_;
};

}  // namespace

void register_regex_full_match(KernelRegistry& r) {
  r.add_versions<RegexFullMatch, TypeList<std::string>>("", "RegexFullMatch", {20});
}

}  // namespace onyx
