// onyx optimize MODEL -o OUT.onnx [--opt N] [--max-rewrites N] [--disable RULE]... [--verbose]
// Runs the graph optimizer (the same passes a session runs at load) and saves the result as an
// ONNX model; fused operators are in the "onyx" domain (docs/fused-ops.md). --max-rewrites
// stops after N rewrites, to find the one that breaks a model by bisection.
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "cli_util.h"
#include "ir/inline_functions.h"
#include "onnx/file_util.h"
#include "onnx/model_loader.h"
#include "onnx/model_writer.h"
#include "ops/registry.h"
#include "optimizer/optimizer.h"

namespace onyx::cli {

namespace {

constexpr const char* kUsage =
    "usage: onyx optimize MODEL -o OUT.onnx [--opt N] [--max-rewrites N] [--disable RULE]... "
    "[--verbose]";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "onyx optimize: %s\n%s\n", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int cmd_optimize(const std::vector<std::string>& args) {
  std::string model_path, out_path;
  opt::OptimizeOptions options;
  bool verbose = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-o" || a == "--output") && i + 1 < args.size()) {
      out_path = args[++i];
    } else if (a == "--opt" && i + 1 < args.size()) {
      const auto n = parse_int(args[++i]);
      if (!n || (*n < 0 || (*n > 3 && *n != 99))) return usage_error("--opt takes 0, 1, 2, 3 or 99");
      options.level = static_cast<int>(*n);
    } else if (a == "--max-rewrites" && i + 1 < args.size()) {
      const auto n = parse_int(args[++i]);
      if (!n || *n < 0) return usage_error("--max-rewrites takes a number >= 0");
      options.max_rewrites = *n;
    } else if (a == "--disable" && i + 1 < args.size()) {
      options.disabled_rules.push_back(args[++i]);
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("%s\n\nrules (level):\n", kUsage);
      for (const auto& [name, level] : opt::rule_names()) std::printf("  %s (%d)\n", name.c_str(), level);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (model_path.empty()) return usage_error("no MODEL given");
  if (out_path.empty()) return usage_error("no -o OUT.onnx given");
  auto model = onnx_import::load_model(model_path);
  if (!model.ok()) return fail("onyx optimize: " + model.status().to_string());
  Status s = ir::inline_functions(*model);
  if (s.ok()) s = ir::validate_graph(model->graph);
  if (!s.ok()) return fail("onyx optimize: " + s.to_string());
  auto report = opt::optimize(*model, global_registry(), options);
  if (!report.ok()) return fail("onyx optimize: " + report.status().to_string());
  s = onnx_export::save_model(*model, out_path);
  if (!s.ok()) return fail("onyx optimize: " + s.to_string());
  std::printf("%s: %s\n", out_path.c_str(),
              verbose ? report->to_string().c_str()
                      : (std::to_string(report->nodes_before) + " nodes -> " +
                         std::to_string(report->nodes_after) + " nodes, " +
                         std::to_string(report->total) + " rewrites")
                            .c_str());
  return 0;
}

}  // namespace onyx::cli
