#include "models/training_data.h"

#include <algorithm>
#include <cmath>

namespace hearsay::models {

void DataFingerprint::add(const datasets::Example& example) {
  hash_.add(example.info.id.data(), example.info.id.size());
  hash_.add(&example.info.label, sizeof example.info.label);
  const int rate = example.audio.sample_rate();
  const int channels = example.audio.channels();
  hash_.add(&rate, sizeof rate);
  hash_.add(&channels, sizeof channels);
  hash_.add(example.audio.data(), example.audio.samples().size() * sizeof(float));
  ++examples_;
}

nlohmann::json DataFingerprint::to_json() const { return {{"examples", examples_}, {"hash", hash_.text()}}; }

std::vector<TrackFeatures> compute_track_features(const datasets::Dataset& dataset, const std::vector<size_t>& indices,
                                                  const FrontEnd& front_end, int64_t input_samples, InputNotes& notes,
                                                  DataFingerprint& fingerprint) {
  std::vector<TrackFeatures> out;
  out.reserve(indices.size());
  for (size_t index : indices) {
    if (dataset.info(index).label < 0) continue;
    const datasets::Example example = dataset.get(index);
    fingerprint.add(example);
    notes.add(example.audio, front_end.sample_rate(), input_samples);
    out.push_back({example.info.id, example.info.label, clip_features(front_end, example.audio)});
  }
  return out;
}

int64_t random_window_start(int64_t frames, int64_t window, Rng& rng) {
  return frames > window ? rng.uniform_int(0, frames - window) : 0;
}

void apply_gain_db(const FrontEnd& front_end, double gain_db, float* values, int64_t count) {
  const auto& o = front_end.options();
  const double factor = std::pow(10.0, gain_db / (o.power == 2.0 ? 10.0 : 20.0));
  switch (o.log) {
    case LogMode::db: {
      const auto shift = static_cast<float>(10.0 * std::log10(factor));
      const float floor = front_end.compress_value(0.0f);
      // Values at the floor stand for "amin or less" and stay there.
      for (int64_t i = 0; i < count; ++i) values[i] = values[i] <= floor ? floor : std::max(values[i] + shift, floor);
      break;
    }
    case LogMode::natural:
    case LogMode::log10: {
      const double offset = o.log_offset;
      const bool ten = o.log == LogMode::log10;
      for (int64_t i = 0; i < count; ++i) {
        const double v = static_cast<double>(values[i]);
        const double x = factor * std::max(0.0, (ten ? std::pow(10.0, v) : std::exp(v)) - offset) + offset;
        values[i] = static_cast<float>(ten ? std::log10(x) : std::log(x));
      }
      break;
    }
    case LogMode::none: {
      const auto k = static_cast<float>(factor);
      for (int64_t i = 0; i < count; ++i) values[i] *= k;
      break;
    }
  }
}

}  // namespace hearsay::models
