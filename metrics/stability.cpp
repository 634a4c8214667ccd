#include "metrics/stability.h"

#include <algorithm>

#include "core/random.h"
#include "metrics/rank_correlation.h"
#include "metrics/reexplain.h"

namespace hearsay::metrics {

MetricResult Stability::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  const auto explainer = methods::explainer_registry().create(e.method, e.options);
  MetricResult result;
  if (!explainer->capabilities().stochastic) {
    result.value = 1.0;
    result.extra = {{"deterministic", true}, {"top_k_jaccard", 1.0}, {"min_spearman", 1.0}, {"evaluations", 0}};
    return result;
  }
  std::vector<methods::Explanation> runs{e};
  int64_t evaluations = 0;
  for (int s = 1; s < settings().seeds; ++s) {
    methods::Evaluator evaluator(input.evaluator->model(), *input.factorization);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.target = e.target;
    request.output = e.output;
    request.seed = derive_seed(settings().seed, static_cast<uint64_t>(s));
    runs.push_back(explainer->explain(request));
    evaluations += metrics::evaluations(runs.back());
  }
  double sum = 0.0, jaccard = 0.0, least = 1.0;
  int pairs = 0;
  for (size_t a = 0; a < runs.size(); ++a)
    for (size_t b = a + 1; b < runs.size(); ++b) {
      const double rho = spearman(runs[a].scores, runs[b].scores).value_or(0.0);
      sum += rho;
      least = std::min(least, rho);
      jaccard += top_k_jaccard(runs[a].ranking(), runs[b].ranking(), settings().top_k);
      ++pairs;
    }
  result.value = sum / pairs;
  result.extra = {{"deterministic", false},
                  {"top_k_jaccard", jaccard / pairs},
                  {"min_spearman", least},
                  {"evaluations", evaluations}};
  return result;
}

}  // namespace hearsay::metrics
