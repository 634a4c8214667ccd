#include "methods/deeplift.h"

#include <cmath>

#include "core/error.h"
#include "methods/saliency.h"

namespace hearsay::methods {

Capabilities DeepLift::capabilities() const {
  Capabilities c = gradient_family_capabilities();
  c.stochastic = settings().baseline == ReferenceInput::noise;
  return c;
}

void DeepLift::run(const ExplainRequest& request, int target, Explanation& out) const {
  const models::Model& model = request.evaluator->model();
  const auto& factorization = request.evaluator->factorization();
  const Matrix<float> x = all_kept_features(factorization);
  const Matrix<float> base = reference_input(settings().baseline, factorization, x, request.seed);
  Matrix<float> map = models::require_white_box(model, name())
                          .modified_gradient(x, target, request.output, models::BackwardRule::rescale, &base);
  double total = 0.0;
  for (int64_t k = 0; k < map.size(); ++k) {
    map.data()[k] *= x.data()[k] - base.data()[k];
    total += map.data()[k];
  }
  set_dense_map(factorization, std::move(map), out);
  out.gradient_passes = 1;

  // Summation-to-delta (the paper's defining property): the map's sum against the output's change.
  const double f_base = clip_output(model, base, target, request.output);
  const double change = clip_output(model, x, target, request.output) - f_base;
  out.diagnostics["baseline"] = write_options(settings())["baseline"];
  out.diagnostics["baseline_output"] = f_base;
  out.diagnostics["map_sum"] = total;
  report_sum_error("delta_error", "summation-to-delta", "the map sums to", "f(x) - f(baseline)", total, change,
                   settings().max_delta_error,
                   request.output == models::Output::probabilities
                       ? ": the softmax is linearised at x; explain the logit for an exact sum"
                       : "",
                   out);
}

}  // namespace hearsay::methods
