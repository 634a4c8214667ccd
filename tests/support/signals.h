// Test clips with known structure: stems that sum exactly to a mix, events at known times and bands.
#pragma once

#include <map>
#include <string>

#include "core/audio.h"

namespace hearsay::testing {

/// A clip made of three stems that sum exactly to the mix: "tones" (a sine in its first half, a
/// higher one in its second), "bursts" (noise bursts at 0.5 s intervals) and "sweep" (a quiet chirp).
/// Samples lie on the 16-bit grid, as stems read from 16-bit files do, so any sum of them is exact
/// in float.
struct StemClip {
  Audio mix;
  std::map<std::string, Audio> stems;
};
StemClip stem_clip(double seconds, int rate, uint64_t seed);

}  // namespace hearsay::testing
