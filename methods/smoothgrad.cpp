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
  // Each sample's noise comes from its own seed, so the map does not depend on how samples are batched.
  auto make = [&](int64_t s, float* noisy) {
    Rng rng(derive_seed(request.seed, static_cast<uint64_t>(s)));
    for (int64_t k = 0; k < x.size(); ++k)
      noisy[k] = static_cast<float>(x.data()[k] + (sigma > 0.0 ? sigma * rng.normal() : 0.0));
  };
  std::vector<float> noisy(static_cast<size_t>(x.size()));
  auto use = [&](int64_t s, const float* gradient, const float*) {
    if (settings().multiply_by_input) make(s, noisy.data());
    for (int64_t k = 0; k < x.size(); ++k) {
      double v = gradient[k];
      if (settings().multiply_by_input) v *= noisy[static_cast<size_t>(k)];
      sum.data()[k] += settings().squared ? v * v : v;
    }
  };
  input_gradients(evaluator.model(), name(), settings().samples, x.cols(), target, request.output, make, use);
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
