#include "methods/gradient_x_input.h"

#include "methods/input_gradient.h"
#include "methods/saliency.h"

namespace hearsay::methods {

Capabilities GradientXInput::capabilities() const { return gradient_family_capabilities(); }

void GradientXInput::run(const ExplainRequest& request, int target, Explanation& out) const {
  const Evaluator& evaluator = *request.evaluator;
  const auto& factorization = evaluator.factorization();
  const Matrix<float> x = all_kept_features(factorization);
  InputGradient g = input_gradient(evaluator.model(), name(), x, target, request.output);
  const bool from_factorization = settings().baseline == GradientBaseline::factorization;
  const Matrix<float> baseline =
      from_factorization ? factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 0))
                         : Matrix<float>(x.rows(), x.cols(), 0.0f);
  double total = 0.0;
  for (int64_t k = 0; k < x.size(); ++k) {
    g.gradient.data()[k] *= x.data()[k] - baseline.data()[k];
    total += g.gradient.data()[k];
  }
  set_dense_map(factorization, std::move(g.gradient), out);
  out.gradient_passes = 1;
  out.diagnostics["baseline"] = from_factorization ? "factorization" : "zero";
  // With the factorization's baseline, how far the first-order term is from f(all) − f(none).
  out.diagnostics["map_sum"] = total;
}

}  // namespace hearsay::methods
