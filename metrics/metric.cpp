#include "metrics/metric.h"

#include <cmath>

#include "core/error.h"

namespace hearsay::metrics {

MetricResult MetricResult::not_applicable(std::string reason) {
  MetricResult r;
  r.reason = std::move(reason);
  return r;
}

namespace {

// The first place two name lists differ, for messages.
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return message(a.size(), " components against ", b.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return message("component ", i, " is '", a[i], "' against '", b[i], "'");
  return "the same components";
}

void check_scores(const std::string& metric, const methods::Explanation& e, const std::string& role) {
  HEARSAY_CHECK_AS(ShapeError, e.scores.size() == e.names.size(), metric, ": the ", role, " explanation of method '",
                   e.method, "' has ", e.scores.size(), " scores for ", e.names.size(), " components");
  for (size_t i = 0; i < e.scores.size(); ++i)
    HEARSAY_CHECK(std::isfinite(e.scores[i]), metric, ": the ", role, " explanation of method '", e.method,
                  "' scores component '", e.names[i], "' ", e.scores[i], " (not finite)");
}

}  // namespace

MetricResult Metric::evaluate(const MetricInput& input) const {
  HEARSAY_CHECK_AS(ConfigError, input.explanation, name(), ": no explanation to evaluate");
  HEARSAY_CHECK_AS(ConfigError, input.factorization, name(), ": no factorization for the explanation of method '",
                   input.explanation->method, "'");
  const methods::Explanation& e = *input.explanation;
  check_scores(name(), e, "evaluated");
  HEARSAY_CHECK_AS(ShapeError, e.names == input.factorization->names(), name(), ": the explanation of method '",
                   e.method, "' is not over this factorization's components (",
                   first_difference(e.names, input.factorization->names()), ")");
  if (input.reference) {
    check_scores(name(), *input.reference, "reference");
    HEARSAY_CHECK_AS(ShapeError, input.reference->names == e.names, name(), ": the reference method '",
                     input.reference->method, "' explained other components than method '", e.method, "' (",
                     first_difference(input.reference->names, e.names), ")");
  }
  if (needs().model) {
    HEARSAY_CHECK_AS(ConfigError, input.evaluator, name(), " queries the model, but no evaluator was given");
    HEARSAY_CHECK_AS(ShapeError, &input.evaluator->factorization() == input.factorization, name(),
                     ": the evaluator composes another factorization than the one explained");
  }
  if (needs().ground_truth && input.ground_truth.empty())
    return MetricResult::not_applicable("the clip has no ground truth (no planted cue) to compare with");

  MetricResult result = run(input);

  if (result.value) {
    HEARSAY_CHECK(std::isfinite(*result.value), name(), " produced a non-finite value (", *result.value,
                  ") for the explanation of method '", e.method, "'");
  } else {
    HEARSAY_CHECK(!result.reason.empty(), name(), " gave no value and no reason for the explanation of method '",
                  e.method, "'");
  }
  for (size_t k = 0; k < result.curve.size(); ++k)
    HEARSAY_CHECK(std::isfinite(result.curve[k]), name(), " produced a non-finite curve point ", k, " (",
                  result.curve[k], ") for the explanation of method '", e.method, "'");
  return result;
}

}  // namespace hearsay::metrics
