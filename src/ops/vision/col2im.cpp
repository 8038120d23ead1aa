// Col2Im: the inverse of im2col - sums sliding blocks back into an image.
//
// input (N, C * prod(block_shape), L) holds, for each of the L block positions, the block's
// C * prod(block_shape) values; the output (N, C, image_shape...) adds every value to the image
// element it came from (overlapping blocks sum; positions in the padding are dropped). Along
// axis i there are (image[i] + pad_begin[i] + pad_end[i] - dilation[i] * (block[i] - 1) - 1)
// / stride[i] + 1 block positions and L must be their product. The column -> image offset
// table depends only on the shapes, so it is built once per call and shared by all (n, c).
#include <vector>

#include "ops/image/values.h"
#include "ops/registry.h"
#include "ops/vision/register.h"

namespace onyx {
namespace {

class Col2Im final : public OpKernel {
 public:
  Status init(const KernelInfo& info) override {
    ONYX_ASSIGN_OR_RETURN(dilations_, info.attr_ints("dilations"));
    ONYX_ASSIGN_OR_RETURN(pads_, info.attr_ints("pads"));
    ONYX_ASSIGN_OR_RETURN(strides_, info.attr_ints("strides"));
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    ONYX_ASSIGN_OR_RETURN(const Tensor* image_t, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* block_t, ctx.required_input(2));
    auto image = image_detail::ints_of(*image_t, "image_shape");
    if (!image.ok()) return ctx.invalid_argument(image.status().message());
    auto block = image_detail::ints_of(*block_t, "block_shape");
    if (!block.ok()) return ctx.invalid_argument(block.status().message());
    const size_t r = image->size();
    if (r == 0 || block->size() != r) {
      return ctx.invalid_argument("image_shape and block_shape must hold the same number (>= 1) ",
                                  "of values, got ", r, " and ", block->size());
    }
    // Attribute value i, or its default when the attribute is absent.
    auto pick = [](const std::vector<int64_t>& v, int64_t def, size_t i) {
      return v.empty() ? def : v[i];
    };
    if ((!dilations_.empty() && dilations_.size() != r) ||
        (!strides_.empty() && strides_.size() != r) || (!pads_.empty() && pads_.size() != 2 * r)) {
      return ctx.invalid_argument("dilations and strides need ", r, " values and pads ", 2 * r);
    }
    if (x->rank() != 3) {
      return ctx.invalid_argument("input must be 3-D (N, C * prod(block_shape), L), got ",
                                  shape_to_string(x->shape()));
    }
    std::vector<int64_t> nblocks(r);
    int64_t K = 1, L = 1;
    for (size_t i = 0; i < r; ++i) {
      const int64_t im = (*image)[i], k = (*block)[i];
      const int64_t d = pick(dilations_, 1, i), s = pick(strides_, 1, i);
      const int64_t pb = pick(pads_, 0, i), pe = pick(pads_, 0, i + r);
      constexpr int64_t kLimit = int64_t{1} << 31;
      if (im < 0 || k <= 0 || d <= 0 || s <= 0 || pb < 0 || pe < 0 || im > kLimit || k > kLimit ||
          d > kLimit || pb > kLimit || pe > kLimit) {
        return ctx.invalid_argument("axis ", i, ": image ", im, ", block ", k, ", dilation ", d,
                                    ", stride ", s, ", pads ", pb, "/", pe, " out of range");
      }
      nblocks[i] = (im + pb + pe - d * (k - 1) - 1) / s + 1;
      if (im + pb + pe - d * (k - 1) - 1 < 0 || nblocks[i] <= 0) {
        return ctx.invalid_argument("block ", k, " (dilation ", d, ") does not fit axis ", i,
                                    " of size ", im, " with pads ", pb, "/", pe);
      }
      if (__builtin_mul_overflow(K, k, &K) || __builtin_mul_overflow(L, nblocks[i], &L)) {
        return ctx.invalid_argument("block_shape or image_shape is too large");
      }
    }
    if (x->dim(1) % K != 0 || x->dim(2) != L) {
      return ctx.invalid_argument("input ", shape_to_string(x->shape()), " does not match ", K,
                                  " values per block and ", L, " block positions");
    }
    const int64_t N = x->dim(0), C = x->dim(1) / K;
    Shape out_shape = {N, C};
    for (int64_t v : *image) out_shape.push_back(v);
    if (!image_detail::fits_allocation_limit(out_shape, x->dtype())) {
      return ctx.invalid_argument("output shape ", shape_to_string(out_shape), " is too large");
    }
    Tensor& y = ctx.allocate_output(0, x->dtype(), out_shape);
    if (y.numel() == 0) return Status::OK();
    const int64_t plane = shape_numel(*image);

    // target[k * L + l]: image offset of block element k at block position l, or -1.
    std::vector<int64_t> target(static_cast<size_t>(K * L));
    std::vector<int64_t> kidx(r, 0), lidx(r, 0);
    for (int64_t k = 0; k < K; ++k) {
      std::fill(lidx.begin(), lidx.end(), 0);
      for (int64_t l = 0; l < L; ++l) {
        int64_t off = 0;
        for (size_t i = 0; i < r && off >= 0; ++i) {
          const int64_t pos =
              lidx[i] * pick(strides_, 1, i) - pick(pads_, 0, i) + kidx[i] * pick(dilations_, 1, i);
          off = (pos < 0 || pos >= (*image)[i]) ? -1 : off * (*image)[i] + pos;
        }
        target[static_cast<size_t>(k * L + l)] = off;
        for (size_t i = r; i-- > 0;) {
          if (++lidx[i] < nblocks[i]) break;
          lidx[i] = 0;
        }
      }
      for (size_t i = r; i-- > 0;) {
        if (++kidx[i] < (*block)[i]) break;
        kidx[i] = 0;
      }
    }
    return dispatch<NumericTypes>(x->dtype(), [&]<typename T>() {
      using A = compute_t<T>;
      const T* in = x->data<T>();
      T* out = y.data<T>();
      std::vector<A> acc(static_cast<size_t>(plane));
      for (int64_t nc = 0; nc < N * C; ++nc) {
        std::fill(acc.begin(), acc.end(), A(0));
        const T* col = in + nc * K * L;
        for (int64_t i = 0; i < K * L; ++i) {
          const int64_t t = target[static_cast<size_t>(i)];
          if (t >= 0) acc[static_cast<size_t>(t)] += static_cast<A>(col[i]);
        }
        for (int64_t i = 0; i < plane; ++i)
          out[nc * plane + i] = static_cast<T>(acc[static_cast<size_t>(i)]);
      }
      return Status::OK();
    });
  }

 private:
  std::vector<int64_t> dilations_, pads_, strides_;
};

}  // namespace

void register_col2im(KernelRegistry& r) {
  r.add_versions<Col2Im, NumericTypes>("", "Col2Im", {18});
}

}  // namespace onyx
