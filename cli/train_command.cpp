// hearsay train --data DIR --out DIR [--model vgg_small] [--seconds 3] ...: trains a built-in
// network on a dataset folder, shows a progress bar, scores the held-out test tracks and writes a
// model directory (model.json, weights.pt and the split files train.txt / val.txt / test.txt).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "models/load_model.h"
#include "models/network_registry.h"
#include "models/networks.h"
#include "models/train.h"

namespace hearsay::cli {

namespace {

struct TrainArgs {
  std::string data;
  std::string out;
  std::string splits;
  double val_fraction = 0.15;
  double test_fraction = 0.15;
  std::string front_end;
  std::string network_options;
  bool quiet = false;
  bool json = false;
  std::shared_ptr<FlagValues> options = std::make_shared<FlagValues>();
};

std::string clock_text(double seconds) {
  const auto s = static_cast<long long>(std::lround(std::max(0.0, seconds)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

// One line per epoch; on a terminal also a bar redrawn in place after each step.
class ProgressBar {
 public:
  explicit ProgressBar(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}

  void operator()(const models::TrainProgress& p) {
    if (quiet_) return;
    if (!p.epoch_done) {
      if (!tty_) return;
      constexpr int kWidth = 24;
      const auto filled = static_cast<int>(kWidth * p.step / std::max<int64_t>(1, p.steps));
      std::fprintf(stderr, "\repoch %3d/%d [%s%s] %3lld/%lld  loss %.3f  acc %5.1f%%  elapsed %s  eta %s ", p.epoch,
                   p.epochs, std::string(static_cast<size_t>(filled), '#').c_str(),
                   std::string(static_cast<size_t>(kWidth - filled), '-').c_str(), static_cast<long long>(p.step),
                   static_cast<long long>(p.steps), p.loss, 100.0 * p.accuracy, clock_text(p.elapsed_seconds).c_str(),
                   clock_text(p.eta_seconds).c_str());
      return;
    }
    std::fprintf(stderr, "%sepoch %3d/%d  loss %.3f  acc %5.1f%%  val_loss %.3f  val_acc %5.1f%%  lr %.1e  %s%s\n",
                 tty_ ? "\r\033[K" : "", p.epoch, p.epochs, p.loss, 100.0 * p.accuracy, p.val_loss,
                 100.0 * p.val_accuracy, p.learning_rate, clock_text(p.elapsed_seconds).c_str(),
                 p.improved ? "  best" : "");
  }

 private:
  bool quiet_;
  bool tty_;
};

// The split: --splits, else the dataset's own splits/ folder (hearsay synth writes one), else a
// stratified split by --val-fraction / --test-fraction.
datasets::Split split_for(const TrainArgs& args, const datasets::Dataset& dataset, uint64_t seed, std::string& source) {
  namespace fs = std::filesystem;
  fs::path dir(args.splits);
  if (dir.empty() && fs::is_regular_file(fs::path(args.data) / "splits" / "train.txt"))
    dir = fs::path(args.data) / "splits";
  if (dir.empty()) {
    source = message("stratified split (val ", args.val_fraction, ", test ", args.test_fraction, ", seed ", seed, ")");
    return datasets::stratified_split(dataset, args.val_fraction, args.test_fraction, seed);
  }
  source = "split files in " + dir.string();
  return datasets::read_split_dir(dir.string(), dataset);
}

int run_train(const TrainArgs& args) {
  const auto options = read_options<models::TrainOptions>(flags_to_json(*args.options), "train");
  const auto front_end = read_options<FrontEndOptions>(json_argument(args.front_end, "--front-end"), "--front-end");
  const auto network_options = json_argument(args.network_options, "--network-options");
  // Before any work: a misspelled network or option, or a folder that cannot be written, must not cost
  // opening the dataset or a full training first.
  models::network_registry().create(options.model, network_options);
  ensure_writable_directory(args.out, "--out");
  const auto dataset = datasets::open_dataset(args.data);
  std::string source;
  const datasets::Split split = split_for(args, *dataset, static_cast<uint64_t>(options.seed), source);
  if (!args.quiet)
    std::fprintf(stderr, "hearsay train: %s on %zu classes; %zu training, %zu validation, %zu test tracks (%s)\n",
                 options.model.c_str(), dataset->classes().size(), split.train.size(), split.val.size(),
                 split.test.size(), source.c_str());

  ProgressBar bar(args.quiet);
  const models::TrainResult result =
      models::train_model(*dataset, split, front_end, network_options, options, std::ref(bar));
  models::save_model(*result.model, args.out);
  namespace fs = std::filesystem;
  const fs::path out(args.out);
  datasets::write_split_file((out / "train.txt").string(), *dataset, split.train);
  datasets::write_split_file((out / "val.txt").string(), *dataset, split.val);
  datasets::write_split_file((out / "test.txt").string(), *dataset, split.test);

  if (args.json) {
    std::cout << result.summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  const auto& s = result.summary;
  const int threads = s["threads"].get<int>();
  std::printf("trained %s: best epoch %d of %d (validation accuracy %.1f%%), %.1f s (features %.1f s), %d thread%s\n",
              options.model.c_str(), s["best_epoch"].get<int>(), s["epochs_run"].get<int>(),
              100.0 * s["best_val_accuracy"].get<double>(), s["seconds"].get<double>(),
              s["feature_seconds"].get<double>(), threads, threads == 1 ? "" : "s");
  std::printf("saved %s (model.json, weights.pt, train.txt, val.txt, test.txt)\n\n", args.out.c_str());
  if (result.test.examples() > 0)
    std::printf("test tracks\n%s", result.test.to_text().c_str());
  else
    for (const auto& note : result.test.notes) std::printf("note: %s\n", note.c_str());
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a built-in network (vgg_small, fcn, short_chunk_cnn) on a dataset folder and save a model directory");
  cmd->add_option("--data", args->data, "Dataset folder (manifest, GTZAN layout, or one folder per class)")->required();
  cmd->add_option("--out", args->out, "Model directory to write")->required();
  cmd->add_option("--splits", args->splits,
                  "Folder with train.txt (and val.txt, test.txt) listing example ids; default: DATA/splits when it "
                  "exists, else a stratified split");
  cmd->add_option("--val-fraction", args->val_fraction, "Validation share of each class (default 0.15)");
  cmd->add_option("--test-fraction", args->test_fraction, "Test share of each class (default 0.15)");
  cmd->add_option("--front-end", args->front_end, "Front-end options: a JSON object or a .json file");
  cmd->add_option("--network-options", args->network_options,
                  "Options of the network, e.g. '{\"channels\": [16, 32, 64, 64]}' (JSON object or file)");
  add_option_flags<models::TrainOptions>(*cmd, args->options);
  cmd->add_flag("--quiet", args->quiet, "No progress output");
  cmd->add_flag("--json", args->json, "Print the training summary as JSON");
  cmd->callback([args] {
    const int code = run_train(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
