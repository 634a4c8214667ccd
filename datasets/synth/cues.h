// Planted causes: short motifs, one per class, each on its own instrument with its own pitch shape,
// so that the cue alone decides a planted-cause clip's label; and distractors, motifs of the same
// kind on other instruments that belong to no class. Neither instrument set appears in any genre
// palette, so a background never sounds like a cue. Every key of every cue at every transposition up
// to ±2 lies inside its TimGM6mb preset's key range (tests/datasets/synth_test.cpp checks it).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/random.h"
#include "datasets/synth/score.h"

namespace hearsay::datasets::synth {

constexpr int kCueChannel = 10;
constexpr int kDistractorChannel = 11;

/// One event of a cue motif: when (seconds after the cue starts), how long, and which keys
/// (semitones above the cue's base key; several keys make a chord).
struct CueNote {
  double onset = 0.0;
  double duration = 0.0;
  std::vector<int> keys;
};

struct CueSpec {
  std::string name;  ///< the class name, e.g. "glockenspiel_arpeggio"
  int program = 0;   ///< GM program
  int base_key = 60;
  std::vector<CueNote> notes;
  /// Seconds from the first onset to the last note-off.
  double length() const;
};

/// The ten planted-cause classes, in class order.
const std::vector<CueSpec>& planted_cues();

/// A cue cut in two by onset: the first half of its notes (rounded down, at least one) and the rest,
/// each keeping its onsets relative to the cue's start, so both parts added at the same `start` play
/// the whole cue. Chords count as one note. The cue must have at least two notes.
std::pair<CueSpec, CueSpec> split_cue(const CueSpec& cue);

/// Adds `cue` to `stem` starting at `start` seconds, transposed by `transpose` semitones, on
/// kCueChannel in kCueLayer (rendered alone, so its ground truth is measured from it alone).
void add_cue(StemScore& stem, const CueSpec& cue, double start, int transpose);

/// Adds a motif that belongs to no class (3–6 notes of a random distractor instrument) to `stem` at
/// `start`, in layer kDistractorLayer + `index`; returns what it added (stem, span, instrument) for
/// meta.json.
nlohmann::json add_distractor(StemScore& stem, int index, double start, Rng& rng);

/// The longest a distractor lasts, in seconds.
constexpr double kDistractorMaxSeconds = 1.25;

}  // namespace hearsay::datasets::synth
