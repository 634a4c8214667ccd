#include "methods/exact_shapley.h"

#include <cmath>

#include "core/error.h"
#include "methods/solvers.h"

namespace hearsay::methods {

std::vector<double> shapley_from_values(const std::vector<double>& values, int64_t m) {
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(values.size()) == (int64_t{1} << m), "shapley: ", values.size(),
                   " values for ", m, " components");
  require_finite("exact_shapley", "the coalition values", values);
  // weight[s] = s! (M - s - 1)! / M! for a coalition of size s without i.
  std::vector<double> weight(static_cast<size_t>(m));
  for (int64_t s = 0; s < m; ++s)
    weight[static_cast<size_t>(s)] =
        std::exp(std::lgamma(static_cast<double>(s) + 1) + std::lgamma(static_cast<double>(m - s)) -
                 std::lgamma(static_cast<double>(m) + 1));
  std::vector<double> phi(static_cast<size_t>(m), 0.0);
  const int64_t n = int64_t{1} << m;
  for (int64_t mask = 0; mask < n; ++mask) {
    const auto size = static_cast<int64_t>(__builtin_popcountll(static_cast<unsigned long long>(mask)));
    for (int64_t i = 0; i < m; ++i) {
      if (mask & (int64_t{1} << i)) continue;
      phi[static_cast<size_t>(i)] +=
          weight[static_cast<size_t>(size)] *
          (values[static_cast<size_t>(mask | (int64_t{1} << i))] - values[static_cast<size_t>(mask)]);
    }
  }
  return phi;
}

void ExactShapley::run(const ExplainRequest& request, int target, Explanation& out) const {
  Evaluator& evaluator = *request.evaluator;
  const int64_t m = evaluator.components();
  HEARSAY_CHECK_AS(ConfigError, m <= settings().max_components, "exact_shapley: ", m, " components need 2^", m,
                   " evaluations; it accepts at most max_components = ", settings().max_components,
                   " (use kernel_shap, or fewer segments)");
  const std::vector<double> values = evaluator.outputs(all_masks(m), target, request.output);
  out.scores = shapley_from_values(values, m);
  out.intercept = out.empty_output;
}

}  // namespace hearsay::methods
