#include "methods/input_gradient.h"

#include "core/error.h"

namespace hearsay::methods {

InputGradient input_gradient(const models::Model& model, const Matrix<float>& features, int target,
                             models::Output output) {
  const models::LayerGradient g = model.layer_gradient(features, "input", target, output);
  const int64_t n_mels = features.rows();
  const int64_t frames = features.cols();
  HEARSAY_CHECK_AS(ShapeError, g.shape.size() == 3 && g.shape[1] == n_mels && g.shape[2] == g.window_frames,
                   "input_gradient: model '", model.name(), "' gave an input gradient of another shape than its ",
                   n_mels, " mel bands x ", g.window_frames, " frames windows");
  const int64_t per_window = n_mels * g.window_frames;
  Matrix<double> sum(n_mels, frames, 0.0);
  for (size_t w = 0; w < g.window_starts.size(); ++w) {
    const float* d = g.gradients.data() + static_cast<int64_t>(w) * per_window;
    const int64_t start = g.window_starts[w];
    for (int64_t m = 0; m < n_mels; ++m)
      for (int64_t t = 0; t < g.window_frames && start + t < frames; ++t)
        sum(m, start + t) += d[m * g.window_frames + t];
  }
  InputGradient out;
  out.gradient = Matrix<float>(n_mels, frames);
  for (int64_t m = 0; m < n_mels; ++m)
    for (int64_t t = 0; t < frames; ++t) out.gradient(m, t) = static_cast<float>(sum(m, t));
  out.output = g.output;
  return out;
}

}  // namespace hearsay::methods
