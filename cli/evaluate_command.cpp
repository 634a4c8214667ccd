// hearsay evaluate --model DIR --data DIR [--split FILE] [--json FILE]: accuracy, per-class recall
// and the confusion matrix of a model on a dataset. Whole tracks are scored by the window rule
// (windows at 0, W, 2W, ... plus one ending at the last frame; the clip's logits are the mean of its
// windows' logits), the rule explanations of long clips use too.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>

#include "cli/commands.h"
#include "cli/option_flags.h"
#include "core/error.h"
#include "datasets/dataset.h"
#include "datasets/split.h"
#include "models/evaluation.h"
#include "models/load_model.h"

namespace hearsay::cli {

namespace {

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string split;
  std::string json;
  std::shared_ptr<FlagValues> inference = std::make_shared<FlagValues>();
};

int run_evaluate(const EvaluateArgs& args) {
  const auto inference = read_options<models::InferenceOptions>(flags_to_json(*args.inference), "evaluate");
  const auto model = models::load_model(args.model, inference);
  const auto dataset = datasets::open_dataset(args.data);
  std::vector<size_t> indices;
  if (args.split.empty()) {
    indices.resize(dataset->size());
    std::iota(indices.begin(), indices.end(), size_t{0});
  } else {
    indices = datasets::read_split_file(args.split, *dataset);
  }
  const models::Evaluation evaluation = models::evaluate_model(*model, *dataset, indices);
  nlohmann::json report = evaluation.to_json();
  report["model"] = args.model;
  report["model_name"] = model->name();
  report["data"] = args.data;
  report["split"] = args.split.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.split);

  if (args.json == "-") {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  std::printf("%s on %s%s%s\n\n%s", model->name().c_str(), args.data.c_str(), args.split.empty() ? "" : ", split ",
              args.split.c_str(), evaluation.to_text().c_str());
  if (!args.json.empty()) {
    std::ofstream out(args.json);
    HEARSAY_CHECK_AS(IoError, out, "cannot write '", args.json, "'");
    out << report.dump(2) << "\n";
    HEARSAY_CHECK_AS(IoError, out.good(), "error writing '", args.json, "'");
  }
  return 0;
}

}  // namespace

void add_evaluate_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<EvaluateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "Score a model directory on a dataset: accuracy, per-class recall, confusion matrix (whole tracks)");
  cmd->add_option("--model", args->model, "Model directory (model.json + weights or TorchScript file)")->required();
  cmd->add_option("--data", args->data, "Dataset folder")->required();
  cmd->add_option("--split", args->split, "File of example ids to score (e.g. MODEL/test.txt); default: all");
  cmd->add_option("--json", args->json, "Also write the report as JSON to this file ('-': JSON on stdout only)");
  add_option_flags<models::InferenceOptions>(*cmd, args->inference);
  cmd->callback([args] {
    const int code = run_evaluate(*args);
    if (code) throw CLI::RuntimeError(code);
  });
}

}  // namespace hearsay::cli
