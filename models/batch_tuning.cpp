#include "models/batch_tuning.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::models {

namespace {

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// `count` distinct windows [n_mels × input_frames] back to back: the model's front-end on seeded
// noise, run once over a stretch long enough for all of them, each window starting 3 frames after
// the previous one, so no call sees the data of the previous one.
std::vector<float> noise_windows(const Model& model, int64_t count) {
  constexpr int64_t kShift = 3;
  const int64_t frames = model.input_frames();
  const int64_t n_mels = model.front_end().n_mels();
  const int64_t samples = model.input_samples() + count * kShift * model.front_end().options().hop_length;
  Rng rng(0x74756e65ULL);  // "tune"
  std::vector<float> signal(static_cast<size_t>(samples));
  for (float& x : signal) x = static_cast<float>(0.1 * rng.normal());
  const Matrix<float> f = model.front_end().features(signal.data(), samples);
  std::vector<float> windows(static_cast<size_t>(count * n_mels * frames), model.silence_value());
  for (int64_t w = 0; w < count; ++w) {
    const int64_t first = w * kShift;
    const int64_t kept = std::clamp<int64_t>(f.cols() - first, 0, frames);
    for (int64_t m = 0; m < n_mels; ++m)
      std::copy(f.row(m) + first, f.row(m) + first + kept, windows.data() + (w * n_mels + m) * frames);
  }
  return windows;
}

}  // namespace

BatchTuning tune_batch(const std::function<std::unique_ptr<Model>(int64_t batch)>& make,
                       const std::vector<int64_t>& batches, int rounds, double seconds) {
  HEARSAY_CHECK_AS(ConfigError, !batches.empty(), "tune: no batch sizes to try");
  for (int64_t b : batches)
    HEARSAY_CHECK_AS(ConfigError, b >= 1 && b <= 4096, "tune: batch sizes must be from 1 to 4096, got ", b);
  HEARSAY_CHECK_AS(ConfigError, std::set<int64_t>(batches.begin(), batches.end()).size() == batches.size(),
                   "tune: a batch size is listed twice");
  HEARSAY_CHECK_AS(ConfigError, rounds >= 1, "tune: rounds must be >= 1, got ", rounds);
  HEARSAY_CHECK_AS(ConfigError, seconds > 0, "tune: seconds per measurement must be > 0, got ", seconds);

  BatchTuning out;
  std::vector<std::unique_ptr<Model>> models;
  std::vector<std::vector<float>> windows;
  std::vector<std::vector<double>> samples(batches.size());
  std::string first_error;
  for (int64_t b : batches) {
    out.times.push_back({b, 0.0, {}});
    std::unique_ptr<Model> model = make(b);
    HEARSAY_CHECK(model && model->preferred_batch() == b, "tune: the model made for batch ", b, " runs batches of ",
                  model ? model->preferred_batch() : 0);
    // Two full batches, alternated, so consecutive calls never reuse one input.
    std::vector<float> w = noise_windows(*model, 2 * b);
    try {
      model->window_logits(w.data(), b);  // the first calls of a frozen module compile and profile
      model->window_logits(w.data() + w.size() / 2, b);
    } catch (const UnsupportedModelError& e) {
      out.times.back().error = e.what();
      if (first_error.empty()) first_error = e.what();
      model.reset();
    }
    models.push_back(std::move(model));
    windows.push_back(std::move(w));
  }
  bool any = false;
  for (const auto& m : models) any = any || m != nullptr;
  if (!any) throw UnsupportedModelError(first_error);

  for (int round = 0; round < rounds; ++round)
    for (size_t i = 0; i < batches.size(); ++i) {
      if (!models[i]) continue;
      const int64_t b = batches[i];
      const size_t half = windows[i].size() / 2;
      int64_t calls = 0;
      const auto t0 = std::chrono::steady_clock::now();
      do {
        models[i]->window_logits(windows[i].data() + (calls % 2) * half, b);
        ++calls;
      } while (since(t0) < seconds);
      samples[i].push_back(since(t0) / static_cast<double>(calls * b));
    }

  size_t best = batches.size();
  for (size_t i = 0; i < batches.size(); ++i) {
    if (!models[i]) continue;
    std::vector<double>& s = samples[i];
    std::sort(s.begin(), s.end());
    out.times[i].seconds_per_window = s[s.size() / 2];
    if (best == batches.size() || out.times[i].seconds_per_window < out.times[best].seconds_per_window) best = i;
  }
  out.best = batches[best];
  out.best_model = std::move(models[best]);
  return out;
}

}  // namespace hearsay::models
