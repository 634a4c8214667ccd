// hearsay bench [--config FILE] [--options JSON] [--quick] [--out DIR] [--cache DIR]: the whole
// comparison on embedded defaults (bench/runner.h), with the results folder named at the end.
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "bench/runner.h"
#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"

namespace hearsay::cli {

namespace {

struct BenchArgs {
  std::string config;
  std::string options;
  bool quick = false;
  std::string out = "hearsay-out/bench";
  std::string cache = "hearsay-out/cache";
  bool list_options = false;
};

// A small configuration that runs in well under a minute (CI and a first look).
nlohmann::json quick_config() {
  return {{"genres", 3},
          {"per_genre", 10},
          {"seconds", 4.0},
          {"genre_clips", 1},
          {"planted_classes", 2},
          {"planted_per_class", 12},
          {"planted_clips", 1},
          {"stem_segments", 3},
          {"grid_time", 3},
          {"grid_bands", 3},
          {"method_options", {{"lime", {{"num_samples", 256}}}, {"kernel_shap", {{"num_samples", 256}}}}},
          {"train", {{"epochs", 4}, {"patience", 0}}}};
}

int run_bench_command(const BenchArgs& args) {
  if (args.list_options) {
    print_option_docs(std::cout, describe_options<bench::BenchConfig>(), false);
    return 0;
  }
  nlohmann::json config = args.quick ? quick_config() : nlohmann::json::object();
  config.merge_patch(json_argument(args.config, "--config"));
  config.merge_patch(json_argument(args.options, "--options"));
  const auto parsed = read_options<bench::BenchConfig>(config, "bench");
  const nlohmann::json results = bench::run_bench(parsed, args.out, args.cache, std::cout, std::cerr);
  for (const auto& row : results["rows"])
    if (!row["ok"].get<bool>() && row["method"] != "exact_shapley") return 1;
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Compare every method on synthetic genre and planted-cause sets (synthesised and trained as needed)");
  cmd->add_option("--config", args->config, "JSON file of bench options (--list-options lists them)");
  cmd->add_flag("--list-options", args->list_options, "Print the bench options with their defaults and exit");
  cmd->add_option("--options", args->options, "JSON bench options, applied after --config");
  cmd->add_flag("--quick", args->quick, "A small configuration that runs in under a minute");
  cmd->add_option("--out", args->out, "Results folder")->capture_default_str();
  cmd->add_option("--cache", args->cache, "Folder for the synthetic sets and trained models")->capture_default_str();
  cmd->callback([args] {
    const int code = run_bench_command(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
