// Writes the score of one track in a genre style: drums, bass, harmony and lead parts following the
// style's rules, every choice (key, tempo, meter, groove, instruments, pattern variants, melody) drawn
// from the track's random stream, onsets and velocities humanised. The clip starts at a random point
// of a bar, as an excerpt of a longer piece would.
#pragma once

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "datasets/synth/score.h"
#include "datasets/synth/styles.h"

namespace hearsay::datasets::synth {

/// MIDI channels of the parts (each stem has its own synth, so they only need to differ within a stem).
constexpr int kBassChannel = 1;
constexpr int kHarmonyChannel = 2;
constexpr int kLeadChannel = 3;
constexpr int kTimpaniChannel = 8;

struct ComposedTrack {
  Score score;
  nlohmann::json facts;  ///< what was drawn: style, tempo, key, mode, meter, groove, instruments, ...
};

/// A `seconds`-long track in `style`; the same rng state gives the same track.
ComposedTrack compose_genre_track(const GenreStyle& style, double seconds, Rng& rng);

}  // namespace hearsay::datasets::synth
