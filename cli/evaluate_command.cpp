// hearsay evaluate --model DIR --data DIR [--split FILE|train|val|test|all] [--classes-intersection]
// [--json FILE]: accuracy, per-class recall and the confusion matrix of a model on a dataset. Whole
// tracks are scored by the window rule (windows at 0, W, 2W, ... plus one ending at the last frame;
// the clip's logits are the mean of its windows' logits), the rule explanations of long clips use too.
//
// Which examples: --split names a file of ids, one of the model folder's split files (hearsay train
// writes train.txt, val.txt, test.txt) or all of them. Without --split, the model's own test split
// when its test.txt names examples of --data (scoring a model on the tracks it was trained on would
// flatter it), else every example; the output says which.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"
#include "core/file_io.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace fs = std::filesystem;

namespace {

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string split;
  std::string json;
  bool classes_intersection = false;
  std::shared_ptr<FlagValues> inference = std::make_shared<FlagValues>();
};

constexpr const char* kSplitChoices =
    "a file of example ids, train, val, test (the model folder's train.txt, val.txt, test.txt) or all";

// The examples to score and how to name them.
struct Subset {
  std::vector<size_t> indices;
  std::string name;         // "test", "train", "val", "all" or "file"
  std::string file;         // the split file read, or empty
  std::string description;  // for the console
};

Subset all_examples(const datasets::Dataset& dataset, const std::string& why) {
  Subset s;
  s.indices.resize(dataset.size());
  std::iota(s.indices.begin(), s.indices.end(), size_t{0});
  s.name = "all";
  s.description = message("all ", dataset.size(), " examples", why);
  return s;
}

Subset split_file(const std::string& path, const std::string& name, const datasets::Dataset& dataset) {
  Subset s;
  s.indices = datasets::read_split_file(path, dataset);
  s.name = name;
  s.file = path;
  s.description = message(name == "file" ? "split " : "the model's " + name + " split (", path, ", ", s.indices.size(),
                          " examples", name == "file" ? "" : ")");
  return s;
}

// How many of the ids listed in split file `path` the dataset holds, and how many it lists.
std::pair<size_t, size_t> ids_found(const std::string& path, const datasets::Dataset& dataset) {
  std::set<std::string> ids;
  for (size_t i = 0; i < dataset.size(); ++i) ids.insert(dataset.info(i).id);
  std::istringstream in(read_text_file(path));
  size_t listed = 0, found = 0;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    ++listed;
    found += ids.count(line);
  }
  return {found, listed};
}

Subset choose_examples(const EvaluateArgs& args, const datasets::Dataset& dataset) {
  const fs::path model_dir(args.model);
  if (args.split == "all") return all_examples(dataset, "");
  if (args.split == "train" || args.split == "val" || args.split == "test") {
    const fs::path file = model_dir / (args.split + ".txt");
    std::error_code ec;
    HEARSAY_CHECK_AS(ConfigError, fs::is_regular_file(file, ec), "--split ", args.split, ": the model folder '",
                     args.model, "' has no ", args.split, ".txt (hearsay train writes them); valid: ", kSplitChoices);
    return split_file(file.string(), args.split, dataset);
  }
  if (!args.split.empty()) {
    std::error_code ec;
    HEARSAY_CHECK_AS(ConfigError, fs::is_regular_file(args.split, ec), "--split '", args.split,
                     "': no such file; valid: ", kSplitChoices);
    return split_file(args.split, "file", dataset);
  }
  const fs::path test = model_dir / "test.txt";
  std::error_code ec;
  if (!fs::is_regular_file(test, ec)) return all_examples(dataset, "");
  const auto [found, listed] = ids_found(test.string(), dataset);
  if (found == listed && listed > 0) return split_file(test.string(), "test", dataset);
  if (found == 0)
    return all_examples(dataset, message(" (the model's ", test.string(), " names none of them: another dataset)"));
  throw ConfigError(message("--data '", args.data, "' holds only ", found, " of the ", listed, " test tracks in '",
                            test.string(), "' (the model's test split): say which examples to score with --split (",
                            kSplitChoices, ")"));
}

// `base` seen through the classes a model knows: classes() lists the shared ones, and an example of any
// other class is unlabelled (label -1), which evaluate_model skips.
class SharedClasses : public datasets::Dataset {
 public:
  SharedClasses(const datasets::Dataset& base, const std::vector<std::string>& model_classes) : base_(base) {
    for (const auto& name : base.classes()) {
      const bool shared = std::find(model_classes.begin(), model_classes.end(), name) != model_classes.end();
      to_shared_.push_back(shared ? static_cast<int>(classes_.size()) : -1);
      if (shared) classes_.push_back(name);
    }
  }
  size_t size() const override { return base_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  datasets::ExampleInfo info(size_t i) const override { return relabel(base_.info(i)); }
  datasets::Example get(size_t i) const override {
    datasets::Example e = base_.get(i);
    e.info = relabel(e.info);
    if (e.info.label < 0) e.label_name.clear();
    return e;
  }
  double duration(size_t i) const override { return base_.duration(i); }
  Audio excerpt(size_t i, double start_seconds, double seconds) const override {
    return base_.excerpt(i, start_seconds, seconds);
  }

 private:
  datasets::ExampleInfo relabel(datasets::ExampleInfo info) const {
    if (info.label >= 0) info.label = to_shared_[static_cast<size_t>(info.label)];
    return info;
  }
  const datasets::Dataset& base_;
  std::vector<std::string> classes_;
  std::vector<int> to_shared_;
};

// Examples among `indices` whose class the model lacks, counted by class name.
std::map<std::string, int64_t> foreign_examples(const datasets::Dataset& dataset, const std::vector<size_t>& indices,
                                                const std::vector<std::string>& model_classes) {
  std::map<std::string, int64_t> out;
  for (size_t i : indices) {
    const int label = dataset.info(i).label;
    if (label < 0) continue;
    const std::string& name = dataset.classes()[static_cast<size_t>(label)];
    if (std::find(model_classes.begin(), model_classes.end(), name) == model_classes.end()) ++out[name];
  }
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

int run_evaluate(const EvaluateArgs& args) {
  const auto inference = read_options<models::InferenceOptions>(flags_to_json(*args.inference), "evaluate");
  const auto model = models::load_model(args.model, inference);
  const auto dataset = datasets::open_dataset(args.data);
  const Subset subset = choose_examples(args, *dataset);

  const auto foreign = foreign_examples(*dataset, subset.indices, model->class_names());
  std::vector<std::string> foreign_names;
  int64_t skipped = 0;
  for (const auto& [name, count] : foreign) {
    foreign_names.push_back(name);
    skipped += count;
  }
  HEARSAY_CHECK_AS(ConfigError, foreign.empty() || args.classes_intersection, "dataset '", args.data,
                   "' has examples of classes that model '", args.model, "' does not know: ", join(foreign_names),
                   " (its classes: ", join(model->class_names()),
                   "); --classes-intersection scores the shared classes only and skips the others");
  const SharedClasses shared(*dataset, model->class_names());
  HEARSAY_CHECK_AS(ConfigError, !shared.classes().empty(), "dataset '", args.data, "' and model '", args.model,
                   "' share no class (dataset: ", join(dataset->classes()), "; model: ", join(model->class_names()),
                   ")");
  const models::Evaluation evaluation = models::evaluate_model(*model, shared, subset.indices);

  nlohmann::json report = evaluation.to_json();
  report["model"] = args.model;
  report["model_name"] = model->name();
  report["data"] = args.data;
  report["split"] = subset.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(subset.file);
  report["split_name"] = subset.name;
  report["shared_classes"] = shared.classes();
  report["skipped_classes"] = foreign_names;
  report["skipped_examples"] = skipped;
  const std::string skipped_line =
      skipped
          ? message("skipped ", skipped, " example", skipped == 1 ? "" : "s", " of classes the model does not know (",
                    join(foreign_names), "); accuracy is over the ", shared.classes().size(), " shared classes\n")
          : std::string();

  if (args.json == "-") {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  std::printf("%s on %s: %s\n%s\n%s", model->name().c_str(), args.data.c_str(), subset.description.c_str(),
              skipped_line.c_str(), evaluation.to_text().c_str());
  if (!args.json.empty()) write_json_file(args.json, report);
  return 0;
}

}  // namespace

void add_evaluate_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "Score a model directory on a dataset: accuracy, per-class recall, confusion matrix (whole tracks)");
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--data", args->data, "Dataset folder")->required();
  cmd->add_option("--split", args->split,
                  "Examples to score: a file of ids, train, val, test (the model folder's split files) or all; "
                  "default: the model's test split when its test.txt names examples of --data, else all");
  cmd->add_flag("--classes-intersection", args->classes_intersection,
                "Score a dataset that shares only some classes with the model: examples of other classes are "
                "skipped (and counted)");
  cmd->add_option("--json", args->json, "Also write the report as JSON to this file ('-': JSON on stdout only)");
  add_option_flags<models::InferenceOptions>(*cmd, args->inference);
  cmd->callback([args] {
    const int code = run_evaluate(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
