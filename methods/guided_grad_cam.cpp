#include "methods/guided_grad_cam.h"

#include "methods/guided_backprop.h"
#include "methods/saliency.h"

namespace hearsay::methods {

Capabilities GuidedGradCam::capabilities() const { return gradient_family_capabilities(); }

void GuidedGradCam::run(const ExplainRequest& request, int target, Explanation& out) const {
  const models::Model& model = request.evaluator->model();
  const auto& factorization = request.evaluator->factorization();
  const Matrix<float> features = all_kept_features(factorization);
  // Guided backpropagation first: a layer it cannot pass is refused before Grad-CAM's pass.
  Matrix<float> map = guided_backprop_map(model, name(), features, target, request.output);
  const CamMap cam = grad_cam_map(model, name(), features, target, request.output, settings());
  for (int64_t k = 0; k < map.size(); ++k) map.data()[k] *= cam.map.data()[k];
  set_dense_map(factorization, std::move(map), out);
  // One backward pass to the layer (Grad-CAM) and one modified pass to the input.
  out.gradient_passes = 2;
  out.diagnostics.update(cam.diagnostics());
}

}  // namespace hearsay::methods
