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

}  // namespace hearsay::factorizations
