#include "models/white_box.h"

#include <algorithm>

#include "core/error.h"

namespace hearsay::models {

InputGradients WhiteBox::input_gradients(const float* features, int64_t count, int64_t frames, int target,
                                         Output output) const {
  const int64_t n_mels = model_.front_end().n_mels();
  HEARSAY_CHECK_AS(ShapeError, count >= 0 && frames >= 1, "model '", model_.name(), "': input_gradients needs ",
                   "count >= 0 clips of frames >= 1, got ", count, " clips of ", frames, " frames");
  const int64_t cells = n_mels * frames;
  InputGradients out{Matrix<float>(count, cells), Matrix<float>(count, model_.num_classes())};
  for (int64_t c = 0; c < count; ++c) {
    const Matrix<float> clip(n_mels, frames, {features + c * cells, features + (c + 1) * cells});
    const LayerGradient g = layer_gradient(clip, "input", target, output);
    const Matrix<float> sum = sum_windows(g.gradients.data(), g.window_starts, n_mels, g.window_frames, frames);
    std::copy(sum.data(), sum.data() + cells, out.gradients.row(c));
    std::copy(g.output.begin(), g.output.end(), out.outputs.row(c));
  }
  return out;
}

void WhiteBox::refuse(const std::string& what) const {
  throw UnsupportedModelError(
      message("model '", model_.name(), "' opens its layers but offers no ", what,
              "; LRP, guided backpropagation, DeepLIFT and randomised copies need a built-in network or a "
              "TorchScript chain of submodules"));
}

WaveformGradients WhiteBox::waveform_gradients(const float*, int64_t, int64_t, int, Output) const {
  refuse("gradient with respect to the waveform (adversarial attacks on the waveform)");
}

Matrix<float> WhiteBox::run_to_layer(const float*, int64_t, const std::string& layer) const {
  refuse("run_to_layer ('" + layer + "')");
}

Matrix<float> WhiteBox::run_from_layer(const float*, int64_t, const std::string& layer) const {
  refuse("run_from_layer ('" + layer + "')");
}

Relevance WhiteBox::lrp(const Matrix<float>&, int, const LrpSpec&) const { refuse("LRP backward pass"); }

Matrix<float> WhiteBox::modified_gradient(const Matrix<float>&, int, Output, BackwardRule, const Matrix<float>*) const {
  refuse("modified backward pass");
}

std::shared_ptr<const Model> WhiteBox::randomized(const std::vector<std::string>&, uint64_t) const {
  refuse("randomised copy");
}

const WhiteBox& require_white_box(const Model& model, const std::string& who) {
  if (const WhiteBox* box = model.white_box()) return *box;
  throw UnsupportedModelError(message(who, " needs a white-box model, but model '", model.name(),
                                      "' is a black box: ", model.black_box_reason(),
                                      ". White-box methods need a built-in network or a TorchScript chain of "
                                      "submodules (nested nn.Sequential included); perturbation methods work "
                                      "with any model"));
}

Matrix<float> sum_windows(const float* windows, const std::vector<int64_t>& starts, int64_t n_mels,
                          int64_t window_frames, int64_t frames) {
  Matrix<double> sum(n_mels, frames, 0.0);
  const int64_t per_window = n_mels * window_frames;
  for (size_t w = 0; w < starts.size(); ++w) {
    const float* d = windows + static_cast<int64_t>(w) * per_window;
    const int64_t start = starts[w];
    for (int64_t m = 0; m < n_mels; ++m)
      for (int64_t t = 0; t < window_frames && start + t < frames; ++t) sum(m, start + t) += d[m * window_frames + t];
  }
  Matrix<float> out(n_mels, frames);
  for (int64_t i = 0; i < n_mels * frames; ++i) out.data()[i] = static_cast<float>(sum.data()[i]);
  return out;
}

}  // namespace hearsay::models
