// The signal family: DFT and STFT over a shared double-precision FFT (fft.h), the cosine
// windows (Hann, Hamming, Blackman) and MelWeightMatrix.
#include "ops/registry.h"

namespace onyx {

void register_dft(KernelRegistry& r);
void register_stft(KernelRegistry& r);
void register_window(KernelRegistry& r);
void register_mel_weight_matrix(KernelRegistry& r);

void register_signal_ops(KernelRegistry& r) {
  register_dft(r);
  register_stft(r);
  register_window(r);
  register_mel_weight_matrix(r);
}

}  // namespace onyx
