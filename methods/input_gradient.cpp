#include "methods/input_gradient.h"

#include <algorithm>

#include "models/white_box.h"

namespace hearsay::methods {

InputGradient input_gradient(const models::Model& model, const std::string& who, const Matrix<float>& features,
                             int target, models::Output output) {
  const models::InputGradients g =
      models::require_white_box(model, who).input_gradients(features.data(), 1, features.cols(), target, output);
  InputGradient out;
  out.gradient =
      Matrix<float>(features.rows(), features.cols(), {g.gradients.row(0), g.gradients.row(0) + features.size()});
  out.output.assign(g.outputs.row(0), g.outputs.row(0) + g.outputs.cols());
  return out;
}

void input_gradients(const models::Model& model, const std::string& who, int64_t count, int64_t frames, int target,
                     models::Output output, const std::function<void(int64_t, float*)>& make,
                     const std::function<void(int64_t, const float*, const float*)>& use) {
  const models::WhiteBox& box = models::require_white_box(model, who);
  const int64_t cells = model.front_end().n_mels() * frames;
  std::vector<float> inputs;
  for (int64_t first = 0; first < count; first += kInputsPerGradientCall) {
    const int64_t n = std::min(kInputsPerGradientCall, count - first);
    inputs.resize(static_cast<size_t>(n * cells));
    for (int64_t k = 0; k < n; ++k) make(first + k, inputs.data() + k * cells);
    const models::InputGradients g = box.input_gradients(inputs.data(), n, frames, target, output);
    for (int64_t k = 0; k < n; ++k) use(first + k, g.gradients.row(k), g.outputs.row(k));
  }
}

}  // namespace hearsay::methods
