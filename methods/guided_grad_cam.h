// Guided Grad-CAM (Selvaraju et al., "Grad-CAM: visual explanations from deep networks via
// gradient-based localization", ICCV 2017, §3.1; Captum's GuidedGradCam): the Grad-CAM map at a
// convolutional layer, upsampled to the input, times the guided-backpropagation map, cell by cell. It
// keeps guided backpropagation's detail where Grad-CAM says the class is. The maps are exactly those of
// grad_cam and guided_backprop with the same options: Grad-CAM's windows averaged where they overlap,
// upsampled bilinearly as in the paper (Captum's default interpolation is nearest), guided
// backpropagation's summed over the windows that contain a cell. Options are Grad-CAM's (layer, relu).
#pragma once

#include "core/configured.h"
#include "methods/explainer.h"
#include "methods/grad_cam.h"

namespace hearsay::methods {

class GuidedGradCam : public Configured<Explainer, GradCamOptions> {
 public:
  explicit GuidedGradCam(const nlohmann::json& options) : Configured("guided_grad_cam", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

}  // namespace hearsay::methods
