#include "core/spin_policy.h"

#include <unistd.h>

#include <cstdlib>
#include <initializer_list>

namespace onyx {

void set_spin_policy_and_reexec(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  // With thread binding asked for, libgomp has pinned this thread to its first place already
  // (it does so when it loads), and exec would keep that mask: the new process would see one
  // CPU and put every thread on it. Keep libgomp's default spin count instead.
  for (const char* v : {"OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"}) {
    if (std::getenv(v) != nullptr) return;
  }
  if (setenv("GOMP_SPINCOUNT", kGompSpinCount, 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with libgomp's default
}

}  // namespace onyx
