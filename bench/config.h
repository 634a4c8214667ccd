// The bench configuration: one or more studies, each a dataset, a model, the clips to explain, the
// factorizations, the methods and the metrics. Every key is documented (hearsay bench
// --list-options) and an unknown key is refused by name. The embedded default (default_config) is
// the README's main job: a synthetic genre set and a planted-cause set, each with a model trained on
// it, every registered method over stems × segments and a time-frequency grid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/study.h"
#include "core/options.h"

namespace hearsay::bench {

struct StudyConfig {
  /// Names the study in records, folders and tables: letters, digits, '-' and '_'; unique in a config.
  std::string name = "study";
  DatasetSpec dataset;
  ModelSpec model;
  ClipSpec clips;
  double excerpt_start = 0.0;    ///< explain each clip from this time (seconds); ground truth moves with it
  double excerpt_seconds = 0.0;  ///< explain this many seconds of each clip; 0: to its end
  /// Factorizations by name, each with its options ({"stems": {"segments": 4}}); every one is run.
  nlohmann::json factorizations = {{"stems", {{"segments", 4}}},
                                   {"tf_grid", {{"time_segments", 4}, {"frequency_bands", 4}}}};
  std::vector<std::string> methods;  ///< methods to compare; empty: every registered one
  /// Options per method ({"lime": {"num_samples": 2048}}); a method not named keeps its defaults.
  nlohmann::json method_options = {{"lime", {{"num_samples", 2048}}}, {"kernel_shap", {{"num_samples", 2048}}}};
  /// Named variants of a method, run beside it like methods of their own:
  /// {"occlusion_keep_one_in": {"method": "occlusion", "options": {"variant": "keep_one_in"}}}.
  nlohmann::json variants = nlohmann::json::object();
  /// Metrics by name, each with its options; "agreement" compares with a reference method (default
  /// exact_shapley), "ground_truth_rank" finds the planted cue (clips that have one).
  nlohmann::json metrics = {{"agreement", nlohmann::json::object()}, {"ground_truth_rank", nlohmann::json::object()}};
  /// The adversarial experiment (bench/adversarial.h): null for none; an object of AdversarialSpec's
  /// options makes every clip an adversarial example that the methods explain, scored by adversarial_flip.
  nlohmann::json adversarial = nullptr;

  template <class V>
  void visit(V& v) {
    v("name", name, "name of the study in records, folders and tables (letters, digits, - and _)");
    v.nested("dataset", dataset, "the data: a dataset folder, or a synthetic set made into the cache");
    v.nested("model", model, "the model: a model folder, or one trained on the dataset into the cache");
    v.nested("clips", clips, "which clips of the dataset are explained");
    v("excerpt_start", excerpt_start, "explain each clip from this time in seconds (ground truth moves with it)",
      Range::at_least(0));
    v("excerpt_seconds", excerpt_seconds, "explain this many seconds of each clip (0: to its end)", Range::at_least(0));
    v("factorizations", factorizations,
      "factorizations by name with their options, e.g. {\"stems\": {\"segments\": 4}}; each is run");
    v("methods", methods, "methods to compare (empty: every registered one)");
    v("method_options", method_options, "options per method, e.g. {\"lime\": {\"num_samples\": 2048}}");
    v("variants", variants,
      "named variants of a method, listed in methods like a method: {\"occlusion_keep_one_in\": {\"method\": "
      "\"occlusion\", \"options\": {\"variant\": \"keep_one_in\"}}} (empty methods: every method and variant)");
    v("metrics", metrics,
      "metrics by name with their options, e.g. {\"agreement\": {\"reference\": \"exact_shapley\"}}");
    v("adversarial", adversarial,
      "attack each clip and explain the adversarial example (Praher et al. 2021): {\"domain\": \"waveform\", "
      "\"snr_db\": 40, \"target\": \"next\", \"k_max\": 10, \"partial_segments\": 0, ...} (null: clean clips); "
      "adds the adversarial_flip metric");
  }
  /// Shapes of the JSON-valued keys (objects of objects); names are checked against the registries
  /// when the plan is made (check_study).
  void validate() const;
};

struct BenchConfig {
  uint64_t seed = 1;  ///< seed of the synthetic sets, the training and every method
  std::vector<StudyConfig> studies;

  template <class V>
  void visit(V& v) {
    v("seed", seed, "seed of the synthetic sets, the training, the clip choice and every method");
    v.nested_list("studies", studies,
                  "the studies to run, in order (default: the embedded genre and planted studies; hearsay bench "
                  "--print-config shows them)");
  }
  /// At least one study; names unique.
  void validate() const;
};

/// The embedded default: the README's main job (a genre set of 10 × 20 tracks and a planted-cause set
/// of 4 × 100 tracks, 6 s each, models trained on each; 3 and 6 test clips).
nlohmann::json default_config();
/// A small configuration that runs in about a minute (CI and a first look).
nlohmann::json quick_config();

/// Checks every name in a study against the registries (factorizations, methods, metrics) and builds
/// each plug-in once with its options, so a typo fails before any preparation; ConfigError naming
/// "<context>.<key>" and the valid names.
void check_study(const StudyConfig& study, const std::string& context);

/// The methods a study compares: its `methods`, or every registered method and then every variant.
std::vector<std::string> study_methods(const StudyConfig& study);
/// The registered explainer behind a method name of the study: a variant's method, else the name.
std::string study_explainer(const StudyConfig& study, const std::string& method);

}  // namespace hearsay::bench
