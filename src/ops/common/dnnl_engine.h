// The one oneDNN CPU engine every oneDNN-backed kernel uses (made on first use).
#pragma once

#include <dnnl.hpp>

namespace onyx {

inline const dnnl::engine& dnnl_cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

}  // namespace onyx
