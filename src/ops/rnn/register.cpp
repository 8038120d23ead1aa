#include "ops/registry.h"

namespace onyx {

void register_recurrent_kernels(KernelRegistry& r);  // recurrent.cpp: RNN, GRU, LSTM

void register_rnn_ops(KernelRegistry& r) { register_recurrent_kernels(r); }

}  // namespace onyx
