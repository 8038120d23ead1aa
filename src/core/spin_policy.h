// How long idle OpenMP threads spin before they sleep. Too short, and a thread that waits a
// little at the end of a region sleeps, and waking it for the next op costs tens to hundreds of
// microseconds on a virtual machine (an idle vCPU is descheduled by the hypervisor): 2000 spins
// (34 us here) made EfficientNet-B0 at 2 threads take 26-41 ms instead of 9.5. Too long, and a
// spinning thread competes for the CPU with the threads the next op needs when the machine is
// oversubscribed. 100000 spins (1.7 ms at 17 ns a pause) won both idle and with two busy loops
// beside it (docs/performance.md, "Threads"); after `run` returns a thread spins at most that
// long, then sleeps. libgomp reads the setting from the environment once, when it loads, so it
// cannot be changed from inside a running process.
#pragma once

namespace onyx {

inline constexpr const char* kGompSpinCount = "100000";

// For executables, first thing in main: unless the user chose (OMP_WAIT_POLICY or
// GOMP_SPINCOUNT set) or asked for thread binding (OMP_PROC_BIND, OMP_PLACES or
// GOMP_CPU_AFFINITY: libgomp pins the initial thread when it loads, and the pinning would survive
// the exec), sets GOMP_SPINCOUNT=kGompSpinCount and re-executes the program once so libgomp sees
// it. Returns when nothing needed doing, or when exec failed.
void set_spin_policy_and_reexec(char** argv);

}  // namespace onyx
