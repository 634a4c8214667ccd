// `segments`: N equal time segments of the clip (the last takes the remainder, nothing is dropped), or
// segments between manual boundaries; a removed segment is replaced by silence, the clip's mean
// value, or noise. The time segmentation of audioLIME / SoundLIME without source separation.
#pragma once

#include <vector>

#include "core/configured.h"
#include "factorizations/waveform_factorization.h"

namespace hearsay::factorizations {

struct SegmentsOptions {
  int segments = 10;               ///< equal segments (ignored when `boundaries` is given)
  std::vector<double> boundaries;  ///< interior cut points in seconds, strictly increasing
  WaveformBaselineOptions fill;    ///< baseline, noise_db, seed (flattened into the same object)

  template <class V>
  void visit(V& v) {
    v("segments", segments, "number of equal time segments", Range::between(1, 1000));
    v("boundaries", boundaries, "interior cut points in seconds (overrides segments)", Range::greater_than(0));
    fill.visit(v);
  }
};

class SegmentsFactorizer : public Configured<Factorizer, SegmentsOptions> {
 public:
  explicit SegmentsFactorizer(const nlohmann::json& options) : Configured("segments", options) {}
  std::unique_ptr<Factorization> factorize(const FactorizationInput& input, const FrontEnd& front_end) const override;
};

/// Checks that `input.audio` is mono at the front-end's rate and long enough; returns its samples.
const std::vector<float>& checked_clip(const FactorizationInput& input, const FrontEnd& front_end, const char* who);
/// The features a factorization of log-mel cells cuts: input.features when given (ShapeError unless
/// they are [n_mels × frames] of the clip), else the front-end of the clip.
Matrix<float> input_features(const FactorizationInput& input, const FrontEnd& front_end, const char* who);
/// ConfigError when the input is a feature map (FactorizationInput::features): components that are
/// signals cannot be cut from it.
void require_audio_input(const FactorizationInput& input, const char* who);

}  // namespace hearsay::factorizations
