#include "factorizations/segments.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/options.h"

namespace hearsay::factorizations {

const std::vector<float>& checked_clip(const FactorizationInput& input, const FrontEnd& front_end, const char* who) {
  const Audio& a = input.audio;
  HEARSAY_CHECK_AS(ShapeError, !a.empty(), who, ": the clip is empty");
  HEARSAY_CHECK_AS(ShapeError, a.channels() == 1, who, ": expects a mono clip, got ", a.channels(), " channels");
  HEARSAY_CHECK_AS(ShapeError, a.sample_rate() == front_end.sample_rate(), who, ": the clip is at ", a.sample_rate(),
                   " Hz, the model's front-end at ", front_end.sample_rate(), " Hz (resample first)");
  front_end.num_frames(a.frames());  // throws when too short for the STFT's padding
  return a.samples();
}

Matrix<float> input_features(const FactorizationInput& input, const FrontEnd& front_end, const char* who) {
  const auto& x = checked_clip(input, front_end, who);
  if (!input.features) return front_end.features(x.data(), static_cast<int64_t>(x.size()));
  const int64_t frames = front_end.num_frames(static_cast<int64_t>(x.size()));
  HEARSAY_CHECK_AS(ShapeError, input.features->rows() == front_end.n_mels() && input.features->cols() == frames, who,
                   ": the given features are ", input.features->rows(), " × ", input.features->cols(),
                   "; the clip's front-end gives ", front_end.n_mels(), " × ", frames);
  return *input.features;
}

void require_audio_input(const FactorizationInput& input, const char* who) {
  HEARSAY_CHECK_AS(ConfigError, !input.features, who,
                   ": the input is a feature map (a spectrogram-domain adversarial example), and its components are "
                   "signals; factorize it with tf_grid or superpixels, or attack the waveform");
}

std::unique_ptr<Factorization> SegmentsFactorizer::factorize(const FactorizationInput& input,
                                                             const FrontEnd& front_end) const {
  require_audio_input(input, "segments");
  const auto& x = checked_clip(input, front_end, "segments");
  auto boundaries = segment_boundaries(static_cast<int64_t>(x.size()), front_end.sample_rate(), settings().segments,
                                       settings().boundaries, front_end.options().hop_length);
  return std::make_unique<WaveformFactorization>(front_end, std::vector<WaveformFactorization::Source>{{"mix", x}},
                                                 std::vector<float>{}, std::move(boundaries), settings().fill,
                                                 options());
}

}  // namespace hearsay::factorizations
