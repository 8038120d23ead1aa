// onyx run MODEL [-i NAME=FILE]... [-o DIR] [--threads N] [--opt N] [--custom-ops LIB]...
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.h"
#include "cli_util.h"
#include "exec/session.h"
#include "onnx/npy.h"
#include "onnx/tensor_proto.h"

namespace onyx::cli {

int cmd_run(const std::vector<std::string>& args) {
  std::string model_path, out_dir;
  std::vector<std::pair<std::string, std::string>> input_files;
  int threads = 0;
  int opt_level = 3;
  std::vector<std::string> custom_op_libraries;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-i" || a == "--input") && i + 1 < args.size()) {
      const std::string spec = args[++i];
      const auto eq = spec.find('=');
      if (eq == std::string::npos) return fail("onyx run: -i expects NAME=FILE, got '" + spec + "'");
      input_files.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    } else if ((a == "-o" || a == "--output-dir") && i + 1 < args.size()) {
      out_dir = args[++i];
    } else if (a == "--opt" && i + 1 < args.size()) {
      const auto n = parse_int(args[++i]);
      if (!n || *n < 0 || (*n > 3 && *n != 99)) return fail("onyx run: --opt takes 0-3 or 99");
      opt_level = static_cast<int>(*n);
    } else if (a == "--threads" && i + 1 < args.size()) {
      threads = std::atoi(args[++i].c_str());
    } else if (a == "--custom-ops" && i + 1 < args.size()) {
      custom_op_libraries.push_back(args[++i]);
    } else if (!a.empty() && a[0] == '-') {
      return fail("onyx run: unknown option '" + a + "'");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      return fail("onyx run: unexpected argument '" + a + "'");
    }
  }
  if (model_path.empty()) return fail("usage: onyx run MODEL [-i NAME=FILE]... [-o DIR]");

  SessionOptions options;
  options.intra_op_num_threads = threads;
  options.optimization_level = opt_level;
  auto custom_ops = load_custom_ops(custom_op_libraries);
  if (!custom_ops.ok()) return fail("onyx run: " + custom_ops.status().to_string());
  options.custom_ops = *custom_ops;
  auto session = Session::load(model_path, options);
  if (!session.ok()) return fail("onyx run: " + session.status().to_string());

  NamedValues feeds;
  if (input_files.empty()) {
    auto loaded = load_test_data_set(**session, model_path, 0);
    if (!loaded.ok()) return fail("onyx run: " + loaded.status().message());
    feeds = std::move(loaded).value();
  } else {
    for (const auto& [name, file] : input_files) {
      const ir::TypeInfo* type = nullptr;
      for (const auto& vi : (*session)->model().graph.inputs) {
        if (vi.name == name) type = &vi.type;
      }
      auto value = read_input_file(file, type);
      if (!value.ok()) return fail("onyx run: input '" + name + "': " + value.status().message());
      feeds.emplace_back(name, std::move(value).value());
    }
  }

  auto outputs = (*session)->run(feeds);
  if (!outputs.ok()) return fail("onyx run: " + outputs.status().to_string());
  if (!out_dir.empty()) mkdir(out_dir.c_str(), 0755);
  const auto& infos = (*session)->outputs();
  for (size_t i = 0; i < outputs->size(); ++i) {
    const Value& v = (*outputs)[i];
    std::cout << infos[i].name << ": " << describe_value(v) << "\n";
    if (!out_dir.empty() && v.is_tensor()) {
      const std::string path = out_dir + "/" + sanitize_file_name(infos[i].name) + ".npy";
      Status s = onnx_import::write_npy(path, v.tensor());
      if (!s.ok()) return fail("onyx run: " + s.message());
    }
  }
  return 0;
}

}  // namespace onyx::cli
