#include "metrics/reexplain.h"

#include <algorithm>
#include <iterator>

namespace hearsay::metrics {

nlohmann::json factorizer_options(const std::string& factorizer, const factorizations::Factorization& factorization) {
  const nlohmann::json defaults = factorizations::factorizer_registry().create(factorizer)->options();
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [key, value] : factorization.options().items())
    if (defaults.contains(key)) options[key] = value;
  return options;
}

std::unique_ptr<factorizations::Factorization> factorize(const std::string& factorizer, const nlohmann::json& options,
                                                         const factorizations::FactorizationInput& input,
                                                         const models::Model& model) {
  return factorizations::factorizer_registry().create(factorizer, options)->factorize(input, model.front_end());
}

methods::Explanation reexplain(const methods::Explanation& original, const models::Model& model,
                               const factorizations::Factorization& factorization) {
  methods::Evaluator evaluator(model, factorization);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = original.target;
  request.output = original.output;
  request.seed = original.seed;
  return methods::explainer_registry().create(original.method, original.options)->explain(request);
}

int64_t evaluations(const methods::Explanation& e) { return e.evals + e.gradient_passes; }

double top_k_jaccard(const std::vector<int64_t>& a, const std::vector<int64_t>& b, int64_t k) {
  const auto n = static_cast<std::ptrdiff_t>(std::min<int64_t>(k, static_cast<int64_t>(std::min(a.size(), b.size()))));
  if (n == 0) return 1.0;
  std::vector<int64_t> ta(a.begin(), a.begin() + n), tb(b.begin(), b.begin() + n);
  std::sort(ta.begin(), ta.end());
  std::sort(tb.begin(), tb.end());
  std::vector<int64_t> both;
  std::set_intersection(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(both));
  return static_cast<double>(both.size()) / static_cast<double>(2 * n - static_cast<std::ptrdiff_t>(both.size()));
}

}  // namespace hearsay::metrics
