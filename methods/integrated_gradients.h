// Integrated gradients (Sundararajan, Taly & Yan, ICML 2017; Captum's IntegratedGradients): the map is
// (x − x′) ⊙ ∫₀¹ ∂f(x′ + α(x − x′))/∂x dα over the model's [n_mels × frames] log-mel features x, the
// integral taken by a quadrature rule of `steps` nodes, each node one gradient pass
// (methods/input_gradient.h). Completeness: Σ map = f(x) − f(x′) up to the quadrature error, which
// the explanation reports (diagnostics "completeness_error", and a warning above 5 %). The default
// baseline x′ is the factorization's input with every component removed, so the map's sum
// approximates f(all) − f(none) like the perturbation methods' scores; the component scores pool the
// map. Default output: the logit, as in the paper and Captum.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/configured.h"
#include "methods/explainer.h"
#include "methods/reference_input.h"

namespace hearsay::methods {

/// Quadrature rules over α ∈ [0, 1], named as Captum names its approximation methods.
enum class IgMethod { riemann_trapezoid, riemann_left, riemann_middle, riemann_right, gauss_legendre };

/// The rules as options name them (Captum's names for its approximation methods).
const std::vector<std::pair<const char*, IgMethod>>& ig_method_choices();

struct IntegratedGradientsOptions {
  int steps = 50;                              ///< quadrature nodes = gradient passes (Captum's n_steps); >= 1
  IgMethod method = IgMethod::gauss_legendre;  ///< Captum's default ("gausslegendre")
  ReferenceInput baseline = ReferenceInput::factorization;  ///< the path's start x′
  double max_completeness_error = 0.05;                     ///< a relative completeness error above this adds a warning

  template <class V>
  void visit(V& v) {
    v("steps", steps, "quadrature nodes along the path (one gradient pass each)", Range::between(1, 100000));
    v.choice("method", method, ig_method_choices(), "quadrature rule of the path integral");
    v.choice("baseline", baseline, reference_input_choices(),
             "path start: the factorization's all-removed input, zeros, the features' mean, or seeded uniform noise");
    v("max_completeness_error", max_completeness_error,
      "|sum(map) - (f(x) - f(baseline))| / |f(x) - f(baseline)| above this adds a warning", Range::at_least(0));
  }
  /// The trapezoid rule needs both ends of the path.
  void validate() const;
};

/// Nodes α_k ∈ [0, 1] and weights w_k (Σ w_k = 1) with ∫₀¹ g ≈ Σ w_k g(α_k).
struct Quadrature {
  std::vector<double> alphas;
  std::vector<double> weights;
};
/// Riemann rules on `steps` equal intervals (left, right, middle: steps nodes; trapezoid: steps
/// nodes from 0 to 1 inclusive, steps >= 2), as Captum places them; Gauss–Legendre nodes are the roots
/// of the Legendre polynomial P_steps found by Newton's method (exact for polynomials of degree
/// 2·steps − 1).
Quadrature ig_quadrature(IgMethod method, int steps);

class IntegratedGradients : public Configured<Explainer, IntegratedGradientsOptions> {
 public:
  explicit IntegratedGradients(const nlohmann::json& options) : Configured("integrated_gradients", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
