// The float LSTM and GRU fast paths' building blocks: the recurrent weights packed once for
// the per-step product h * R^T, and the fused gate updates with vectorized sigmoid / tanh.
//
// Both have an AVX2+FMA version chosen at run time (the build targets baseline x86-64) and a
// portable one, and an AVX-512 one (the product walks R two panels at a time there, the cells
// run on 16 lanes). The per-step product at batch 1 is a matrix-vector product bound by reading R
// (1 MiB for hidden 256), so R is laid out in the exact order the kernel streams it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace onyx::rnn {

// R^T of one direction, [H, GH] split in column panels of kPanel: panel p holds, for each k in
// [0, H), the kPanel values R[p * kPanel + c][k] contiguously. Columns past GH are zero.
class PackedRecurrence {
 public:
  static constexpr int64_t kPanel = 16;

  // r: [gh, h] row-major (the ONNX layout of one direction's R).
  void pack(const float* r, int64_t gh, int64_t h);
  bool empty() const { return data_ == nullptr; }

  // out[b, 0:GH) = h[b, 0:H) * R^T for b in [0, batch); ldh / ldo are the row strides.
  // `backward` walks the panels last to first (same results): alternating it from step to step
  // starts each step on the panels the previous one left in L2, as R is larger than L2.
  void multiply(const float* h, int64_t batch, int64_t ldh, float* out, int64_t ldo, bool backward = false) const;
  // The same for the columns of panels [p0, p1) only (out's other columns untouched): threads
  // sharing one direction's step each take a range.
  void multiply_panels(const float* h, int64_t batch, int64_t ldh, float* out, int64_t ldo, int64_t p0,
                       int64_t p1, bool backward = false) const;
  int64_t panels() const { return panels_; }
  size_t bytes() const { return static_cast<size_t>(panels_ * h_ * kPanel) * sizeof(float); }

 private:
  int64_t gh_ = 0, h_ = 0, panels_ = 0;
  // In huge pages (core/huge_pages.h): every step streams R, larger than L2 for hidden 512.
  std::shared_ptr<void> data_;
};

// What one direction's cell updates share.
struct CellConfig {
  int64_t hidden = 0;
  const float* bias = nullptr;       // Wb + Rb, 4H values
  const float* peepholes = nullptr;  // [Pi Po Pf], 3H values, or null
  float clip = 0;                    // 0: none
  bool input_forget = false;
};

// One LSTM cell update for one batch row with the default activations (sigmoid, tanh, tanh),
// gate order i o f c. `x` holds x W^T and `r` holds h R^T for this row (4H each); the biases
// are added here, so the input projection needs no pass of its own for them. Updates c and
// writes h (H each).
void lstm_cell(const CellConfig& cfg, const float* x, const float* r, float* c, float* h);

// What one GRU direction's cell updates share (linear_before_reset = 1, gate order z r h).
struct GruCellConfig {
  int64_t hidden = 0;
  const float* bias_zr = nullptr;  // Wb + Rb of the z and r gates, 2H values
  const float* wbh = nullptr;      // Wb of the hidden gate, H values
  const float* rbh = nullptr;      // Rb of the hidden gate (inside the reset), H values
  float clip = 0;                  // 0: none
};

// One GRU cell update for one batch row with the default activations (sigmoid, tanh) and
// linear_before_reset = 1: z = s(xz + hz + b), r = s(xr + hr + b), n = tanh(xh + Wbh + r (hh +
// Rbh)), h = (1 - z) n + z h_prev. `x` holds x W^T and `r` h_prev R^T for this row (3H each);
// the new h goes to `h`, which may be `h_prev` itself.
void gru_cell(const GruCellConfig& cfg, const float* x, const float* r, const float* h_prev, float* h);

// Element-wise sigmoid / tanh of the fast path (exposed for tests): within a few ulp of the
// libm formulas.
void sigmoid_inplace(float* v, int64_t n);
void tanh_inplace(float* v, int64_t n);

// Caps the ISA the functions above dispatch to (tests run every copy; the default is the
// widest the CPU has). Not thread-safe: for single-threaded tests only. Returns the old cap.
enum class Isa { kPortable, kAvx2, kAvx512 };
Isa set_isa_cap_for_tests(Isa cap);

}  // namespace onyx::rnn
