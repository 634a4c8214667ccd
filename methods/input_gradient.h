// The gradient of a clip's output with respect to its model input (the log-mel features), the common
// ground of the gradient family (saliency, gradient × input, integrated gradients, SmoothGrad). The
// clip's output is the mean over the windows of the window rule (models/model.h), so a feature cell's
// gradient is the sum of its gradients through every window that contains it; padding past the clip's
// end has no cell and is dropped (models/white_box.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/matrix.h"
#include "models/model.h"

namespace hearsay::methods {

/// ∂ output[target] / ∂ features, [n_mels × frames] like `features`, and the clip's output for every
/// class. UnsupportedModelError naming `who` for a black-box model.
struct InputGradient {
  Matrix<float> gradient;
  std::vector<float> output;
};
InputGradient input_gradient(const models::Model& model, const std::string& who, const Matrix<float>& features,
                             int target, models::Output output);

/// Inputs given to the white box together (integrated gradients' steps, SmoothGrad's samples): enough
/// to fill its batches of windows, few enough that their windows stay a few tens of MB for 30 s clips.
constexpr int64_t kInputsPerGradientCall = 16;

/// Gradients at `count` inputs of [n_mels × frames] made on demand, kInputsPerGradientCall per white-box
/// call: make(k, out) writes input k into out; use(k, gradient, outputs) receives its gradient
/// [n_mels × frames] and its output per class, in order of k.
void input_gradients(const models::Model& model, const std::string& who, int64_t count, int64_t frames, int target,
                     models::Output output, const std::function<void(int64_t, float*)>& make,
                     const std::function<void(int64_t, const float*, const float*)>& use);

}  // namespace hearsay::methods
