// Subcommands of the onyx CLI. Each returns the process exit status.
#pragma once

#include <string>
#include <vector>

namespace onyx::cli {

int cmd_run(const std::vector<std::string>& args);
int cmd_test(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_ops(const std::vector<std::string>& args);
int cmd_optimize(const std::vector<std::string>& args);
int cmd_peak(const std::vector<std::string>& args);

}  // namespace onyx::cli
