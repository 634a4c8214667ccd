// The gradient of a clip's output with respect to its model input (the log-mel features), the common
// ground of the gradient family (saliency, gradient × input, integrated gradients, SmoothGrad). The
// clip's output is the mean over the windows of the window rule (models/model.h), so a feature cell's
// gradient is the sum of its gradients through every window that contains it; padding past the clip's
// end has no cell and is dropped.
#pragma once

#include "core/matrix.h"
#include "models/model.h"

namespace hearsay::methods {

/// ∂ output[target] / ∂ features, [n_mels × frames] like `features`, and the clip's output for every
/// class (Model::layer_gradient at "input"). UnsupportedModelError for a black-box model.
struct InputGradient {
  Matrix<float> gradient;
  std::vector<float> output;
};
InputGradient input_gradient(const models::Model& model, const Matrix<float>& features, int target,
                             models::Output output);

}  // namespace hearsay::methods
