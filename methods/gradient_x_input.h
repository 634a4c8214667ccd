// Gradient × input (Shrikumar et al. 2016; Captum's InputXGradient): the map is ∂f/∂x ⊙ (x − x̄) at x,
// the clip with every component kept, for a baseline input x̄:
//  - "zero" (default): x̄ = 0, so the map is ∂f/∂x ⊙ x, Captum's and the paper's definition. On log-mel
//    features 0 is an arbitrary level (0 dB), so the map's sign depends on the front-end's scale.
//  - "factorization": x̄ = the factorization's input with every component removed (compose(all zeros),
//    the baseline every perturbation method removes towards). The map is then the first-order Taylor
//    term of f(x) − f(x̄): on a model linear in its input its sum is f(all) − f(none) exactly, the
//    quantity the perturbation methods' scores add up to.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

enum class GradientBaseline { zero, factorization };

struct GradientXInputOptions {
  GradientBaseline baseline = GradientBaseline::zero;

  template <class V>
  void visit(V& v) {
    v.choice("baseline", baseline,
             {{"zero", GradientBaseline::zero}, {"factorization", GradientBaseline::factorization}},
             "x̄ in grad ⊙ (x − x̄): zero (Captum's InputXGradient) or the factorization's all-removed input");
  }
};

class GradientXInput : public Configured<Explainer, GradientXInputOptions> {
 public:
  explicit GradientXInput(const nlohmann::json& options) : Configured("gradient_x_input", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
