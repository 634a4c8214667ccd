// DeepLIFT with the Rescale rule (Shrikumar, Greenside & Kundaje, "Learning important features through
// propagating activation differences", ICML 2017; Captum's DeepLift): each unit's multiplier is
// Δoutput / Δinput against a reference input x′, propagated by the chain rule for multipliers; the map
// over the log-mel features is (x − x′) ⊙ m. Affine layers pass the gradient (the linear rule), each
// ReLU the secant slope, each max-pool splits its multiplier between its winners at x and x′
// (models/modified_backward.h). Summation-to-delta: Σ map = f(x) − f(x′) for the logit exactly (up to
// float rounding); the explanation reports the error (diagnostics "delta_error"). For a probability
// the softmax is not a layer of the chain: its slope at x carries the multipliers, so the sum is only
// close, and a relative error above max_delta_error adds a warning. Default reference: the
// factorization's all-removed input, as integrated gradients' (methods/reference_input.h); Captum's
// default is zero. Two forward passes (x and x′) and one backward pass.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"
#include "methods/reference_input.h"

namespace hearsay::methods {

struct DeepLiftOptions {
  ReferenceInput baseline = ReferenceInput::factorization;
  double max_delta_error = 0.05;  ///< a relative summation-to-delta error above this adds a warning

  template <class V>
  void visit(V& v) {
    v.choice("baseline", baseline, reference_input_choices(),
             "reference x': the factorization's all-removed input, zeros, the features' mean, or seeded uniform noise");
    v("max_delta_error", max_delta_error,
      "|sum(map) - (f(x) - f(baseline))| / |f(x) - f(baseline)| above this adds a warning", Range::at_least(0));
  }
};

class DeepLift : public Configured<Explainer, DeepLiftOptions> {
 public:
  explicit DeepLift(const nlohmann::json& options) : Configured("deeplift", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
