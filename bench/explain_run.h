// One clip explained by several methods over one factorization, with everything a person needs to
// judge the answers: a JSON document per method, a figure per method, the top components as audio
// (a listenable explanation) and the rest, and a table comparing the methods. `hearsay explain` is a
// thin wrapper over explain_clip; the benchmark calls it for every clip.
//
// Degenerate explanations are flagged, not presented as findings: the methods' warnings (the baseline
// is classified as the target, f(none) ≈ f(all), a poor surrogate fit, an unconverged estimate) go
// into the JSON, the figure's title and the table; "top" lists only components with a positive score
// ("none" otherwise); a listenable explanation with nothing in it is not written.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/model.h"

namespace hearsay::bench {

/// Which listenable explanations are written (FLAC, or float WAV when the audio exceeds full scale).
enum class AudioOut {
  none,  ///< no audio
  top,   ///< <method>.top.flac: the top-k components with a positive score
  all,   ///< the top and the rest (<method>.rest.flac: everything else)
};
/// "none", "top" or "all"; ConfigError naming `option` and the valid values otherwise.
AudioOut audio_out_from_name(const std::string& name, const std::string& option);

struct ExplainSettings {
  std::vector<std::string> methods;                      ///< registered explainer names
  std::map<std::string, nlohmann::json> method_options;  ///< options per method (absent: defaults); the key
                                                         ///< "output" ("logit" or "probability") sets the
                                                         ///< explained output of that method alone
  std::string factorization = "stems";                   ///< registered factorizer name
  nlohmann::json factorization_options = nlohmann::json::object();
  int target = -1;  ///< class index; -1: the predicted class
  /// Output every method explains unless its options say otherwise; unset: each method's own default
  /// (methods::Capabilities::default_output: the probability, the logit for Grad-CAM).
  std::optional<models::Output> output;
  uint64_t seed = 0;
  int64_t batch_size = 0;  ///< masks per model call (0: the model's choice)
  int top_k = 3;           ///< components in the listenable explanation
  /// Methods share one evaluator (a mask evaluated once serves all); false gives each method its own,
  /// so each one's time and model runs are its own cost (the benchmark's setting).
  bool share_evaluations = true;
  AudioOut audio_out = AudioOut::top;
  /// Each method's figure is <method>.png; true writes <method>.svg beside it (hearsay explain does;
  /// the benchmark keeps PNG only, for size).
  bool figure_svg = false;
  std::string out_dir;                                ///< where files go; empty: write nothing
  std::string input_name;                             ///< the clip (path or dataset id), named in messages
  nlohmann::json context = nlohmann::json::object();  ///< copied into summary.json (clip, excerpt, ground truth)
  /// Metrics (registered names → options) computed for every method that succeeds, into its JSON
  /// ("metrics") and the summary; a metric's reference method is the run's explanation by it, if any.
  std::map<std::string, nlohmann::json> metrics;
  std::vector<factorizations::Region> ground_truth;  ///< planted cues, in the factorized input's time
  /// Receives the name of each step (factorizing, each method) as it starts, and "" when it ends.
  std::function<void(const std::string&)> progress;
};

struct MethodOutcome {
  std::string method;
  bool ok = false;
  std::string error;                 ///< why it failed (ok == false)
  std::string error_type;            ///< its kind (error_type_name: "ConfigError", ...)
  methods::Explanation explanation;  ///< valid when ok
  /// Metric name → {"value", "curve", "extra", "reason"} or {"error", "error_type"} (ExplainSettings::metrics).
  nlohmann::json metrics = nlohmann::json::object();
};

struct ClipOutcome {
  std::vector<std::string> component_names;
  std::vector<MethodOutcome> methods;
  std::string predicted;  ///< the class the model predicts for the clip
  double predicted_probability = 0.0;
  int64_t model_runs = 0;        ///< forward passes over all methods (shared cache)
  int64_t peak_inputs_held = 0;  ///< composed inputs held at once
  bool shared_evaluations = true;
  nlohmann::json summary;  ///< what summary.json holds
};

/// Explains `input` (mono at the model's rate) with every method; one method's failure is recorded
/// and the others still run. Writes files to settings.out_dir when it is set.
ClipOutcome explain_clip(const models::Model& model, const factorizations::FactorizationInput& input,
                         const ExplainSettings& settings);

/// "logit" or "probability".
std::string output_name(models::Output output);

/// explain_clip on a factorization already made: the bench factorizes a clip once for all of its jobs.
/// `source` is the input it was made from, for the metrics that factorize it again (sensitivity,
/// granularity); without it they do not apply.
ClipOutcome explain_factorized(const models::Model& model, const factorizations::Factorization& factorization,
                               const ExplainSettings& settings,
                               const factorizations::FactorizationInput* source = nullptr);

/// The components with a positive score, best first, at most `k`, as "name (score)"; "none" when no
/// component has a positive score.
std::string top_components(const methods::Explanation& e, int k);

/// A console table: per method the output explained, f(all), f(none), evaluations, model runs, seconds
/// and R², then its top components (full names, wrapped) and its warnings.
void print_comparison(std::ostream& out, const ClipOutcome& outcome, int top = 3);

}  // namespace hearsay::bench
