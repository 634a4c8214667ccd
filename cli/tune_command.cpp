// hearsay tune MODEL [--batches LIST] [--rounds N] [--dry-run] [--json]: measures the model's time per
// window at each batch size (models/batch_tuning.h) and stores the fastest in its model.json as
// "batch", which load_model uses from then on (explain, bench, predict, evaluate; --batch still
// overrides). Run it once per model on the machine that will use it. Results computed before and after
// may differ in their last bits: a window's logits depend on the batch.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "models/batch_tuning.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace {

struct TuneArgs {
  std::string model;
  std::vector<int64_t> batches = models::kTuningBatches;
  int rounds = 5;
  bool dry_run = false;
  bool json = false;
};

void run_tune(const TuneArgs& args) {
  // Read and check model.json before timing anything: a broken folder fails in a second, not after.
  const std::string json_path = (std::filesystem::path(args.model) / "model.json").string();
  models::load_model(args.model, {});
  nlohmann::json config = read_json_file(json_path);
  const int64_t previous = config.contains("batch") ? config["batch"].get<int64_t>() : 0;
  // Under other work the fastest batch is another one (two processes sharing the cores moved it from
  // 8 to 16, and under OMP_WAIT_POLICY=PASSIVE from 32 to 8), and the value would describe a busy machine.
  double load = 0.0;
  if (std::ifstream loadavg("/proc/loadavg"); loadavg >> load && load >= 0.5)
    std::cerr << "hearsay: note: the load average is " << load << " on " << hardware_threads()
              << " cores: other work is running, and a batch measured now suits a busy machine; run hearsay "
                 "tune again when it is idle\n";

  const models::BatchTuning tuning = models::tune_batch(
      [&](int64_t batch) {
        models::InferenceOptions options;
        options.batch = batch;
        return models::load_model(args.model, options);
      },
      args.batches, args.rounds);

  nlohmann::json report = {{"model", args.model},
                           {"best", tuning.best},
                           {"previous", previous},
                           {"written", !args.dry_run},
                           {"times", nlohmann::json::array()}};
  for (const auto& t : tuning.times) {
    nlohmann::json j = {{"batch", t.batch}};
    if (t.error.empty())
      j["ms_per_window"] = t.seconds_per_window * 1e3;
    else
      j["error"] = t.error;
    report["times"].push_back(std::move(j));
  }
  if (!args.dry_run) {
    config["batch"] = tuning.best;
    write_json_file(json_path, config);
  }
  if (args.json) {
    std::cout << report.dump(2) << "\n";
    return;
  }
  std::printf("%s: time per window by batch (median of %d rounds)\n", args.model.c_str(), args.rounds);
  std::printf("  %6s  %10s\n", "batch", "ms/window");
  for (const auto& t : tuning.times) {
    if (!t.error.empty()) {
      std::printf("  %6lld  refused: %s\n", static_cast<long long>(t.batch), t.error.c_str());
      continue;
    }
    std::printf("  %6lld  %10.4f%s\n", static_cast<long long>(t.batch), t.seconds_per_window * 1e3,
                t.batch == tuning.best ? "  <" : "");
  }
  const std::string before =
      previous > 0 ? "was " + std::to_string(previous) : "was unset: " + std::to_string(models::kDefaultBatch);
  if (args.dry_run)
    std::printf("fastest: batch %lld (%s); --dry-run: %s not changed\n", static_cast<long long>(tuning.best),
                before.c_str(), json_path.c_str());
  else
    std::printf("wrote \"batch\": %lld to %s (%s)\n", static_cast<long long>(tuning.best), json_path.c_str(),
                before.c_str());
}

}  // namespace

void add_tune_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Measure a model's time per window at each batch size and store the fastest in its model.json");
  cmd->add_option("model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--batches", args->batches, "Batch sizes to try (1 to 4096)")
      ->delimiter(',')
      ->check(CLI::Range(int64_t{1}, int64_t{4096}))
      ->capture_default_str();
  cmd->add_option("--rounds", args->rounds, "Round-robin passes over the batch sizes; the median counts")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dry_run, "Only print the times; leave model.json as it is");
  cmd->add_flag("--json", args->json, "Print JSON: {model, best, previous, written, times: [{batch, ms_per_window}]}");
  cmd->footer(
      "The batch is stored, not chosen at run time, because a window's logits depend on it in their last bits: "
      "the same model folder gives the same results. Run it again on another machine; --batch N on predict "
      "and evaluate still overrides it.");
  cmd->callback([args] { run_tune(*args); });
}

}  // namespace hearsay::cli
