// How long idle OpenMP threads spin before they sleep. libgomp's default (300000 spins, some
// milliseconds) makes a thread that just finished a region compete for the CPU with the threads
// the next op needs; with other work on the machine that costs up to 10x (docs/performance.md).
// libgomp reads the setting from the environment once, when it loads, so it cannot be changed
// from inside a running process.
#pragma once

namespace onyx {

inline constexpr const char* kGompSpinCount = "2000";

// For executables, first thing in main: unless the user chose (OMP_WAIT_POLICY or
// GOMP_SPINCOUNT set), sets GOMP_SPINCOUNT=kGompSpinCount and re-executes the program once so
// libgomp sees it. Returns when nothing needed doing, or when exec failed.
void set_spin_policy_and_reexec(char** argv);

}  // namespace onyx
