// The built-in explainers: one registration line each.
#include "methods/component_ig.h"
#include "methods/deeplift.h"
#include "methods/exact_shapley.h"
#include "methods/explainer.h"
#include "methods/grad_cam.h"
#include "methods/gradient_x_input.h"
#include "methods/guided_backprop.h"
#include "methods/guided_grad_cam.h"
#include "methods/integrated_gradients.h"
#include "methods/kernel_shap.h"
#include "methods/lime.h"
#include "methods/lrp.h"
#include "methods/occlusion.h"
#include "methods/saliency.h"
#include "methods/smoothgrad.h"

namespace hearsay::methods {

const Registry<Explainer>& explainer_registry() {
  static const Registry<Explainer> registry = [] {
    Registry<Explainer> r("explainer");
    r.add<ComponentIg>("component_ig", "integrated gradients over the components' gains (Aumann-Shapley values)");
    r.add<DeepLift>("deeplift", "DeepLIFT rescale rule: (x - baseline) x multipliers, sums to f(x) - f(baseline)");
    r.add<ExactShapley>("exact_shapley", "exact Shapley values over all 2^M coalitions");
    r.add<GradCam>("grad_cam", "Grad-CAM at a convolutional layer, pooled onto the components");
    r.add<GradientXInput>("gradient_x_input", "gradient x (input - baseline), baseline zero or the factorization's");
    r.add<GuidedBackprop>("guided_backprop", "the gradient with ReLUs passing only positive gradient (signed)");
    r.add<GuidedGradCam>("guided_grad_cam", "Grad-CAM upsampled to the input times guided backprop, cell by cell");
    r.add<IntegratedGradients>("integrated_gradients", "path integral of the input gradient from a baseline");
    r.add<KernelShap>("kernel_shap", "KernelSHAP: Leverage SHAP's or shap's sampler, shap's constrained fit");
    r.add<Lime>("lime", "LIME as audioLIME: Bernoulli masks, cosine kernel, weighted ridge");
    r.add<Lrp>("lrp", "layer-wise relevance propagation of the logit (zennit composites, rules per layer)");
    r.add<Occlusion>("occlusion", "leave-one-out or keep-one-in ablation of each component");
    r.add<Saliency>("saliency", "the input gradient, absolute or signed, pooled onto the components");
    r.add<SmoothGrad>("smoothgrad", "the input gradient averaged over noisy copies (SmoothGrad, SmoothGrad^2)");
    return r;
  }();
  return registry;
}

}  // namespace hearsay::methods
