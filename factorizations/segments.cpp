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

std::unique_ptr<Factorization> SegmentsFactorizer::factorize(const FactorizationInput& input,
                                                             const FrontEnd& front_end) const {
  const auto& x = checked_clip(input, front_end, "segments");
  auto boundaries = segment_boundaries(static_cast<int64_t>(x.size()), front_end.sample_rate(), settings().segments,
                                       settings().boundaries, front_end.options().hop_length);
  return std::make_unique<WaveformFactorization>(front_end, std::vector<WaveformFactorization::Source>{{"mix", x}},
                                                 std::vector<float>{}, std::move(boundaries), settings().fill,
                                                 options());
}

}  // namespace hearsay::factorizations
