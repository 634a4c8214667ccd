// Integrated gradients over components (component_ig): the straight path in the factorization's mask
// coefficients from "nothing kept" to "everything kept", every component's gain g_i going from 0 to
// 1 together, with gradients taken through the composition (Factorization::compose_gains: for
// waveform components, spectra mixed by gain → power → mel → log; for cell components, each cell
// g · x + (1 − g) · baseline) and the network. Component i's score is
//   φ_i = ∫₀¹ ∂F/∂g_i (α, …, α) dα,   F(g) = f(compose_gains(g)),
// the Aumann–Shapley value of the components (Aumann & Shapley 1974; Sundararajan, Taly & Yan 2017
// apply it to input features): Σ φ = F(1) − F(0) = f(all) − f(none) in the limit (completeness), and on
// a model that is multilinear in the gains (an additive one, or one with pairwise products) φ equals
// exact Shapley. The integral is taken by integrated_gradients' quadrature rules
// (methods/integrated_gradients.h); each node costs one batched gradient pass of the white box
// (models/white_box.h) and one vector-Jacobian product of the composition (torch-free).
//
// The same components and scale as LIME, KernelSHAP and exact Shapley, from a few dozen backward passes
// instead of thousands of forward passes; explains the probability by default, as they do.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"
#include "methods/integrated_gradients.h"

namespace hearsay::methods {

/// Where the quadrature's nodes fall along the gains.
enum class GainSpacing {
  automatic,  ///< geometric for factorizations whose components add up as signals (additive()), else linear
  linear,     ///< α = s: the quadrature's nodes as they are
  geometric,  ///< α = min_gain^(1 − s) on [min_gain, 1], plus one midpoint node on [0, min_gain]
};

struct ComponentIgOptions {
  /// Quadrature nodes along the path (one gradient pass each); >= 1. 128: on real networks the error
  /// falls like 1/steps, and 32 left 2–6 % on vgg_small, above the 1 % warning.
  int steps = 128;
  IgMethod method = IgMethod::gauss_legendre;  ///< quadrature rule, as integrated_gradients
  /// automatic: geometric for waveform components, linear for cell components
  GainSpacing spacing = GainSpacing::automatic;
  /// lower end of the geometric spacing, in [0, 0.5]; 0: the largest of 10⁻³, 10⁻⁶, … (down to 10⁻¹⁵) at
  /// which the composition is within 0.1 % of the path's range of the all-removed input
  double min_gain = 0.0;
  int batch = 8;                         ///< path points per white-box call (memory against call overhead)
  double max_completeness_error = 0.01;  ///< a relative completeness error above this adds a warning

  template <class V>
  void visit(V& v) {
    v("steps", steps, "quadrature nodes along the path in the gains (one gradient pass each)",
      Range::between(1, 100000));
    v.choice("method", method, ig_method_choices(), "quadrature rule of the path integral");
    v.choice("spacing", spacing,
             {{"auto", GainSpacing::automatic}, {"linear", GainSpacing::linear}, {"geometric", GainSpacing::geometric}},
             "nodes along the gains: linear, geometric (equal steps in dB of level), or auto (geometric for waveform "
             "components)");
    v("min_gain", min_gain,
      "lower end of the geometric spacing (0: the largest power of 1e-3 where the input is within 0.1 % of the "
      "all-removed one)",
      Range::between(0, 0.5));
    v("batch", batch, "path points given to the model's white box per call", Range::between(1, 4096));
    v("max_completeness_error", max_completeness_error,
      "|sum(scores) - (f(all) - f(none))| / |f(all) - f(none)| above this adds a warning", Range::at_least(0));
  }
  /// The trapezoid rule needs both ends of the path.
  void validate() const;
};

class ComponentIg : public Configured<Explainer, ComponentIgOptions> {
 public:
  explicit ComponentIg(const nlohmann::json& options) : Configured("component_ig", options) {}
  /// Needs gradients; no dense map (its scores are per component, not pooled from cells); explains
  /// the probability by default, on exact Shapley's and LIME's scale.
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
