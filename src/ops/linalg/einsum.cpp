// Einsum (opset 12): general Einstein summation.
//
// Strategy: every operand is first reduced to distinct labels (repeated labels -> diagonal via
// summed strides) and labels that appear nowhere else are summed out. Operands are then
// contracted left to right, each pair as one batched GEMM after transposing both into
// [batch, free, contracted] layouts; the last step transposes to the output order. Ellipsis
// dims become extra labels (right-aligned across operands) that broadcast 1 against n.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "ops/linalg/convert.h"
#include "ops/linalg/gemm.h"
#include "ops/linalg/register.h"
#include "ops/registry.h"

namespace onyx {
namespace {

constexpr int kLetters = 52;  // a-z -> 0..25, A-Z -> 26..51; ellipsis dims -> 52..

int letter_label(char ch) {
  if (ch >= 'a' && ch <= 'z') return ch - 'a';
  if (ch >= 'A' && ch <= 'Z') return 26 + (ch - 'A');
  return -1;
}
// Sort key giving ASCII order (uppercase before lowercase) for the implicit output.
int ascii_of(int label) { return label < 26 ? 'a' + label : 'A' + (label - 26); }

struct Term {
  std::vector<int> letters_before;  // labels before "..."
  std::vector<int> letters_after;   // labels after "..." (all labels when no ellipsis)
  bool has_ellipsis = false;
};

Result<Term> parse_term(const std::string& s) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (t.has_ellipsis || s.compare(i, 3, "...") != 0) {
        return InvalidArgument("bad ellipsis in einsum term '", s, "'");
      }
      t.has_ellipsis = true;
      t.letters_before = std::move(t.letters_after);
      t.letters_after.clear();
      i += 2;
      continue;
    }
    const int l = letter_label(s[i]);
    if (l < 0) return InvalidArgument("invalid character '", s[i], "' in einsum equation");
    t.letters_after.push_back(l);
  }
  return t;
}

// A dense operand whose axes are named by distinct labels.
template <typename C>
struct Operand {
  std::vector<int> labels;
  Shape dims;
  std::vector<C> data;
};

// dst (contiguous, shape dims) [i] = src[sum_k idx_k * strides_k].
template <typename C>
void strided_copy(const C* src, const Shape& dims, const std::vector<int64_t>& strides, C* dst) {
  const int64_t total = shape_numel(dims);
  if (total <= 0) return;
  const size_t rank = dims.size();
  if (rank == 0) {
    dst[0] = src[0];
    return;
  }
  std::vector<int64_t> counter(rank, 0);
  const int64_t inner = dims[rank - 1], inner_stride = strides[rank - 1];
  int64_t base = 0;
  for (int64_t o = 0; o < total; o += inner) {
    const C* s = src + base;
    C* d = dst + o;
    for (int64_t j = 0; j < inner; ++j) d[j] = s[j * inner_stride];
    for (size_t k = rank - 1; k-- > 0;) {
      base += strides[k];
      if (++counter[k] < dims[k]) break;
      base -= strides[k] * dims[k];
      counter[k] = 0;
    }
  }
}

template <typename C>
std::vector<int64_t> contiguous_strides(const Shape& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

// Rearranges `op` into label order `order` with sizes `sizes` (a size-1 axis of op is broadcast
// to sizes[i] with stride 0; labels missing from op must have size 1 there).
template <typename C>
std::vector<C> arrange(const Operand<C>& op, const std::vector<int>& order, const Shape& sizes) {
  const std::vector<int64_t> src = contiguous_strides<C>(op.dims);
  std::vector<int64_t> strides(order.size(), 0);
  for (size_t i = 0; i < order.size(); ++i) {
    auto it = std::find(op.labels.begin(), op.labels.end(), order[i]);
    if (it != op.labels.end()) {
      const size_t k = static_cast<size_t>(it - op.labels.begin());
      strides[i] = op.dims[k] == 1 ? 0 : src[k];
    }
  }
  std::vector<C> out(static_cast<size_t>(shape_numel(sizes)));
  strided_copy(op.data.data(), sizes, strides, out.data());
  return out;
}

template <typename C>
int64_t dim_of(const Operand<C>& op, int label) {
  auto it = std::find(op.labels.begin(), op.labels.end(), label);
  return it == op.labels.end() ? 1 : op.dims[static_cast<size_t>(it - op.labels.begin())];
}

// Sums over every label of `op` not in `keep`.
template <typename C>
void sum_out(Operand<C>& op, const std::vector<bool>& keep) {
  std::vector<int> kept, summed;
  Shape kept_dims, sizes;
  for (size_t i = 0; i < op.labels.size(); ++i) {
    (keep[static_cast<size_t>(op.labels[i])] ? kept : summed).push_back(op.labels[i]);
  }
  if (summed.empty()) return;
  std::vector<int> order = kept;
  order.insert(order.end(), summed.begin(), summed.end());
  for (int l : order) sizes.push_back(dim_of(op, l));
  for (int l : kept) kept_dims.push_back(dim_of(op, l));
  const std::vector<C> arranged = arrange(op, order, sizes);
  const int64_t outer = shape_numel(kept_dims);
  const int64_t inner = outer == 0 ? 0 : static_cast<int64_t>(arranged.size()) / outer;
  std::vector<C> out(static_cast<size_t>(outer), C(0));
  for (int64_t i = 0; i < outer; ++i) {
    C acc = C(0);
    for (int64_t j = 0; j < inner; ++j) acc += arranged[static_cast<size_t>(i * inner + j)];
    out[static_cast<size_t>(i)] = acc;
  }
  op.labels = std::move(kept);
  op.dims = std::move(kept_dims);
  op.data = std::move(out);
}

// Contracts a and b over their shared labels that are not in `keep`.
template <typename C>
Operand<C> contract(const Operand<C>& a, const Operand<C>& b, const std::vector<bool>& keep) {
  std::vector<int> batch, a_only, b_only, summed;
  for (int l : a.labels) {
    const bool in_b = std::find(b.labels.begin(), b.labels.end(), l) != b.labels.end();
    if (!in_b) a_only.push_back(l);
    else (keep[static_cast<size_t>(l)] ? batch : summed).push_back(l);
  }
  for (int l : b.labels) {
    if (std::find(a.labels.begin(), a.labels.end(), l) == a.labels.end()) b_only.push_back(l);
  }
  auto size = [&](int l) { return std::max(dim_of(a, l), dim_of(b, l)); };
  auto prod = [&](const std::vector<int>& ls) {
    int64_t p = 1;
    for (int l : ls) p *= size(l);
    return p;
  };
  const int64_t nb = prod(batch), M = prod(a_only), K = prod(summed), N = prod(b_only);
  std::vector<int> a_order = batch, b_order = batch;
  a_order.insert(a_order.end(), a_only.begin(), a_only.end());
  a_order.insert(a_order.end(), summed.begin(), summed.end());
  b_order.insert(b_order.end(), summed.begin(), summed.end());
  b_order.insert(b_order.end(), b_only.begin(), b_only.end());
  Shape a_sizes, b_sizes;
  for (int l : a_order) a_sizes.push_back(size(l));
  for (int l : b_order) b_sizes.push_back(size(l));
  const std::vector<C> ad = arrange(a, a_order, a_sizes);
  const std::vector<C> bd = arrange(b, b_order, b_sizes);
  Operand<C> r;
  r.labels = batch;
  r.labels.insert(r.labels.end(), a_only.begin(), a_only.end());
  r.labels.insert(r.labels.end(), b_only.begin(), b_only.end());
  for (int l : r.labels) r.dims.push_back(size(l));
  r.data.assign(static_cast<size_t>(nb * M * N), C(0));
  for (int64_t i = 0; i < nb; ++i) {
    linalg::gemm<C>(false, false, M, N, K, C(1), ad.data() + i * M * K, K,
                    bd.data() + i * K * N, N, C(0), r.data.data() + i * M * N, N);
  }
  return r;
}

class Einsum final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(std::string eq, info.required_string("equation"));
    std::string s;
    for (char ch : eq) {
      if (ch != ' ') s.push_back(ch);
    }
    const size_t arrow = s.find("->");
    const std::string lhs = s.substr(0, arrow);
    explicit_ = arrow != std::string::npos;
    size_t start = 0;
    while (true) {
      const size_t comma = lhs.find(',', start);
      auto t = parse_term(lhs.substr(start, comma - start));
      if (!t.ok()) return info.error(StatusCode::kInvalidArgument, t.status().message());
      inputs_.push_back(std::move(*t));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (explicit_) {
      auto t = parse_term(s.substr(arrow + 2));
      if (!t.ok()) return info.error(StatusCode::kInvalidArgument, t.status().message());
      output_ = std::move(*t);
    }
    if (inputs_.size() != info.num_inputs()) {
      return info.error(StatusCode::kInvalidArgument, "equation '", eq, "' has ", inputs_.size(),
                        " operands but the node has ", info.num_inputs(), " inputs");
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    const size_t n = inputs_.size();
    std::vector<const Tensor*> xs(n);
    for (size_t i = 0; i < n; ++i) {
      ONYX_ASSIGN_OR_RETURN(xs[i], ctx.required_input(i));
      if (xs[i]->dtype() != xs[0]->dtype()) {
        return ctx.invalid_argument("all inputs must have the same element type");
      }
    }
    // Full label list of each input (ellipsis expanded), and the ellipsis rank.
    int64_t ell_rank = 0;
    for (size_t i = 0; i < n; ++i) {
      const Term& t = inputs_[i];
      const int64_t named = static_cast<int64_t>(t.letters_before.size() + t.letters_after.size());
      const int64_t rank = static_cast<int64_t>(xs[i]->rank());
      if (t.has_ellipsis ? rank < named : rank != named) {
        return ctx.invalid_argument("operand ", i, " has rank ", rank, " but its term names ",
                                    named, " dims");
      }
      if (t.has_ellipsis) ell_rank = std::max(ell_rank, rank - named);
    }
    std::vector<std::vector<int>> in_labels(n);
    for (size_t i = 0; i < n; ++i) {
      const Term& t = inputs_[i];
      std::vector<int>& ls = in_labels[i];
      ls = t.letters_before;
      if (t.has_ellipsis) {
        const int64_t e = static_cast<int64_t>(xs[i]->rank()) -
                          static_cast<int64_t>(t.letters_before.size() + t.letters_after.size());
        for (int64_t k = ell_rank - e; k < ell_rank; ++k) ls.push_back(kLetters + static_cast<int>(k));
      }
      ls.insert(ls.end(), t.letters_after.begin(), t.letters_after.end());
    }
    // Label sizes must agree (ellipsis dims may broadcast 1 against n).
    const size_t num_labels = static_cast<size_t>(kLetters + ell_rank);
    std::vector<int64_t> size(num_labels, -1);
    std::vector<int> count(num_labels, 0);
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < in_labels[i].size(); ++k) {
        const int l = in_labels[i][k];
        const int64_t d = xs[i]->dim(k);
        int64_t& s = size[static_cast<size_t>(l)];
        ++count[static_cast<size_t>(l)];
        if (s == -1 || s == d) {
          s = d;
        } else if (l >= kLetters && (s == 1 || d == 1)) {
          s = std::max(s, d);
        } else {
          return ctx.invalid_argument("dimension ", k, " of operand ", i, " has size ", d,
                                      " but the same label elsewhere has size ", s);
        }
      }
    }
    // Output labels.
    std::vector<int> out_labels;
    if (explicit_) {
      out_labels = output_.letters_before;
      if (output_.has_ellipsis) {
        for (int64_t k = 0; k < ell_rank; ++k) out_labels.push_back(kLetters + static_cast<int>(k));
      }
      out_labels.insert(out_labels.end(), output_.letters_after.begin(),
                        output_.letters_after.end());
      std::vector<bool> seen(num_labels, false);
      for (int l : out_labels) {
        if (count[static_cast<size_t>(l)] == 0 || seen[static_cast<size_t>(l)]) {
          return ctx.invalid_argument("output label '", static_cast<char>(ascii_of(l)),
                                      "' is repeated or absent from the inputs");
        }
        seen[static_cast<size_t>(l)] = true;
      }
    } else {
      for (int64_t k = 0; k < ell_rank; ++k) out_labels.push_back(kLetters + static_cast<int>(k));
      std::vector<int> singles;
      for (int l = 0; l < kLetters; ++l) {
        if (count[static_cast<size_t>(l)] == 1) singles.push_back(l);
      }
      std::sort(singles.begin(), singles.end(),
                [](int x, int y) { return ascii_of(x) < ascii_of(y); });
      out_labels.insert(out_labels.end(), singles.begin(), singles.end());
    }
    Shape out_shape;
    for (int l : out_labels) out_shape.push_back(size[static_cast<size_t>(l)]);
    Tensor& y = ctx.allocate_output(0, xs[0]->dtype(), out_shape);

    return dispatch<NumericTypes>(xs[0]->dtype(), [&]<typename T>() -> Status {
      using C = linalg::blas_t<T>;
      std::vector<Operand<C>> ops(n);
      for (size_t i = 0; i < n; ++i) {
        // Distinct labels; a repeated label walks the diagonal (strides add up).
        const Tensor& x = *xs[i];
        const std::vector<int64_t> xst = contiguous_strides<C>(x.shape());
        Operand<C>& op = ops[i];
        std::vector<int64_t> strides;
        for (size_t k = 0; k < in_labels[i].size(); ++k) {
          const int l = in_labels[i][k];
          auto it = std::find(op.labels.begin(), op.labels.end(), l);
          if (it == op.labels.end()) {
            op.labels.push_back(l);
            op.dims.push_back(x.dim(k));
            strides.push_back(xst[k]);
          } else {
            strides[static_cast<size_t>(it - op.labels.begin())] += xst[k];
          }
        }
        std::vector<C> src(static_cast<size_t>(x.numel()));
        linalg::convert_buffer(x.data<T>(), src.data(), x.numel());
        op.data.resize(static_cast<size_t>(shape_numel(op.dims)));
        if (x.numel() > 0) strided_copy(src.data(), op.dims, strides, op.data.data());
      }
      // keep[l]: label l is needed in the output or by an operand after position `after`.
      auto needed_after = [&](size_t after) {
        std::vector<bool> keep(num_labels, false);
        for (int l : out_labels) keep[static_cast<size_t>(l)] = true;
        for (size_t j = after + 1; j < n; ++j) {
          for (int l : ops[j].labels) keep[static_cast<size_t>(l)] = true;
        }
        return keep;
      };
      // Sum out labels private to one operand early (cheaper contractions).
      for (size_t i = 0; i < n; ++i) {
        std::vector<bool> keep(num_labels, false);
        for (int l : out_labels) keep[static_cast<size_t>(l)] = true;
        for (size_t j = 0; j < n; ++j) {
          if (j == i) continue;
          for (int l : ops[j].labels) keep[static_cast<size_t>(l)] = true;
        }
        sum_out(ops[i], keep);
      }
      Operand<C> acc = std::move(ops[0]);
      for (size_t i = 1; i < n; ++i) {
        const std::vector<bool> keep = needed_after(i);
        sum_out(acc, [&] {  // labels of acc needed neither by ops[i] nor later
          std::vector<bool> k = keep;
          for (int l : ops[i].labels) k[static_cast<size_t>(l)] = true;
          return k;
        }());
        acc = contract(acc, ops[i], keep);
      }
      sum_out(acc, needed_after(n - 1));
      const std::vector<C> out = arrange(acc, out_labels, out_shape);
      linalg::convert_buffer(out.data(), y.data<T>(), y.numel());
      return Status::OK();
    });
  }

 private:
  std::vector<Term> inputs_;
  Term output_;
  bool explicit_ = false;
};

}  // namespace

void register_einsum(KernelRegistry& r) {
  r.add_versions<Einsum, NumericTypes>("", "Einsum", {12});
}

}  // namespace onyx
