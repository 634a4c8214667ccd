#include "methods/saliency.h"

#include <cmath>

#include "methods/input_gradient.h"

namespace hearsay::methods {

Capabilities gradient_family_capabilities() {
  Capabilities c;
  c.needs_gradients = true;
  c.dense_map = true;
  c.default_output = models::Output::logits;
  return c;
}

Matrix<float> all_kept_features(const factorizations::Factorization& factorization) {
  return factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 1));
}

void set_dense_map(const factorizations::Factorization& factorization, Matrix<float> map, Explanation& out) {
  out.scores = factorization.pool(map);
  out.map = std::move(map);
}

Capabilities Saliency::capabilities() const { return gradient_family_capabilities(); }

void Saliency::run(const ExplainRequest& request, int target, Explanation& out) const {
  const Evaluator& evaluator = *request.evaluator;
  const auto& factorization = evaluator.factorization();
  InputGradient g = input_gradient(evaluator.model(), name(), all_kept_features(factorization), target, request.output);
  if (settings().abs)
    for (auto& v : g.gradient.values()) v = std::fabs(v);
  set_dense_map(factorization, std::move(g.gradient), out);
  out.gradient_passes = 1;
  out.diagnostics["abs"] = settings().abs;
}

}  // namespace hearsay::methods
