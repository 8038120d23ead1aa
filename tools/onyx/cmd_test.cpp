#include <cstdio>

#include "cli.h"

namespace onyx::cli {

int cmd_test(const std::vector<std::string>& args) {
  (void)args;
  std::fprintf(stderr, "onyx test: not built yet\n");
  return 2;
}

}  // namespace onyx::cli
