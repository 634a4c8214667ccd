#include "metrics/agreement.h"

#include <algorithm>
#include <functional>

#include "core/error.h"
#include "metrics/rank_correlation.h"

namespace hearsay::metrics {

void AgreementOptions::validate() const {
  const auto& methods = methods::explainer_registry();
  if (methods.contains(reference)) return;
  std::string valid;
  for (const auto& name : methods.names()) valid += (valid.empty() ? "" : ", ") + name;
  throw ConfigError(message("agreement: 'reference' is '", reference, "', not a method; valid: ", valid));
}

MetricResult Agreement::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  const std::string& reference = settings().reference;
  if (e.method == reference)
    return MetricResult::not_applicable(message("'", e.method, "' is the reference method itself"));
  if (!input.reference)
    return MetricResult::not_applicable(
        message("the reference method '", reference, "' has no explanation of this input (it failed or did not run)"));
  const methods::Explanation& r = *input.reference;
  HEARSAY_CHECK_AS(ConfigError, r.method == reference, "agreement: the reference explanation is by '", r.method,
                   "', the metric compares with '", reference, "'");
  MetricResult result;
  const bool same_top = e.ranking().front() == r.ranking().front();
  result.value = spearman(e.scores, r.scores);
  result.extra = {{"top1", same_top ? 1 : 0}, {"reference", reference}};
  result.extra["spearman"] = result.value ? nlohmann::json(*result.value) : nlohmann::json(nullptr);
  if (!result.value) {
    const bool flat = std::adjacent_find(e.scores.begin(), e.scores.end(), std::not_equal_to<>()) == e.scores.end();
    result.reason =
        message("no rank correlation: '", flat ? e.method : r.method, "' gives every component the same score");
  }
  return result;
}

}  // namespace hearsay::metrics
