#include "methods/explainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/error.h"

namespace hearsay::methods {

std::vector<int64_t> ranking_of(const std::vector<double>& scores) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  return order;
}

std::vector<int64_t> Explanation::ranking() const { return ranking_of(scores); }

nlohmann::json Explanation::to_json() const {
  nlohmann::json components = nlohmann::json::array();
  for (size_t i = 0; i < names.size(); ++i) components.push_back({{"name", names[i]}, {"score", scores[i]}});
  nlohmann::json j{{"method", method},
                   {"target", target},
                   {"target_name", target_name},
                   {"output", output == models::Output::logits ? "logit" : "probability"},
                   {"components", components},
                   {"intercept", intercept},
                   {"full_output", full_output},
                   {"empty_output", empty_output},
                   {"evals", evals},
                   {"model_runs", model_runs},
                   {"gradient_passes", gradient_passes},
                   {"seconds", seconds},
                   {"seed", seed},
                   {"options", options},
                   {"diagnostics", diagnostics},
                   {"warnings", warnings}};
  j["r2"] = r2 ? nlohmann::json(*r2) : nlohmann::json(nullptr);
  j["r2_held_out"] = r2_held_out ? nlohmann::json(*r2_held_out) : nlohmann::json(nullptr);
  return j;
}

namespace {

std::string fixed2(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

std::string short_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

// A method must never hand out NaN or Inf as an attribution: a reporter would print it as null, and
// metrics would average it into every figure. Inputs are checked where they enter (the evaluator,
// the solvers); this is the last line, naming the method.
void check_finite_results(const Explanation& e, const std::string& model, const std::string& input) {
  auto fail = [&](const std::string& what, double v) {
    throw Error(message(e.method, " produced a non-finite ", what, " (", v, ") explaining class '", e.target_name,
                        "' of model '", model, "' on ", input));
  };
  for (size_t i = 0; i < e.scores.size(); ++i)
    if (!std::isfinite(e.scores[i])) fail(message("score for component '", e.names[i], "'"), e.scores[i]);
  if (!std::isfinite(e.intercept)) fail("intercept", e.intercept);
  if (e.r2 && !std::isfinite(*e.r2)) fail("R^2", *e.r2);
  if (e.r2_held_out && !std::isfinite(*e.r2_held_out)) fail("held-out R^2", *e.r2_held_out);
  if (e.map)
    for (int64_t r = 0; r < e.map->rows(); ++r)
      for (int64_t c = 0; c < e.map->cols(); ++c)
        if (!std::isfinite((*e.map)(r, c)))
          fail(message("dense map value at mel band ", r, ", frame ", c), static_cast<double>((*e.map)(r, c)));
}

}  // namespace

std::vector<std::string> degenerate_baseline_warnings(const float* all_logits, const float* none_logits,
                                                      const std::vector<std::string>& class_names, int target,
                                                      models::Output output, const std::string& baseline) {
  const int classes = static_cast<int>(class_names.size());
  const double f_all = output_of(all_logits, classes, target, output);
  const double f_none = output_of(none_logits, classes, target, output);
  auto spread = [&](const float* logits) {
    const auto [lo, hi] = std::minmax_element(logits, logits + classes);
    return static_cast<double>(*hi) - static_cast<double>(*lo);
  };
  const bool logits = output == models::Output::logits;
  const double tolerance =
      kDegenerateBaselineTolerance * (logits ? std::max(spread(all_logits), spread(none_logits)) : 1.0);
  const std::string& name = class_names[static_cast<size_t>(target)];
  std::vector<std::string> warnings;
  if (std::abs(f_all - f_none) <= tolerance)
    warnings.push_back(message("degenerate baseline: f(none) = ", short_number(f_none), " on the baseline (", baseline,
                               ") is within ", short_number(tolerance), " of f(all) = ", short_number(f_all),
                               "; removing every component barely changes the ", logits ? "logit" : "probability",
                               " of '", name, "', so the scores are differences of nearly equal outputs"));
  if (std::max_element(none_logits, none_logits + classes) - none_logits == target)
    warnings.push_back(
        message("degenerate baseline: the baseline (", baseline, ") is itself classified as '", name,
                "' (p = ", fixed2(output_of(none_logits, classes, target, models::Output::probabilities)),
                "), the class being explained; the scores say what moves the output away from a "
                "baseline that already says '",
                name, "', not what in the clip makes it '", name, "'"));
  return warnings;
}

Explanation Explainer::explain(const ExplainRequest& request) const {
  HEARSAY_CHECK_AS(ConfigError, request.evaluator, name(), ": the request has no evaluator");
  Evaluator& evaluator = *request.evaluator;
  const models::Model& model = evaluator.model();
  if (capabilities().needs_gradients) models::require_white_box(model, name());
  HEARSAY_CHECK_AS(ConfigError, !capabilities().logit_only || request.output == models::Output::logits, name(),
                   " explains the target's logit only (relevance is conserved from a logit down to the input; a "
                   "probability is not a sum of relevances): explain the logit (--output logit)");
  const auto start = std::chrono::steady_clock::now();
  evaluator.begin_tally();
  const int64_t runs_before = evaluator.forward_passes();

  Explanation out;
  out.method = name();
  out.options = options();
  out.seed = request.seed;
  out.output = request.output;
  out.names = evaluator.factorization().names();
  HEARSAY_CHECK_AS(ConfigError, request.target >= -1 && request.target < model.num_classes(), name(), ": target class ",
                   request.target, " is not one of the model's ", model.num_classes(), " classes (0 to ",
                   model.num_classes() - 1, ", or -1 for the predicted class)");
  if (!request.target_name.empty())
    out.target = model.class_index(request.target_name);
  else
    out.target = request.target >= 0 ? request.target : evaluator.predicted_class();
  out.target_name = model.class_names()[static_cast<size_t>(out.target)];
  const auto m = static_cast<size_t>(evaluator.components());
  Matrix<uint8_t> ends(2, static_cast<int64_t>(m), uint8_t{0});  // row 0 keeps everything, row 1 nothing
  std::fill(ends.row(0), ends.row(0) + m, uint8_t{1});
  const Matrix<float> end_logits = evaluator.logits(ends);
  out.full_output = output_of(end_logits.row(0), model.num_classes(), out.target, request.output);
  out.empty_output = output_of(end_logits.row(1), model.num_classes(), out.target, request.output);

  run(request, out.target, out);

  HEARSAY_CHECK(out.scores.size() == m, name(), " returned ", out.scores.size(), " scores for ", m, " components");
  check_finite_results(out, model.name(), evaluator.input_name());
  std::vector<std::string> warnings =
      degenerate_baseline_warnings(end_logits.row(0), end_logits.row(1), model.class_names(), out.target,
                                   request.output, evaluator.factorization().baseline());
  warnings.insert(warnings.end(), out.warnings.begin(), out.warnings.end());
  out.warnings = std::move(warnings);
  out.evals = evaluator.tally();
  out.model_runs = evaluator.forward_passes() - runs_before;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

Matrix<uint8_t> all_masks(int64_t m) {
  HEARSAY_CHECK_AS(ConfigError, m >= 0 && m <= 30, "cannot enumerate all masks of ", m, " components");
  const int64_t n = int64_t{1} << m;
  Matrix<uint8_t> masks(n, m);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < m; ++i) masks(r, i) = static_cast<uint8_t>((r >> i) & 1);
  return masks;
}

}  // namespace hearsay::methods
