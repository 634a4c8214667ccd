#include "metrics/complexity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hearsay::metrics {

double normalized_gini(const std::vector<double>& values) {
  const auto n = static_cast<double>(values.size());
  HEARSAY_CHECK_AS(ShapeError, values.size() >= 2, "complexity: the Gini index needs at least 2 values, got ",
                   values.size());
  std::vector<double> a(values.size());
  std::transform(values.begin(), values.end(), a.begin(), [](double v) { return std::fabs(v); });
  std::sort(a.begin(), a.end());
  double weighted = 0.0, total = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    weighted += (2.0 * static_cast<double>(i + 1) - n - 1.0) * a[i];
    total += a[i];
  }
  HEARSAY_CHECK(total > 0.0, "complexity: the Gini index of all-zero values is undefined");
  return weighted / (n * total) * n / (n - 1.0);
}

MetricResult Complexity::run(const MetricInput& input) const {
  const std::vector<double>& scores = input.explanation->scores;
  if (scores.size() < 2) return MetricResult::not_applicable(message("one component: nothing to concentrate"));
  double total = 0.0;
  for (const double s : scores) total += std::fabs(s);
  if (total == 0.0)
    return MetricResult::not_applicable(message("'", input.explanation->method, "' scores every component 0"));
  double entropy = 0.0;
  for (const double s : scores) {
    const double p = std::fabs(s) / total;
    if (p > 0.0) entropy -= p * std::log(p);
  }
  MetricResult result;
  result.value = normalized_gini(scores);
  result.extra = {{"entropy", entropy},
                  {"normalized_entropy", entropy / std::log(static_cast<double>(scores.size()))},
                  {"effective_components", std::exp(entropy)}};
  return result;
}

}  // namespace hearsay::metrics
