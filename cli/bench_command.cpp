// hearsay bench [--config FILE] [--options JSON] [--quick] [--shard K/N | --mpi] [--out DIR] [--cache DIR]:
// compare methods over the studies of a configuration (bench/run.h); the embedded default is the
// README's main job. hearsay bench merge DIR... --out DIR joins the folders of shards into one run.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "bench/config.h"
#include "bench/run.h"
#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"

namespace hearsay::cli {

namespace {

struct BenchArgs {
  std::string config;
  std::string options;
  bool quick = false;
  std::string out = "hearsay-out/bench";
  std::string cache = "hearsay-out/cache";
  bool list_options = false;
  bool print_config = false;
  int64_t seed = -1;
  std::string samples;  // a positive count or "auto"
  int segments = 0;
  std::string shard;
  bool mpi = false;
};

struct MergeArgs {
  std::vector<std::string> dirs;
  std::string out;
};

// Keys that name time segments and perturbation budgets in plug-ins' options, in order of preference.
const std::vector<std::string> kSegmentKeys = {"segments", "time_segments"};
const std::vector<std::string> kSampleKeys = {"num_samples"};

// --config names a JSON file (or holds a JSON object); a folder is refused by name before reading.
nlohmann::json config_argument(const std::string& text) {
  std::error_code ec;
  HEARSAY_CHECK_AS(ConfigError, text.empty() || text.front() == '{' || !std::filesystem::is_directory(text, ec),
                   "--config: '", text,
                   "' is a folder; give a JSON file of bench options (hearsay bench --list-options lists them)");
  return json_argument(text, "--config");
}

// Sets `value` under the option that each named plug-in declares (found through the registry's option
// docs, never by plug-in name) in `options` (name -> options), over what the configuration gives: the
// flag is the most specific setting. Returns how many plug-ins took it.
template <class Registry>
int apply_declared(const Registry& registry, const std::vector<std::string>& names,
                   const std::vector<std::string>& keys, const nlohmann::json& value, nlohmann::json& options) {
  int taken = 0;
  for (const auto& name : names) {
    const std::string key = registry.declared_option(name, keys);
    if (key.empty()) continue;
    nlohmann::json& o = options[name];
    if (o.is_null()) o = nlohmann::json::object();
    o[key] = value;
    ++taken;
  }
  return taken;
}

// --samples and --segments reach every method and factorization of every study that declares them; a
// flag that no plug-in of any study takes is refused, naming those that would.
void apply_shared_flags(const BenchArgs& args, nlohmann::json& config) {
  const nlohmann::json samples = samples_argument(args.samples, /*zero_means_default=*/false);
  if (samples.is_null() && args.segments <= 0) return;
  const bench::BenchConfig parsed = read_options<bench::BenchConfig>(config, "bench");
  const auto& explainers = methods::explainer_registry();
  const auto& factorizers = factorizations::factorizer_registry();
  int samples_taken = 0, segments_taken = 0;
  for (size_t i = 0; i < parsed.studies.size(); ++i) {
    const bench::StudyConfig& study = parsed.studies[i];
    nlohmann::json& target = config["studies"][i];
    if (!samples.is_null()) {
      nlohmann::json options = study.method_options;
      samples_taken += apply_declared(explainers, bench::study_methods(study), kSampleKeys, samples, options);
      target["method_options"] = options;
    }
    if (args.segments > 0) {
      std::vector<std::string> names;
      for (const auto& [name, value] : study.factorizations.items()) names.push_back(name);
      nlohmann::json options = study.factorizations;
      segments_taken += apply_declared(factorizers, names, kSegmentKeys, args.segments, options);
      target["factorizations"] = options;
    }
  }
  HEARSAY_CHECK_AS(ConfigError, samples.is_null() || samples_taken > 0,
                   "--samples: no method of any study takes a number of samples; methods that do: ",
                   hearsay::detail::join_names(explainers.names_declaring(kSampleKeys)));
  HEARSAY_CHECK_AS(ConfigError, args.segments <= 0 || segments_taken > 0,
                   "--segments: no factorization of any study has time segments; factorizations that do: ",
                   hearsay::detail::join_names(factorizers.names_declaring(kSegmentKeys)));
}

std::atomic<bool> g_stop{false};

// The first Ctrl-C stops the run after the job in progress (its views are still written); a second
// one ends the process at once (records already written stay whole).
void on_interrupt(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);
}

int run_bench_command(const BenchArgs& args) {
  if (args.list_options) {
    print_option_docs(std::cout, describe_options<bench::BenchConfig>(), false);
    return 0;
  }
  nlohmann::json config = args.quick ? bench::quick_config() : bench::default_config();
  const nlohmann::json from_file = config_argument(args.config);
  // A configuration file replaces the embedded studies; --options patches what is there (RFC 7386:
  // objects merge, arrays such as "studies" are replaced whole).
  if (from_file.contains("studies")) config.erase("studies");
  const nlohmann::json from_options = json_argument(args.options, "--options");
  // A seed given by the flag and, differently, by a file or --options: which one was meant cannot be
  // guessed, so it is refused naming both.
  for (const auto& [given, name] : {std::pair{&from_file, "--config"}, std::pair{&from_options, "--options"}})
    HEARSAY_CHECK_AS(ConfigError, args.seed < 0 || !given->contains("seed") || (*given)["seed"] == args.seed,
                     "bench: 'seed' is ", args.seed, " by the flag --seed but ", (*given)["seed"].dump(), " by ", name,
                     "; give it once");
  config.merge_patch(from_file);
  config.merge_patch(from_options);
  if (args.seed >= 0) config["seed"] = args.seed;
  apply_shared_flags(args, config);
  const auto parsed = read_options<bench::BenchConfig>(config, "bench");
  if (args.print_config) {
    std::cout << write_options(parsed).dump(2) << "\n";
    return 0;
  }

  bench::RunOptions options;
  options.out_dir = args.out;
  options.cache_dir = args.cache;
  if (!args.shard.empty()) options.shard = bench::parse_shard(args.shard, "--shard");
  options.mpi = args.mpi;
  options.terminal = ::isatty(STDOUT_FILENO) != 0;
  options.out = &std::cout;
  options.log = &std::cerr;
  options.stop = &g_stop;
  std::signal(SIGINT, on_interrupt);
  const bench::RunResult result = bench::run_bench(parsed, options);
  std::signal(SIGINT, SIG_DFL);
  if (result.worker) return 0;
  std::cout << "\nwrote " << std::filesystem::absolute(args.out).string()
            << "\nreport: " << (std::filesystem::absolute(args.out) / "report.html").string() << "\n";
  if (result.interrupted) {
    std::cerr << "hearsay: interrupted: " << result.records.size() << " of " << result.jobs
              << " jobs have a record; run the same command again to finish the rest\n";
    return 130;
  }
  if (result.failed > 0) {
    std::cerr << "hearsay: " << result.failed << " of " << result.jobs
              << " jobs failed (their errors are in the records and listed above)\n";
    return 1;
  }
  return 0;
}

int run_merge_command(const MergeArgs& args) {
  const bench::MergeResult merged = bench::merge_runs(args.dirs, args.out, std::cout);
  std::cout << "\nmerged " << merged.records << " of " << merged.jobs << " jobs into "
            << std::filesystem::absolute(args.out).string() << "\n";
  for (const auto& id : merged.duplicates) std::cerr << "hearsay: note: job " << id << " is in more than one folder\n";
  if (!merged.missing.empty()) {
    std::cerr << "hearsay: " << merged.missing.size()
              << " jobs of the plan have no record in these folders (first: " << merged.missing.front()
              << "); run the missing shard and merge again\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Compare methods over the studies of a configuration (default: synthetic genre and planted sets)");
  cmd->add_option("--config", args->config, "JSON file of bench options; its studies replace the embedded ones");
  cmd->add_flag("--list-options", args->list_options, "Print the bench options with their defaults and exit");
  cmd->add_flag("--print-config", args->print_config,
                "Print the configuration that would run (defaults filled in, as JSON) and exit: a start for --config");
  cmd->add_option("--options", args->options, "JSON bench options merged over the configuration");
  cmd->add_flag("--quick", args->quick, "A small configuration that runs in about a minute");
  cmd->add_option("--seed", args->seed, "Seed of the sets, the training, the clip choice and every method")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--samples", args->samples,
                  "Perturbations for every method that takes a number of samples, or auto (until the top-k "
                  "components are stable)");
  cmd->add_option("--segments", args->segments, "Time segments for every factorization that has them")
      ->check(CLI::PositiveNumber);
  auto* shard = cmd->add_option("--shard", args->shard, "Run the K-th of N disjoint slices of the jobs (K/N)");
  cmd->add_flag("--mpi", args->mpi, "Spread the jobs over MPI ranks (mpirun -n P hearsay bench --mpi)")
      ->excludes(shard);
  cmd->add_option("--out", args->out, "Run folder (records, views, job files)")->capture_default_str();
  cmd->add_option("--cache", args->cache, "Folder for synthetic sets and trained models")->capture_default_str();
  cmd->callback([args, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // bench merge
    const int code = run_bench_command(*args);
    if (code) throw CLI::RuntimeError(code);
  });

  auto merge_args = std::make_shared<MergeArgs>();
  CLI::App* merge = cmd->add_subcommand("merge", "Join the run folders of shards into one run");
  merge->add_option("dirs", merge_args->dirs, "Run folders of one configuration's shards")->required();
  merge->add_option("--out", merge_args->out, "Folder of the merged run (new)")->required();
  merge->callback([merge_args] {
    const int code = run_merge_command(*merge_args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
