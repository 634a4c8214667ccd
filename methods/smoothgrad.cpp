#include "methods/smoothgrad.h"

#include <algorithm>

#include "core/error.h"
#include "core/random.h"
#include "methods/input_gradient.h"
#include "methods/saliency.h"

namespace hearsay::methods {

Capabilities SmoothGrad::capabilities() const {
  Capabilities c = gradient_family_capabilities();
  c.stochastic = true;
  return c;
}

void SmoothGrad::run(const ExplainRequest& request, int target, Explanation& out) const {
  const Evaluator& evaluator = *request.evaluator;
  const auto& factorization = evaluator.factorization();
  const Matrix<float> x = all_kept_features(factorization);
  const auto [lo, hi] = std::minmax_element(x.values().begin(), x.values().end());
  const double range = x.size() > 0 ? static_cast<double>(*hi) - static_cast<double>(*lo) : 0.0;
  const double sigma = settings().noise_level * range;
  Matrix<double> sum(x.rows(), x.cols(), 0.0);
  Matrix<float> noisy(x.rows(), x.cols());
  for (int s = 0; s < settings().samples; ++s) {
    Rng rng(derive_seed(request.seed, static_cast<uint64_t>(s)));
    for (int64_t k = 0; k < x.size(); ++k)
      noisy.data()[k] = static_cast<float>(x.data()[k] + (sigma > 0.0 ? sigma * rng.normal() : 0.0));
    const InputGradient g = input_gradient(evaluator.model(), noisy, target, request.output);
    for (int64_t k = 0; k < x.size(); ++k) {
      double v = g.gradient.data()[k];
      if (settings().multiply_by_input) v *= noisy.data()[k];
      sum.data()[k] += settings().squared ? v * v : v;
    }
  }
  Matrix<float> map(x.rows(), x.cols());
  for (int64_t k = 0; k < x.size(); ++k)
    map.data()[k] = static_cast<float>(sum.data()[k] / static_cast<double>(settings().samples));
  set_dense_map(factorization, std::move(map), out);
  out.gradient_passes = settings().samples;
  out.diagnostics["sigma"] = sigma;
  out.diagnostics["input_range"] = range;
  if (settings().noise_level > 0.0 && range == 0.0)
    out.warnings.push_back(message("smoothgrad: the input is constant (range 0), so noise_level ",
                                   settings().noise_level, " adds no noise and the map is the plain gradient"));
}

}  // namespace hearsay::methods
