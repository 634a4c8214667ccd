// hearsay dataset info|split|baseline DIR: what a dataset folder holds (classes, counts, durations,
// stems, ground truth, problems), a fixed stratified split, and a model-free learnability check.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "datasets/baseline.h"
#include "datasets/file_dataset.h"
#include "datasets/loaders.h"
#include "datasets/split.h"

namespace hearsay::cli {

namespace {

namespace fs = std::filesystem;
using datasets::DatasetProblem;
using datasets::FileDataset;

struct DatasetArgs {
  std::string path;
  bool json = false;
  bool strict = false;
  double val = 0.1;
  double test = 0.2;
  uint64_t seed = 1;
  std::string splits;
};

// `quiet`: the command lists the problems itself, so the loader's warnings are not printed.
std::unique_ptr<FileDataset> open(const DatasetArgs& args, bool quiet) {
  datasets::OpenOptions options;
  options.strict = args.strict;
  if (quiet) options.warn = [](const std::string&) {};
  return datasets::open_file_dataset(args.path, options);
}

const char* kind_name(DatasetProblem::Kind kind) {
  return kind == DatasetProblem::Kind::skipped_file ? "skipped" : "empty class";
}

void run_info(const DatasetArgs& args) {
  const auto d = open(args, true);
  const size_t n = d->size();
  std::vector<size_t> per_class(d->classes().size(), 0);
  std::vector<double> class_seconds(d->classes().size(), 0.0);
  double total = 0.0, shortest = n ? 1e300 : 0.0, longest = 0.0;
  size_t with_stems = 0, with_truth = 0, unlabelled = 0;
  std::map<std::string, size_t> stem_names, truth_kinds;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = d->entry(i);
    total += e.duration;
    shortest = std::min(shortest, e.duration);
    longest = std::max(longest, e.duration);
    if (e.info.label >= 0) {
      ++per_class[static_cast<size_t>(e.info.label)];
      class_seconds[static_cast<size_t>(e.info.label)] += e.duration;
    } else {
      ++unlabelled;
    }
    with_stems += !e.stems.empty();
    with_truth += !e.ground_truth.empty();
    for (const auto& [name, path] : e.stems) ++stem_names[name];
    for (const auto& t : e.ground_truth) ++truth_kinds[t.kind];
  }
  const auto problems = d->problems();

  nlohmann::json report;
  report["path"] = args.path;
  report["layout"] = d->layout();
  report["classes"] = nlohmann::json::array();
  for (size_t c = 0; c < per_class.size(); ++c)
    report["classes"].push_back({{"name", d->classes()[c]}, {"examples", per_class[c]}, {"seconds", class_seconds[c]}});
  report["examples"] = n;
  report["unlabelled"] = unlabelled;
  report["total_seconds"] = total;
  report["duration_seconds"] = {{"min", shortest}, {"mean", n ? total / n : 0.0}, {"max", longest}};
  report["with_stems"] = with_stems;
  report["stems"] = stem_names;
  report["with_ground_truth"] = with_truth;
  report["ground_truth_kinds"] = truth_kinds;
  report["problems"] = nlohmann::json::array();
  for (const auto& p : problems)
    report["problems"].push_back({{"kind", kind_name(p.kind)}, {"path", p.path}, {"reason", p.reason}});
  if (args.json) {
    // Non-UTF-8 file names (a foreign file system) print with U+FFFD instead of stopping the report.
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::printf("dataset   %s (%s)\nclasses   %zu\n", args.path.c_str(), d->layout().c_str(), per_class.size());
  for (size_t c = 0; c < per_class.size(); ++c)
    std::printf("  %-24s %6zu examples %10.1f s\n", d->classes()[c].c_str(), per_class[c], class_seconds[c]);
  std::printf("examples  %zu (%zu unlabelled), %.1f s in all; duration min %.3f / mean %.3f / max %.3f s\n", n,
              unlabelled, total, shortest, n ? total / n : 0.0, longest);
  std::printf("stems     %zu of %zu examples", with_stems, n);
  for (const auto& [name, count] : stem_names) std::printf(" %s:%zu", name.c_str(), count);
  std::printf("\nground truth %zu of %zu examples", with_truth, n);
  for (const auto& [kind, count] : truth_kinds) std::printf(" %s:%zu", kind.c_str(), count);
  std::printf("\nproblems  %s\n", problems.empty() ? "none" : std::to_string(problems.size()).c_str());
  for (const auto& p : problems) std::printf("  %-11s %s\n", kind_name(p.kind), p.reason.c_str());
}

std::string splits_folder(const DatasetArgs& args) {
  return args.splits.empty() ? (fs::path(args.path) / "splits").string() : args.splits;
}

void run_split(const DatasetArgs& args) {
  const std::string folder = splits_folder(args);
  ensure_writable_directory(folder, "--out");
  const auto d = open(args, false);
  const auto split = datasets::stratified_split(*d, args.val, args.test, args.seed);
  datasets::write_split_file((fs::path(folder) / "train.txt").string(), *d, split.train);
  datasets::write_split_file((fs::path(folder) / "val.txt").string(), *d, split.val);
  datasets::write_split_file((fs::path(folder) / "test.txt").string(), *d, split.test);
  std::printf("hearsay dataset split: %zu train, %zu val, %zu test ids in '%s'\n", split.train.size(), split.val.size(),
              split.test.size(), folder.c_str());
}

void run_baseline(const DatasetArgs& args) {
  const auto d = open(args, false);
  const std::string folder = splits_folder(args);
  std::error_code ec;
  std::vector<size_t> train, test;
  std::string source;
  if (fs::is_regular_file(fs::path(folder) / "train.txt", ec) &&
      fs::is_regular_file(fs::path(folder) / "test.txt", ec)) {
    train = datasets::read_split_file((fs::path(folder) / "train.txt").string(), *d);
    test = datasets::read_split_file((fs::path(folder) / "test.txt").string(), *d);
    source = "split files in '" + folder + "'";
  } else {
    const auto split = datasets::stratified_split(*d, 0.0, args.test, args.seed);
    train = split.train;
    test = split.test;
    source = "a stratified split with seed " + std::to_string(args.seed);
  }
  const auto result = datasets::nearest_centroid_baseline(*d, train, test);
  const auto& classes = d->classes();
  std::printf("nearest centroid on mean log-mel frames (%s): %zu train, %zu test\n", source.c_str(), result.train,
              result.test);
  std::printf("accuracy  %.1f %% (chance %.1f %%)\nconfusion (rows: true, columns: predicted)\n",
              100.0 * result.accuracy, classes.empty() ? 0.0 : 100.0 / classes.size());
  for (size_t c = 0; c < classes.size(); ++c) {
    std::printf("  %-24s", classes[c].c_str());
    for (size_t count : result.confusion[c]) std::printf(" %3zu", count);
    std::printf("\n");
  }
}

}  // namespace

void add_dataset_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<DatasetArgs>();
  CLI::App* cmd = app.add_subcommand("dataset", "Inspect a dataset folder (GTZAN, folder per class, or a manifest)");
  cmd->require_subcommand(1);

  CLI::App* info = cmd->add_subcommand("info", "Classes, counts, durations, stems, ground truth and problems found");
  info->add_option("path", args->path, "Dataset folder or manifest file")->required();
  info->add_flag("--json", args->json, "Print JSON instead of text");
  info->add_flag("--strict", args->strict, "Fail on the first unreadable file instead of skipping it");
  info->callback([args] { run_info(*args); });

  CLI::App* split = cmd->add_subcommand("split", "Write a seeded stratified split: train.txt, val.txt, test.txt");
  split->add_option("path", args->path, "Dataset folder or manifest file")->required();
  split->add_option("--val", args->val, "Share of each class for validation")->check(CLI::Range(0.0, 1.0));
  split->add_option("--test", args->test, "Share of each class for testing")->check(CLI::Range(0.0, 1.0));
  split->add_option("--seed", args->seed, "Seed of the split");
  split->add_option("--out", args->splits, "Folder for the split files (default: <path>/splits)");
  split->add_flag("--strict", args->strict, "Fail on the first unreadable file instead of skipping it");
  split->callback([args] { run_split(*args); });

  CLI::App* baseline = cmd->add_subcommand(
      "baseline", "Nearest-centroid accuracy on mean log-mel frames: a model-free check that classes are learnable");
  baseline->add_option("path", args->path, "Dataset folder or manifest file")->required();
  baseline->add_option("--splits", args->splits,
                       "Folder with train.txt and test.txt (default: <path>/splits; without them a stratified split)");
  baseline->add_option("--test", args->test, "Test share when no split files exist")->check(CLI::Range(0.0, 1.0));
  baseline->add_option("--seed", args->seed, "Seed when no split files exist");
  baseline->add_flag("--strict", args->strict, "Fail on the first unreadable file instead of skipping it");
  baseline->callback([args] { run_baseline(*args); });
}

}  // namespace hearsay::cli
