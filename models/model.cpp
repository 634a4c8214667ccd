#include "models/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace hearsay::models {

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
  HEARSAY_CHECK_AS(ShapeError, frames >= 1 && window >= 1, "window rule: need frames >= 1 and window >= 1 (got ",
                   frames, ", ", window, ")");
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

namespace {

// One network input: a window of one clip's features [n_mels × frames] starting at frame `start`.
struct WindowRef {
  int64_t clip;
  const float* features;
  int64_t frames;
  int64_t start;
};

// Runs the windows in order, in chunks of preferred_batch(), and averages each clip's window logits
// (sums in window order, one division at the end: the same arithmetic for any batch size).
Matrix<float> mean_window_logits(const Model& model, const std::vector<WindowRef>& refs, int64_t clips) {
  const int64_t n_mels = model.front_end().n_mels();
  const int64_t window = model.input_frames();
  const int classes = model.num_classes();
  const float pad = model.silence_value();
  Matrix<float> out(clips, classes, 0.0f);
  std::vector<int64_t> counts(static_cast<size_t>(clips), 0);
  const int64_t chunk = std::max<int64_t>(1, model.preferred_batch());
  std::vector<float> windows(static_cast<size_t>(chunk * n_mels * window));
  const auto total = static_cast<int64_t>(refs.size());
  for (int64_t first = 0; first < total; first += chunk) {
    const int64_t n = std::min(chunk, total - first);
    for (int64_t i = 0; i < n; ++i) {
      const WindowRef& ref = refs[static_cast<size_t>(first + i)];
      copy_window(ref.features, n_mels, ref.frames, ref.start, window, pad, windows.data() + i * n_mels * window);
    }
    const Matrix<float> logits = model.window_logits(windows.data(), n);
    HEARSAY_CHECK_AS(ShapeError, logits.rows() == n && logits.cols() == classes, "model '", model.name(), "' returned ",
                     logits.rows(), " x ", logits.cols(), " logits for ", n, " windows and ", classes, " classes");
    for (int64_t i = 0; i < n; ++i) {
      const int64_t clip = refs[static_cast<size_t>(first + i)].clip;
      ++counts[static_cast<size_t>(clip)];
      for (int c = 0; c < classes; ++c) out(clip, c) += logits(i, c);
    }
  }
  for (int64_t clip = 0; clip < clips; ++clip) {
    const float inv = 1.0f / static_cast<float>(counts[static_cast<size_t>(clip)]);
    for (int c = 0; c < classes; ++c) out(clip, c) *= inv;
  }
  return out;
}

void add_window_refs(std::vector<WindowRef>& refs, int64_t clip, const float* features, int64_t frames,
                     int64_t window) {
  for (int64_t start : window_starts(frames, window)) refs.push_back({clip, features, frames, start});
}

}  // namespace

Matrix<float> Model::logits_from_features(const float* features, int64_t batch, int64_t frames) const {
  const int64_t n_mels = front_end().n_mels();
  std::vector<WindowRef> refs;
  for (int64_t clip = 0; clip < batch; ++clip)
    add_window_refs(refs, clip, features + clip * n_mels * frames, frames, input_frames());
  return mean_window_logits(*this, refs, batch);
}

Matrix<float> Model::logits(const std::vector<Audio>& clips) const {
  std::vector<Matrix<float>> features;
  features.reserve(clips.size());
  for (const Audio& clip : clips) features.push_back(this->features(clip));
  std::vector<WindowRef> refs;
  for (size_t i = 0; i < features.size(); ++i)
    add_window_refs(refs, static_cast<int64_t>(i), features[i].data(), features[i].cols(), input_frames());
  return mean_window_logits(*this, refs, static_cast<int64_t>(clips.size()));
}

Matrix<float> Model::probabilities(const std::vector<Audio>& clips) const { return softmax_rows(logits(clips)); }

Matrix<float> Model::probabilities_from_features(const float* features, int64_t batch, int64_t frames) const {
  return softmax_rows(logits_from_features(features, batch, frames));
}

Matrix<float> clip_features(const FrontEnd& front_end, const Audio& clip) {
  const int rate = front_end.sample_rate();
  if (clip.channels() == 1 && clip.sample_rate() == rate) return front_end.features(clip);
  Audio mono = clip.channels() == 1 ? clip : clip.to_mono();
  if (mono.sample_rate() != rate) mono = mono.resampled(rate);
  return front_end.features(mono);
}

Matrix<float> Model::features(const Audio& clip) const { return clip_features(front_end(), clip); }

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
