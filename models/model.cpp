#include "models/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace hearsay::models {

LayerGradient Model::layer_gradient(const Matrix<float>&, const std::string& layer, int, Output) const {
  throw UnsupportedModelError(message("model '", name(), "' exposes no layers, so layer '", layer,
                                      "' cannot be reached; white-box methods need a built-in network or a sequential ",
                                      "TorchScript model (perturbation methods work with any model)"));
}

int Model::class_index(const std::string& label) const {
  const auto& names = class_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == label) return static_cast<int>(i);
  std::string valid;
  for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
  throw ConfigError(message("model '", name(), "' has no class '", label, "'; its classes are: ", valid));
}

int64_t Model::input_samples() const {
  const auto& o = front_end().options();
  const int64_t frames = input_frames();
  if (o.center) return (frames - 1) * o.hop_length;
  return (frames - 1) * o.hop_length + o.n_fft;
}

std::vector<int64_t> window_starts(int64_t frames, int64_t window) {
  HEARSAY_CHECK_AS(ShapeError, frames >= 1 && window >= 1, "window rule: need frames >= 1 and window >= 1 (got ", frames,
                   ", ", window, ")");
  std::vector<int64_t> starts;
  if (frames <= window) return {0};
  for (int64_t s = 0; s + window <= frames; s += window) starts.push_back(s);
  if (starts.back() + window < frames) starts.push_back(frames - window);
  return starts;
}

void copy_window(const float* features, int64_t n_mels, int64_t frames, int64_t start, int64_t count, float pad_value,
                 float* out) {
  const int64_t available = std::max<int64_t>(0, std::min(count, frames - start));
  for (int64_t m = 0; m < n_mels; ++m) {
    const float* src = features + m * frames + start;
    float* dst = out + m * count;
    if (available > 0) std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(available));
    std::fill(dst + available, dst + count, pad_value);
  }
}

Matrix<float> Model::logits_from_features(const float* features, int64_t batch, int64_t frames) const {
  const int64_t n_mels = front_end().n_mels();
  const int64_t window = input_frames();
  const auto starts = window_starts(frames, window);
  const auto per_clip = static_cast<int64_t>(starts.size());
  const int classes = num_classes();
  Matrix<float> out(batch, classes, 0.0f);
  const int64_t chunk = std::max<int64_t>(1, preferred_batch());
  std::vector<float> windows(static_cast<size_t>(chunk * n_mels * window));
  const float pad = silence_value();
  // Windows of all clips in order, chunked by the preferred batch; each chunk's logits are added to
  // their clip's row and divided once at the end (the same order for any batch size).
  const int64_t total = batch * per_clip;
  for (int64_t first = 0; first < total; first += chunk) {
    const int64_t n = std::min(chunk, total - first);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t clip = (first + i) / per_clip;
      const int64_t w = (first + i) % per_clip;
      copy_window(features + clip * n_mels * frames, n_mels, frames, starts[static_cast<size_t>(w)], window, pad,
                  windows.data() + i * n_mels * window);
    }
    const Matrix<float> logits = window_logits(windows.data(), n);
    HEARSAY_CHECK_AS(ShapeError, logits.rows() == n && logits.cols() == classes, "model '", name(), "' returned ",
                     logits.rows(), " x ", logits.cols(), " logits for ", n, " windows and ", classes, " classes");
    for (int64_t i = 0; i < n; ++i) {
      const int64_t clip = (first + i) / per_clip;
      for (int c = 0; c < classes; ++c) out(clip, c) += logits(i, c);
    }
  }
  const float inv = 1.0f / static_cast<float>(per_clip);
  for (auto& v : out.values()) v *= inv;
  return out;
}

Matrix<float> Model::features(const Audio& clip) const {
  const int rate = front_end().sample_rate();
  Audio mono = clip.channels() == 1 ? clip : clip.to_mono();
  if (mono.sample_rate() != rate) mono = mono.resampled(rate);
  return front_end().features(mono);
}

Matrix<float> Model::logits(const Audio& clip) const {
  const Matrix<float> f = features(clip);
  return logits_from_features(f.data(), 1, f.cols());
}

Matrix<float> softmax_rows(const Matrix<float>& logits) {
  Matrix<float> out(logits.rows(), logits.cols());
  for (int64_t r = 0; r < logits.rows(); ++r) {
    const float* in = logits.row(r);
    float top = in[0];
    for (int64_t c = 1; c < logits.cols(); ++c) top = std::max(top, in[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < logits.cols(); ++c) sum += std::exp(static_cast<double>(in[c] - top));
    for (int64_t c = 0; c < logits.cols(); ++c)
      out(r, c) = static_cast<float>(std::exp(static_cast<double>(in[c] - top)) / sum);
  }
  return out;
}

}  // namespace hearsay::models
