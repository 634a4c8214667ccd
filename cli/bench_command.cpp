// hearsay bench [--config FILE] [--options JSON] [--quick] [--out DIR] [--cache DIR]: the whole
// comparison on embedded defaults (bench/runner.h), with the results folder named at the end.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>

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
  std::shared_ptr<FlagValues> flags = std::make_shared<FlagValues>();  ///< --seed, --genres, --train.epochs, ...
};

// A small configuration that runs in under a minute (CI and a first look) and whose models still
// learn: with 4 epochs of 32-window batches (3 steps an epoch) they stayed at chance level (33 % and
// 50 %), so batches of 8 give 4 times the steps for the same windows; 2 s inputs halve each step's
// cost. Exact Shapley over stems x 3 segments (4096 coalitions) took most of the explaining time:
// 2 segments give 256.
nlohmann::json quick_config() {
  return {{"genres", 3},
          {"per_genre", 10},
          {"seconds", 4.0},
          {"genre_clips", 1},
          {"planted_classes", 2},
          {"planted_per_class", 20},
          {"planted_clips", 1},
          {"stem_segments", 2},
          {"grid_time", 3},
          {"grid_bands", 3},
          {"method_options", {{"lime", {{"num_samples", 256}}}, {"kernel_shap", {{"num_samples", 256}}}}},
          {"train", {{"epochs", 6}, {"patience", 0}, {"seconds", 2.0}, {"batch_size", 8}, {"crops_per_track", 4}}}};
}

// The flags as nested JSON: "--train.epochs 2" gives {"train": {"epochs": 2}}.
nlohmann::json nested_flags(const FlagValues& values) {
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json flat = flags_to_json(values);
  for (const auto& [key, value] : flat.items()) {
    nlohmann::json* target = &out;
    std::string rest = key;
    for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1))
      target = &(*target)[rest.substr(0, dot)];
    (*target)[rest] = value;
  }
  return out;
}

// A key set by a flag and by --config or --options to different values: which one the user meant
// cannot be guessed, so it is refused naming both. The first such key, or "" when they agree.
std::string first_conflict(const nlohmann::json& flags, const nlohmann::json& other, const std::string& prefix) {
  if (!flags.is_object() || !other.is_object()) return {};
  for (const auto& [key, value] : flags.items()) {
    const auto it = other.find(key);
    if (it == other.end()) continue;
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object() && it->is_object()) {
      const std::string inner = first_conflict(value, *it, path);
      if (!inner.empty()) return inner;
    } else if (value != *it) {
      return path;
    }
  }
  return {};
}

nlohmann::json at_path(const nlohmann::json& j, const std::string& path) {
  std::string pointer = "/" + path;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return j.at(nlohmann::json::json_pointer(pointer));
}

std::string flag_name(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return "--" + key;
}

// --config names a JSON file (or holds a JSON object); a folder is refused by name before reading.
nlohmann::json config_argument(const std::string& text) {
  std::error_code ec;
  HEARSAY_CHECK_AS(ConfigError, text.empty() || text.front() == '{' || !std::filesystem::is_directory(text, ec),
                   "--config: '", text,
                   "' is a folder; give a JSON file of bench options (hearsay bench --list-options lists them)");
  return json_argument(text, "--config");
}

int run_bench_command(const BenchArgs& args) {
  if (args.list_options) {
    print_option_docs(std::cout, describe_options<bench::BenchConfig>(), false);
    return 0;
  }
  const nlohmann::json from_file = config_argument(args.config);
  const nlohmann::json from_options = json_argument(args.options, "--options");
  const nlohmann::json from_flags = nested_flags(*args.flags);
  for (const auto& [other, name] : {std::pair{&from_file, "--config"}, std::pair{&from_options, "--options"}}) {
    const std::string key = first_conflict(from_flags, *other, "");
    HEARSAY_CHECK_AS(ConfigError, key.empty(), "bench: '", key, "' is ", at_path(from_flags, key).dump(),
                     " by the flag ", flag_name(key), " but ", at_path(*other, key).dump(), " by ", name,
                     "; give it once");
  }
  nlohmann::json config = args.quick ? quick_config() : nlohmann::json::object();
  config.merge_patch(from_file);
  config.merge_patch(from_options);
  config.merge_patch(from_flags);
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
  add_option_flags<bench::BenchConfig>(*cmd, args->flags);
  cmd->callback([args] {
    const int code = run_bench_command(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
