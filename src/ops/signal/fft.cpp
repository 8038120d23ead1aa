#include "ops/signal/fft.h"

#include <cmath>
#include <numbers>

namespace onyx::signal {

namespace {

// Primes above this go through Bluestein: a direct radix-p butterfly costs p operations per
// output point, which beyond ~64 exceeds Bluestein's three padded power-of-two transforms.
constexpr int64_t kMaxDirectRadix = 64;

// exp(-2 pi i k / n) from cos/sin of the exact angle (no recurrence, so no error build-up).
cdouble unit_root(int64_t k, int64_t n) {
  const double a = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
  return {std::cos(a), std::sin(a)};
}

// Radices of n, 4s first then 2, then odd primes ascending. Returns false when a prime factor
// is too large for a direct butterfly.
bool factorize(int64_t n, std::vector<int64_t>& radices) {
  while (n % 4 == 0) {
    radices.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    radices.push_back(2);
    n /= 2;
  }
  for (int64_t p = 3; p * p <= n; p += 2) {
    while (n % p == 0) {
      if (p > kMaxDirectRadix) return false;
      radices.push_back(p);
      n /= p;
    }
  }
  if (n > 1) {
    if (n > kMaxDirectRadix) return false;
    radices.push_back(n);
  }
  return true;
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n < 1 ? 1 : n) {
  if (factorize(n_, radices_)) {
    twiddles_.resize(static_cast<size_t>(n_));
    for (int64_t k = 0; k < n_; ++k) twiddles_[static_cast<size_t>(k)] = unit_root(k, n_);
    for (int64_t p : radices_) max_radix_ = std::max(max_radix_, p);
    return;
  }
  radices_.clear();
  // Bluestein: 2jk = j^2 + k^2 - (k-j)^2 turns the DFT into a convolution with the chirp
  // exp(-pi i m^2 / n), done circularly over a power of two m >= 2n - 1.
  int64_t m = 1;
  while (m < 2 * n_ - 1) m *= 2;
  inner_ = std::make_unique<FftPlan>(m);
  chirp_.resize(static_cast<size_t>(n_));
  for (int64_t k = 0; k < n_; ++k) {
    // k^2 mod 2n exactly (128-bit), so the angle stays small and accurate for large k.
    const auto k2 = static_cast<int64_t>((static_cast<unsigned __int128>(k) * k) %
                                         static_cast<unsigned __int128>(2 * n_));
    const double a = -std::numbers::pi * static_cast<double>(k2) / static_cast<double>(n_);
    chirp_[static_cast<size_t>(k)] = {std::cos(a), std::sin(a)};
  }
  chirp_spectrum_.assign(static_cast<size_t>(m), cdouble(0, 0));
  chirp_spectrum_[0] = std::conj(chirp_[0]);
  for (int64_t k = 1; k < n_; ++k) {
    chirp_spectrum_[static_cast<size_t>(k)] = std::conj(chirp_[static_cast<size_t>(k)]);
    chirp_spectrum_[static_cast<size_t>(m - k)] = std::conj(chirp_[static_cast<size_t>(k)]);
  }
  inner_->forward(chirp_spectrum_.data());
}

FftPlan::~FftPlan() = default;

void FftPlan::transform(cdouble* data, bool inverse) const {
  // The inverse is the forward transform of the conjugate, conjugated.
  if (inverse) {
    for (int64_t k = 0; k < n_; ++k) data[k] = std::conj(data[k]);
  }
  forward(data);
  if (inverse) {
    for (int64_t k = 0; k < n_; ++k) data[k] = std::conj(data[k]);
  }
}

void FftPlan::forward(cdouble* data) const {
  if (n_ == 1) return;
  if (inner_) {
    bluestein(data);
    return;
  }
  const std::vector<cdouble> in(data, data + n_);
  std::vector<cdouble> scratch(static_cast<size_t>(max_radix_));
  mixed_radix(in.data(), 1, data, n_, 0, 1, scratch.data());
}

// Decimation in time: with n = p * m, the p interleaved subsequences x[r + p j] (r < p) are
// transformed recursively into out[r m .. r m + m), then for each k < m the twiddled values
// out[r m + k] * w_n^(r k) go through a p-point DFT into out[k + q m] (q < p) - the same slots,
// so the combination is in place. `tw_step` = n_ / n maps w_n onto the full-length table.
void FftPlan::mixed_radix(const cdouble* in, int64_t stride, cdouble* out, int64_t n, size_t level,
                          int64_t tw_step, cdouble* scratch) const {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  const int64_t p = radices_[level];
  const int64_t m = n / p;
  for (int64_t r = 0; r < p; ++r) {
    mixed_radix(in + r * stride, stride * p, out + r * m, m, level + 1, tw_step * p, scratch);
  }
  const cdouble* tw = twiddles_.data();
  if (p == 2) {
    for (int64_t k = 0; k < m; ++k) {
      const cdouble a = out[k];
      const cdouble b = out[k + m] * tw[k * tw_step];
      out[k] = a + b;
      out[k + m] = a - b;
    }
    return;
  }
  if (p == 4) {
    for (int64_t k = 0; k < m; ++k) {
      const cdouble a0 = out[k];
      const cdouble a1 = out[k + m] * tw[k * tw_step];
      const cdouble a2 = out[k + 2 * m] * tw[2 * k * tw_step];
      const cdouble a3 = out[k + 3 * m] * tw[3 * k * tw_step];
      const cdouble s02 = a0 + a2, d02 = a0 - a2, s13 = a1 + a3, d13 = a1 - a3;
      const cdouble minus_i_d13(d13.imag(), -d13.real());  // -i * (a1 - a3), w_4 = -i
      out[k] = s02 + s13;
      out[k + m] = d02 + minus_i_d13;
      out[k + 2 * m] = s02 - s13;
      out[k + 3 * m] = d02 - minus_i_d13;
    }
    return;
  }
  const int64_t root_step = n_ / p;  // w_p on the full-length table
  for (int64_t k = 0; k < m; ++k) {
    for (int64_t r = 0; r < p; ++r) scratch[r] = out[k + r * m] * tw[r * k * tw_step];
    for (int64_t q = 0; q < p; ++q) {
      cdouble acc = scratch[0];
      int64_t e = 0;  // (r * q) mod p, stepped to avoid a division per term
      for (int64_t r = 1; r < p; ++r) {
        e += q;
        if (e >= p) e -= p;
        acc += scratch[r] * tw[e * root_step];
      }
      out[k + q * m] = acc;
    }
  }
}

void FftPlan::bluestein(cdouble* data) const {
  const int64_t m = inner_->size();
  std::vector<cdouble> a(static_cast<size_t>(m), cdouble(0, 0));
  for (int64_t k = 0; k < n_; ++k)
    a[static_cast<size_t>(k)] = data[k] * chirp_[static_cast<size_t>(k)];
  inner_->forward(a.data());
  for (int64_t k = 0; k < m; ++k)
    a[static_cast<size_t>(k)] *= chirp_spectrum_[static_cast<size_t>(k)];
  inner_->transform(a.data(), /*inverse=*/true);
  const double scale = 1.0 / static_cast<double>(m);
  for (int64_t k = 0; k < n_; ++k) {
    data[k] = a[static_cast<size_t>(k)] * chirp_[static_cast<size_t>(k)] * scale;
  }
}

void naive_dft(const cdouble* in, cdouble* out, int64_t n, bool inverse) {
  for (int64_t k = 0; k < n; ++k) {
    cdouble acc(0, 0);
    for (int64_t j = 0; j < n; ++j) {
      // (j * k) mod n keeps the angle in [0, 2 pi) for accuracy.
      const cdouble w = unit_root((j * k) % n, n);
      acc += in[j] * (inverse ? std::conj(w) : w);
    }
    out[k] = acc;
  }
}

}  // namespace onyx::signal
