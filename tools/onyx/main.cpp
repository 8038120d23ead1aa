// The onyx command-line tool: run, test, bench, info, optimize, ops, peak.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.h"
#include "core/spin_policy.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: onyx <command> [args]\n"
               "  run MODEL [-i NAME=FILE]... [-o DIR]        run a model on .npy / .pb inputs\n"
               "  test PATH... [--filter RE] [--expect-fail FILE] [--jobs N] [--timeout S]\n"
               "       [--verbose] [--list-failures FILE]\n"
               "                                               run ONNX backend-test cases\n"
               "  bench MODEL [--threads N] [--iters N] [--warmup N] [--dim NAME=V]... [--json]\n"
               "                                               time a model\n"
               "  info MODEL                                    describe a model\n"
               "  optimize MODEL -o OUT [--opt N]               save the optimized graph\n"
               "  ops [--markdown]                              list the registered operators\n"
               "  peak [--threads N] [--json]                   the machine's float FMA peak\n"
               "See docs/cli.md.\n");
}

}  // namespace

int main(int argc, char** argv) {
  onyx::set_spin_policy_and_reexec(argv);
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "run") return onyx::cli::cmd_run(args);
  if (cmd == "test") return onyx::cli::cmd_test(args);
  if (cmd == "bench") return onyx::cli::cmd_bench(args);
  if (cmd == "info") return onyx::cli::cmd_info(args);
  if (cmd == "ops") return onyx::cli::cmd_ops(args);
  if (cmd == "optimize") return onyx::cli::cmd_optimize(args);
  if (cmd == "peak") return onyx::cli::cmd_peak(args);
  std::fprintf(stderr, "onyx: unknown command '%s' (see 'onyx --help')\n", cmd.c_str());
  return 2;
}
