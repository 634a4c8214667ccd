#include "methods/integrated_gradients.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "core/error.h"
#include "core/random.h"
#include "methods/input_gradient.h"

namespace hearsay::methods {

const std::vector<std::pair<const char*, IgMethod>>& ig_method_choices() {
  static const std::vector<std::pair<const char*, IgMethod>> choices = {
      {"riemann_trapezoid", IgMethod::riemann_trapezoid},
      {"riemann_left", IgMethod::riemann_left},
      {"riemann_middle", IgMethod::riemann_middle},
      {"riemann_right", IgMethod::riemann_right},
      {"gauss_legendre", IgMethod::gauss_legendre}};
  return choices;
}

void IntegratedGradientsOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, method != IgMethod::riemann_trapezoid || steps >= 2,
                   "integrated_gradients: option 'steps' must be at least 2 for method 'riemann_trapezoid' (both "
                   "ends of the path), got ",
                   steps);
}

namespace {

// P_n(t) and P_n'(t) by the three-term recurrence (t inside (−1, 1)).
std::pair<double, double> legendre(int n, double t) {
  double previous = 1.0;
  double p = t;
  for (int k = 2; k <= n; ++k) {
    const double next = ((2.0 * k - 1.0) * t * p - (k - 1.0) * previous) / k;
    previous = p;
    p = next;
  }
  if (n == 1) previous = 1.0;
  return {p, n * (t * p - previous) / (t * t - 1.0)};
}

// Roots of P_n and the Gauss–Legendre weights 2 / ((1 − t²) P_n'(t)²) on [−1, 1], by Newton's method
// from Chebyshev-like starting points (each start lies closer to its own root than to any other, so
// Newton reaches every root once).
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  x.assign(static_cast<size_t>(n), 0.0);
  w.assign(static_cast<size_t>(n), 0.0);
  const double pi = std::acos(-1.0);
  for (int i = 0; i < n; ++i) {
    double t = std::cos(pi * (i + 0.75) / (n + 0.5));
    for (int iteration = 0; iteration < 100; ++iteration) {
      const auto [p, derivative] = legendre(n, t);
      const double step = p / derivative;
      t -= step;
      if (std::abs(step) < 1e-16) break;
    }
    const double derivative = legendre(n, t).second;
    x[static_cast<size_t>(i)] = t;
    w[static_cast<size_t>(i)] = 2.0 / ((1.0 - t * t) * derivative * derivative);
  }
}

}  // namespace

Quadrature ig_quadrature(IgMethod method, int steps) {
  HEARSAY_CHECK_AS(ConfigError, steps >= (method == IgMethod::riemann_trapezoid ? 2 : 1),
                   "integrated_gradients: too few steps (", steps, ") for the chosen method");
  Quadrature q;
  const auto n = static_cast<size_t>(steps);
  q.alphas.resize(n);
  q.weights.assign(n, 1.0 / steps);
  switch (method) {
    case IgMethod::riemann_left:
      for (size_t k = 0; k < n; ++k) q.alphas[k] = static_cast<double>(k) / steps;
      break;
    case IgMethod::riemann_right:
      for (size_t k = 0; k < n; ++k) q.alphas[k] = static_cast<double>(k + 1) / steps;
      break;
    case IgMethod::riemann_middle:
      for (size_t k = 0; k < n; ++k) q.alphas[k] = (static_cast<double>(k) + 0.5) / steps;
      break;
    case IgMethod::riemann_trapezoid:
      for (size_t k = 0; k < n; ++k) {
        q.alphas[k] = static_cast<double>(k) / (steps - 1);
        q.weights[k] = (k == 0 || k + 1 == n ? 0.5 : 1.0) / (steps - 1);
      }
      break;
    case IgMethod::gauss_legendre: {
      std::vector<double> x, w;
      gauss_legendre(steps, x, w);
      // From [−1, 1] to [0, 1], in increasing α.
      for (size_t k = 0; k < n; ++k) {
        q.alphas[n - 1 - k] = (x[k] + 1.0) / 2.0;
        q.weights[n - 1 - k] = w[k] / 2.0;
      }
      break;
    }
  }
  return q;
}

Capabilities IntegratedGradients::capabilities() const {
  Capabilities c;
  c.needs_gradients = true;
  c.dense_map = true;
  c.stochastic = settings().baseline == ReferenceInput::noise;
  c.default_output = models::Output::logits;
  return c;
}

void IntegratedGradients::run(const ExplainRequest& request, int target, Explanation& out) const {
  Evaluator& evaluator = *request.evaluator;
  const models::Model& model = evaluator.model();
  const auto& factorization = evaluator.factorization();
  const IntegratedGradientsOptions& options = settings();
  const Matrix<float> x = factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 1));
  const Matrix<float> base = reference_input(options.baseline, factorization, x, request.seed);
  const Quadrature q = ig_quadrature(options.method, options.steps);

  // Σ_k w_k ∂f(x′ + α_k (x − x′))/∂x, accumulated in double.
  Matrix<double> integral(x.rows(), x.cols(), 0.0);
  auto make = [&](int64_t k, float* point) {
    const double a = q.alphas[static_cast<size_t>(k)];
    for (int64_t c = 0; c < x.size(); ++c)
      point[c] = static_cast<float>(base.data()[c] + a * (static_cast<double>(x.data()[c]) - base.data()[c]));
  };
  auto use = [&](int64_t k, const float* gradient, const float*) {
    for (int64_t c = 0; c < x.size(); ++c) integral.data()[c] += q.weights[static_cast<size_t>(k)] * gradient[c];
  };
  input_gradients(model, name(), static_cast<int64_t>(q.alphas.size()), x.cols(), target, request.output, make, use);
  Matrix<float> map(x.rows(), x.cols());
  double total = 0.0;
  for (size_t c = 0; c < x.values().size(); ++c) {
    const double v = (static_cast<double>(x.data()[c]) - base.data()[c]) * integral.data()[c];
    map.data()[c] = static_cast<float>(v);
    total += v;
  }

  // Completeness (the paper's axiom): the map's sum against the output's change along the path.
  const double f_x = clip_output(model, x, target, request.output);
  const double f_base = clip_output(model, base, target, request.output);
  const double change = f_x - f_base;
  out.diagnostics["steps"] = options.steps;
  out.diagnostics["method"] = write_options(options)["method"];
  out.diagnostics["baseline_output"] = f_base;
  out.diagnostics["map_sum"] = total;
  report_sum_error("completeness_error", "completeness", "the map sums to", "f(x) - f(baseline)", total, change,
                   options.max_completeness_error,
                   message(": increase steps (now ", options.steps, ")",
                           options.method == IgMethod::gauss_legendre ? "" : " or use method gauss_legendre"),
                   out);
  out.scores = factorization.pool(map);
  out.map = std::move(map);
  out.gradient_passes = options.steps;
}

}  // namespace hearsay::methods
