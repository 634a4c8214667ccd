#include "methods/component_ig.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <vector>

#include "core/error.h"
#include "methods/reference_input.h"
#include "models/white_box.h"

namespace hearsay::methods {

void ComponentIgOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, method != IgMethod::riemann_trapezoid || steps >= 2,
                   "component_ig: option 'steps' must be at least 2 for method 'riemann_trapezoid' (both ends of "
                   "the path), got ",
                   steps);
}

Capabilities ComponentIg::capabilities() const {
  Capabilities c;
  c.needs_gradients = true;
  c.default_output = models::Output::probabilities;
  return c;
}

namespace {

// The path's nodes α_k ∈ [0, 1] and weights w_k with ∫₀¹ h(α) dα ≈ Σ w_k h(α_k).
//
// Why a geometric spacing: a waveform component's gain scales its spectrum, so with a silent baseline
// its cells' log-mel values move by 20·log10(g) dB: the features change as fast per dB of level at
// g = 0.001 as at g = 1, the integrand behaves like 1/g down to the dB floor, and nodes spaced
// linearly in g miss most of the path (32 Gauss–Legendre nodes start at g ≈ 0.0014, 57 dB down; on
// the planted network the scores then missed f(all) − f(none) by 5 %). With g = a^(1 − s) the
// integrand becomes h(g) · g · ln(1/a), bounded and slowly varying in s; the remaining [0, a] holds the levels below
// the dB floor and gets one midpoint node.
Quadrature path_nodes(const ComponentIgOptions& o, bool geometric, double min_gain) {
  Quadrature q = ig_quadrature(o.method, o.steps);
  if (!geometric) return q;
  const double log_range = -std::log(min_gain);
  for (size_t k = 0; k < q.alphas.size(); ++k) {
    q.alphas[k] = std::exp(-log_range * (1.0 - q.alphas[k]));
    q.weights[k] *= q.alphas[k] * log_range;
  }
  q.alphas.insert(q.alphas.begin(), min_gain / 2.0);
  q.weights.insert(q.weights.begin(), min_gain);
  return q;
}

// The geometric spacing's lower end when min_gain is 0. Below the level where every cell has reached
// the all-removed input (a silent baseline's dB floor), nothing moves; where the baseline is not
// silent the input approaches it linearly, so 10⁻³ already passes. The levels a loud clip keeps above
// the floor depend on the clip and the front-end (one wide mel band holds 40 dB more power than a
// narrow one), hence the search.
double lowest_gain(const ComponentIgOptions& o, const factorizations::Factorization& f) {
  if (o.min_gain > 0.0) return o.min_gain;
  const auto at = [&](double g) { return f.compose_gains(std::vector<double>(static_cast<size_t>(f.size()), g)); };
  const Matrix<float> none = at(0.0);
  const auto distance = [&](const Matrix<float>& x) {
    double d = 0.0;
    for (int64_t c = 0; c < x.size(); ++c) d = std::max(d, std::abs(static_cast<double>(x.data()[c]) - none.data()[c]));
    return d;
  };
  const double range = distance(at(1.0));
  double a = 1e-3;
  while (a > 1e-15 && distance(at(a)) > 1e-3 * range) a *= 1e-3;
  return a;
}

// body(k) for k < n on hearsay's threads; the first exception (in k order) is rethrown here, since
// one may not leave an OpenMP region (a factorization without gains refuses from compose_gains).
template <class Body>
void parallel_for(int64_t n, const Body& body) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < n; ++k) {
    try {
      body(k);
    } catch (...) {
      errors[static_cast<size_t>(k)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

void ComponentIg::run(const ExplainRequest& request, int target, Explanation& out) const {
  Evaluator& evaluator = *request.evaluator;
  const models::Model& model = evaluator.model();
  const factorizations::Factorization& f = evaluator.factorization();
  const models::WhiteBox& box = models::require_white_box(model, name());
  const ComponentIgOptions& options = settings();
  const bool geometric =
      options.spacing == GainSpacing::geometric || (options.spacing == GainSpacing::automatic && f.additive());
  const double min_gain = geometric ? lowest_gain(options, f) : 0.0;
  const Quadrature q = path_nodes(options, geometric, min_gain);
  const int64_t m = f.size();
  const int64_t cells = f.n_mels() * f.frames();
  const auto nodes = static_cast<int64_t>(q.alphas.size());

  // φ = Σ_k w_k · J(α_k)ᵀ ∇f(compose_gains(α_k · 1)): the white box gives the gradient w.r.t. the
  // features of `batch` path points per call, the factorization carries it back to the gains. Points
  // are composed and carried back in parallel, each into its own slot, and summed in node order, so
  // the scores do not depend on the thread count.
  std::vector<double> scores(static_cast<size_t>(m), 0.0);
  std::vector<float> inputs;
  std::vector<std::vector<double>> gains;
  std::vector<std::vector<double>> vjps;
  for (int64_t first = 0; first < nodes; first += options.batch) {
    const int64_t n = std::min<int64_t>(options.batch, nodes - first);
    inputs.resize(static_cast<size_t>(n * cells));
    gains.assign(static_cast<size_t>(n), {});
    vjps.assign(static_cast<size_t>(n), {});
    for (int64_t k = 0; k < n; ++k)
      gains[static_cast<size_t>(k)].assign(static_cast<size_t>(m), q.alphas[static_cast<size_t>(first + k)]);
    parallel_for(n,
                 [&](int64_t k) { f.compose_gains(gains[static_cast<size_t>(k)].data(), inputs.data() + k * cells); });
    const models::InputGradients g = box.input_gradients(inputs.data(), n, f.frames(), target, request.output);
    parallel_for(n, [&](int64_t k) {
      const Matrix<float> upstream(f.n_mels(), f.frames(), {g.gradients.row(k), g.gradients.row(k) + cells});
      vjps[static_cast<size_t>(k)] = f.gains_vjp(gains[static_cast<size_t>(k)].data(), upstream);
    });
    for (int64_t k = 0; k < n; ++k) {
      const double w = q.weights[static_cast<size_t>(first + k)];
      for (int64_t i = 0; i < m; ++i)
        scores[static_cast<size_t>(i)] += w * vjps[static_cast<size_t>(k)][static_cast<size_t>(i)];
    }
  }

  // Completeness: the scores against the output's change from no component to all of them.
  double total = 0.0;
  for (double s : scores) total += s;
  const double change = out.full_output - out.empty_output;
  out.diagnostics["steps"] = options.steps;
  out.diagnostics["method"] = write_options(options)["method"];
  out.diagnostics["batch"] = options.batch;
  out.diagnostics["spacing"] = geometric ? "geometric" : "linear";
  out.diagnostics["nodes"] = nodes;
  if (geometric) out.diagnostics["min_gain"] = min_gain;
  out.diagnostics["full_output"] = out.full_output;
  out.diagnostics["empty_output"] = out.empty_output;
  out.diagnostics["scores_sum"] = total;
  report_sum_error("completeness_error", "completeness", "the scores sum to", "f(all) - f(none)", total, change,
                   options.max_completeness_error,
                   message(": increase steps (now ", options.steps, ")",
                           options.method == IgMethod::gauss_legendre ? "" : " or use method gauss_legendre"),
                   out);
  out.scores = std::move(scores);
  out.intercept = out.empty_output;
  out.gradient_passes = nodes;
}

}  // namespace hearsay::methods
