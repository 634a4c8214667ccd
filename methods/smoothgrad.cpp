#include "methods/smoothgrad.h"

#include <algorithm>

#include "core/error.h"
#include "core/random.h"
#include "methods/input_gradient.h"
#include "methods/integrated_gradients.h"
#include "methods/saliency.h"

namespace hearsay::methods {

void SmoothGradOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, !(multiply_by_input && base == SmoothGradBase::integrated_gradients),
                   "smoothgrad: multiply_by_input applies to base gradient only; integrated gradients already ",
                   "multiply by the input's change along the path");
}

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
  auto noisy_copy = [&](int64_t s, float* noisy) {
    Rng rng(derive_seed(request.seed, static_cast<uint64_t>(s)));
    for (int64_t k = 0; k < x.size(); ++k)
      noisy[k] = static_cast<float>(x.data()[k] + (sigma > 0.0 ? sigma * rng.normal() : 0.0));
  };
  auto add = [&](double v, int64_t k) { sum.data()[k] += settings().squared ? v * v : v; };
  std::vector<float> noisy(static_cast<size_t>(x.size()));
  if (settings().base == SmoothGradBase::gradient) {
    auto use = [&](int64_t s, const float* gradient, const float*) {
      if (settings().multiply_by_input) noisy_copy(s, noisy.data());
      for (int64_t k = 0; k < x.size(); ++k)
        add(settings().multiply_by_input ? gradient[k] * static_cast<double>(noisy[static_cast<size_t>(k)])
                                         : gradient[k],
            k);
    };
    input_gradients(evaluator.model(), name(), settings().samples, x.cols(), target, request.output, noisy_copy, use);
    out.gradient_passes = settings().samples;
  } else {
    // Integrated gradients at each noisy copy: samples × steps inputs, sample-major.
    const Matrix<float> base =
        factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 0));
    const Quadrature q = ig_quadrature(IgMethod::gauss_legendre, settings().ig_steps);
    const int64_t steps = settings().ig_steps;
    int64_t made = -1;  // the sample whose noisy copy `noisy` holds
    auto make = [&](int64_t k, float* point) {
      if (k / steps != made) noisy_copy(made = k / steps, noisy.data());
      const double a = q.alphas[static_cast<size_t>(k % steps)];
      for (int64_t c = 0; c < x.size(); ++c)
        point[c] = static_cast<float>(base.data()[c] + a * (noisy[static_cast<size_t>(c)] - base.data()[c]));
    };
    std::vector<double> integral(static_cast<size_t>(x.size()), 0.0);
    std::vector<float> copy(static_cast<size_t>(x.size()));
    auto use = [&](int64_t k, const float* gradient, const float*) {
      for (int64_t c = 0; c < x.size(); ++c)
        integral[static_cast<size_t>(c)] += q.weights[static_cast<size_t>(k % steps)] * gradient[c];
      if (k % steps != steps - 1) return;
      noisy_copy(k / steps, copy.data());
      for (int64_t c = 0; c < x.size(); ++c) {
        add((static_cast<double>(copy[static_cast<size_t>(c)]) - base.data()[c]) * integral[static_cast<size_t>(c)], c);
        integral[static_cast<size_t>(c)] = 0.0;
      }
    };
    input_gradients(evaluator.model(), name(), settings().samples * steps, x.cols(), target, request.output, make, use);
    out.gradient_passes = settings().samples * steps;
  }
  Matrix<float> map(x.rows(), x.cols());
  for (int64_t k = 0; k < x.size(); ++k)
    map.data()[k] = static_cast<float>(sum.data()[k] / static_cast<double>(settings().samples));
  set_dense_map(factorization, std::move(map), out);
  out.diagnostics["sigma"] = sigma;
  out.diagnostics["input_range"] = range;
  if (settings().noise_level > 0.0 && range == 0.0)
    out.warnings.push_back(message("smoothgrad: the input is constant (range 0), so noise_level ",
                                   settings().noise_level, " adds no noise and the map is the plain gradient"));
}

}  // namespace hearsay::methods
