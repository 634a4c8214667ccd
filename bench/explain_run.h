// One clip explained by several methods over one factorization, with everything a person needs to
// judge the answers: a JSON document per method, a figure per method, the top components as audio
// (a listenable explanation) and the rest, and a table comparing the methods. `hearsay explain` is a
// thin wrapper over explain_clip; the benchmark calls it for every clip.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/model.h"

namespace hearsay::bench {

struct ExplainSettings {
  std::vector<std::string> methods;                      ///< registered explainer names
  std::map<std::string, nlohmann::json> method_options;  ///< options per method (absent: defaults)
  std::string factorization = "stems";                   ///< registered factorizer name
  nlohmann::json factorization_options = nlohmann::json::object();
  int target = -1;  ///< class index; -1: the predicted class
  models::Output output = models::Output::probabilities;
  uint64_t seed = 0;
  int64_t batch_size = 0;  ///< masks per model call (0: the model's choice)
  int top_k = 3;           ///< components in the listenable explanation
  /// Methods share one evaluator (a mask evaluated once serves all); false gives each method its own,
  /// so each one's time and model runs are its own cost (the benchmark's setting).
  bool share_evaluations = true;
  std::string out_dir;  ///< where files go; empty: write nothing
};

struct MethodOutcome {
  std::string method;
  bool ok = false;
  std::string error;                 ///< why it failed (ok == false)
  methods::Explanation explanation;  ///< valid when ok
};

struct ClipOutcome {
  std::vector<std::string> component_names;
  std::vector<MethodOutcome> methods;
  int64_t model_runs = 0;        ///< forward passes over all methods (shared cache)
  int64_t peak_inputs_held = 0;  ///< composed inputs held at once
  nlohmann::json summary;        ///< what summary.json holds
};

/// Explains `input` (mono at the model's rate) with every method; one method's failure is recorded
/// and the others still run. Writes files to settings.out_dir when it is set.
ClipOutcome explain_clip(const models::Model& model, const factorizations::FactorizationInput& input,
                         const ExplainSettings& settings);

/// A console table: method, top components, evaluations, model runs, seconds, R².
void print_comparison(std::ostream& out, const ClipOutcome& outcome, int top = 3);

}  // namespace hearsay::bench
