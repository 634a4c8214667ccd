// SmoothGrad (Smilkov et al. 2017; Captum's NoiseTunnel with nt_type "smoothgrad" / "smoothgrad_sq"):
// the mean over `samples` noisy copies x + ε, ε ~ N(0, σ²) per cell, of the input gradient
// (methods/input_gradient.h) at the copy; σ = noise_level × (max − min of x), the paper's noise level
// relative to the input's range. x is the clip with every component kept, as Grad-CAM's.
//  - squared: the mean of the squared gradient (SmoothGrad², Hooker et al. 2019; Captum's smoothgrad_sq).
//  - multiply_by_input: each sample's gradient times its noisy input (x + ε), as NoiseTunnel wrapped
//    around InputXGradient computes it.
//  - base integrated_gradients: each sample's map is integrated gradients at the noisy copy
//    (methods/integrated_gradients.h; ig_steps Gauss–Legendre nodes from the factorization's
//    all-removed input, which gets no noise), as NoiseTunnel wrapped around IntegratedGradients
//    computes it; samples × ig_steps gradient passes.
// Defaults: samples 50, the paper's choice (its Fig. 3: the map stops sharpening past about 50);
// Captum's nt_samples = 5 is a speed default, not a recommendation. noise_level 0.15, the middle of the
// paper's 10–20 %. The map is signed (the paper's Eq. 4); take |.| yourself if you want saliency's sign-free view.
// Each sample's noise comes from its own stream derive_seed(seed, sample), and samples are summed in
// order, so the same seed gives the same map for any thread count.
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

/// What each noisy copy contributes.
enum class SmoothGradBase { gradient, integrated_gradients };

struct SmoothGradOptions {
  int samples = 50;
  double noise_level = 0.15;
  bool squared = false;
  bool multiply_by_input = false;
  SmoothGradBase base = SmoothGradBase::gradient;
  int ig_steps = 16;

  template <class V>
  void visit(V& v) {
    v("samples", samples, "noisy copies averaged (gradient passes)", Range::between(1, 100000));
    v("noise_level", noise_level, "noise standard deviation as a fraction of the input's range (max - min)",
      Range::between(0, 10));
    v("squared", squared, "average the squared gradient (SmoothGrad^2)");
    v("multiply_by_input", multiply_by_input, "multiply each sample's gradient by its noisy input");
    v.choice("base", base,
             {{"gradient", SmoothGradBase::gradient}, {"integrated_gradients", SmoothGradBase::integrated_gradients}},
             "each noisy copy's map: its gradient, or integrated gradients from the all-removed input");
    v("ig_steps", ig_steps, "base integrated_gradients: Gauss-Legendre nodes per noisy copy", Range::between(1, 10000));
  }
  /// Integrated gradients already multiply by the input's change along the path.
  void validate() const;
};

class SmoothGrad : public Configured<Explainer, SmoothGradOptions> {
 public:
  explicit SmoothGrad(const nlohmann::json& options) : Configured("smoothgrad", options) {}
  Capabilities capabilities() const override;
  /// Eight samples: on the harness's toys the gradient is the same at every noisy copy for the logit.
  TestProfile test_profile() const override { return {nlohmann::json{{"samples", 8}}}; }

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
