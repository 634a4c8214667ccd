#include "methods/grad_cam.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hearsay::methods {

Capabilities GradCam::capabilities() const {
  Capabilities c;
  c.needs_gradients = true;
  c.dense_map = true;
  c.default_output = models::Output::logits;
  return c;
}

std::string default_cam_layer(const models::Model& model) {
  const auto layers = models::require_white_box(model, "grad_cam").layers();
  auto spatial = [](const models::LayerInfo& l) {
    return l.output_shape.size() == 3 && l.output_shape[1] * l.output_shape[2] > 1;
  };
  // The last convolution, as Captum users pick it (LayerGradCam(model, model.conv_last)).
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (spatial(*it) && it->type.find("Conv") != std::string::npos) return it->name;
  // Layers whose types say nothing (a TorchScript module's own names): the last spatial non-pooling one.
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (spatial(*it) && it->type.find("Pool") == std::string::npos) return it->name;
  throw UnsupportedModelError(message("grad_cam: model '", model.name(),
                                      "' has no convolutional layer with a [channels, height, width] output"));
}

Matrix<float> resize_bilinear(const Matrix<float>& in, int64_t out_rows, int64_t out_cols) {
  Matrix<float> out(out_rows, out_cols);
  auto source = [](int64_t i, int64_t in_n, int64_t out_n, int64_t& lo, int64_t& hi, double& frac) {
    const double x =
        std::max(0.0, (static_cast<double>(i) + 0.5) * static_cast<double>(in_n) / static_cast<double>(out_n) - 0.5);
    lo = std::min<int64_t>(static_cast<int64_t>(x), in_n - 1);
    hi = std::min<int64_t>(lo + 1, in_n - 1);
    frac = x - static_cast<double>(lo);
  };
  for (int64_t r = 0; r < out_rows; ++r) {
    int64_t r0, r1;
    double fr;
    source(r, in.rows(), out_rows, r0, r1, fr);
    for (int64_t c = 0; c < out_cols; ++c) {
      int64_t c0, c1;
      double fc;
      source(c, in.cols(), out_cols, c0, c1, fc);
      const double top = (1.0 - fc) * in(r0, c0) + fc * in(r0, c1);
      const double bottom = (1.0 - fc) * in(r1, c0) + fc * in(r1, c1);
      out(r, c) = static_cast<float>((1.0 - fr) * top + fr * bottom);
    }
  }
  return out;
}

nlohmann::json CamMap::diagnostics() const {
  return {{"layer", layer},
          {"layer_shape", layer_shape},
          {"windows", windows},
          {"channel_weights_first_window", first_weights}};
}

CamMap grad_cam_map(const models::Model& model, const std::string& who, const Matrix<float>& features, int target,
                    models::Output output, const GradCamOptions& options) {
  CamMap cam;
  cam.layer = options.layer.empty() ? default_cam_layer(model) : options.layer;
  const models::LayerGradient g =
      models::require_white_box(model, who).layer_gradient(features, cam.layer, target, output);
  if (g.shape.size() != 3)
    throw UnsupportedModelError(message(who, ": layer '", cam.layer, "' of model '", model.name(), "' has a ",
                                        g.shape.size(), "-D output; Grad-CAM needs [channels, height, width]"));
  const int64_t channels = g.shape[0];
  const int64_t height = g.shape[1];
  const int64_t width = g.shape[2];
  const int64_t per_window = channels * height * width;
  const int64_t n_mels = features.rows();
  const int64_t frames = features.cols();
  Matrix<double> sum(n_mels, frames, 0.0);
  std::vector<int64_t> cover(static_cast<size_t>(frames), 0);
  for (size_t w = 0; w < g.window_starts.size(); ++w) {
    const float* a = g.activations.data() + static_cast<int64_t>(w) * per_window;
    const float* d = g.gradients.data() + static_cast<int64_t>(w) * per_window;
    Matrix<float> window_cam(height, width, 0.0f);
    std::vector<double> alpha(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      double mean = 0.0;
      for (int64_t k = 0; k < height * width; ++k) mean += d[c * height * width + k];
      alpha[static_cast<size_t>(c)] = mean / static_cast<double>(height * width);
      for (int64_t k = 0; k < height * width; ++k)
        window_cam.data()[k] += static_cast<float>(alpha[static_cast<size_t>(c)] * a[c * height * width + k]);
    }
    if (options.relu)
      for (auto& v : window_cam.values()) v = std::max(v, 0.0f);
    const Matrix<float> up = resize_bilinear(window_cam, n_mels, g.window_frames);
    const int64_t start = g.window_starts[w];
    for (int64_t t = 0; t < g.window_frames && start + t < frames; ++t) {
      ++cover[static_cast<size_t>(start + t)];
      for (int64_t m = 0; m < n_mels; ++m) sum(m, start + t) += up(m, t);
    }
    if (w == 0) cam.first_weights = std::move(alpha);
  }
  cam.map = Matrix<float>(n_mels, frames);
  for (int64_t m = 0; m < n_mels; ++m)
    for (int64_t t = 0; t < frames; ++t)
      cam.map(m, t) =
          cover[static_cast<size_t>(t)] ? static_cast<float>(sum(m, t) / cover[static_cast<size_t>(t)]) : 0.0f;
  cam.layer_shape = g.shape;
  cam.windows = g.window_starts.size();
  return cam;
}

void GradCam::run(const ExplainRequest& request, int target, Explanation& out) const {
  const auto& factorization = request.evaluator->factorization();
  const Matrix<float> features =
      factorization.compose(std::vector<uint8_t>(static_cast<size_t>(factorization.size()), 1));
  CamMap cam = grad_cam_map(request.evaluator->model(), name(), features, target, request.output, settings());
  out.scores = factorization.pool(cam.map);
  out.map = std::move(cam.map);
  out.gradient_passes = 1;
  out.diagnostics.update(cam.diagnostics());
}

}  // namespace hearsay::methods
