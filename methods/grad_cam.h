// Grad-CAM (Selvaraju et al., ICCV 2017): at a convolutional layer with activations A_c (c over
// channels), α_c is the gradient of the class output averaged over the layer's spatial positions, and
// the map is ReLU(Σ_c α_c A_c), upsampled bilinearly (align_corners = false, as torch's interpolate)
// to the window's [n_mels × frames] input. Long clips: one map per window of the window rule, placed
// at the window's frames and averaged where windows overlap. The component scores pool the map.
// Defaults: the last convolution, and the class logit (Capabilities::default_output), as in the paper
// (y^c before the softmax) and Captum.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

/// Grad-CAM's dense map of one clip, and what it was computed at.
struct CamMap {
  Matrix<float> map;                  ///< [n_mels × frames]: the windows' maps, averaged where they overlap
  std::string layer;                  ///< the layer explained at
  std::vector<int64_t> layer_shape;   ///< its output per window, [C, H, W]
  size_t windows = 0;                 ///< windows of the window rule
  std::vector<double> first_weights;  ///< α_c of the first window
  /// What an explanation reports of it: layer, layer_shape, windows, channel_weights_first_window.
  nlohmann::json diagnostics() const;
};

/// Grad-CAM of `features` [n_mels × frames] for class `target` with `options` (an empty layer is
/// default_cam_layer's); the map GradCam explains with, and guided Grad-CAM multiplies.
/// UnsupportedModelError naming `who` for a black box or a layer without a [C, H, W] output.
CamMap grad_cam_map(const models::Model& model, const std::string& who, const Matrix<float>& features, int target,
                    models::Output output, const GradCamOptions& options);

/// Bilinear resize of a [rows × cols] map to [out_rows × out_cols] with align_corners = false.
Matrix<float> resize_bilinear(const Matrix<float>& in, int64_t out_rows, int64_t out_cols);

}  // namespace hearsay::methods
