// Grad-CAM (Selvaraju et al., ICCV 2017): at a convolutional layer with activations A_c (c over
// channels), α_c is the gradient of the class output averaged over the layer's spatial positions, and
// the map is ReLU(Σ_c α_c A_c), upsampled bilinearly (align_corners = false, as torch's interpolate)
// to the window's [n_mels × frames] input. Long clips: one map per window of the window rule, placed
// at the window's frames and averaged where windows overlap. The component scores pool the map.
// Defaults: the last convolution, and the class logit (Capabilities::default_output), as in the paper
// (y^c before the softmax) and Captum.
#pragma once

#include <string>

#include "core/configured.h"
#include "methods/explainer.h"

namespace hearsay::methods {

struct GradCamOptions {
  std::string layer;  ///< layer name; empty: the last convolution (see default_cam_layer)
  bool relu = true;   ///< Grad-CAM's ReLU (false keeps negative evidence)

  template <class V>
  void visit(V& v) {
    v("layer", layer, "layer to explain at (empty: the last convolution)");
    v("relu", relu, "apply Grad-CAM's ReLU to the weighted sum");
  }
};

class GradCam : public Configured<Explainer, GradCamOptions> {
 public:
  explicit GradCam(const nlohmann::json& options) : Configured("grad_cam", options) {}
  Capabilities capabilities() const override;

 protected:
  void run(const ExplainRequest& request, int target, Explanation& out) const override;
};

/// The default Grad-CAM layer of a model: the last convolution with a [C, H, W] output (H·W > 1), the
/// layer Captum users pass to LayerGradCam; when no layer's type names a convolution, the last
/// [C, H, W] layer that is not a pooling layer. UnsupportedModelError naming the model when there is none.
std::string default_cam_layer(const models::Model& model);

/// Bilinear resize of a [rows × cols] map to [out_rows × out_cols] with align_corners = false.
Matrix<float> resize_bilinear(const Matrix<float>& in, int64_t out_rows, int64_t out_cols);

}  // namespace hearsay::methods
