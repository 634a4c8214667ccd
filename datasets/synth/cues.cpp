#include "datasets/synth/cues.h"

#include <algorithm>

#include "core/error.h"
#include "datasets/synth/general_midi.h"

namespace hearsay::datasets::synth {

namespace {

// Evenly spaced single notes: a melodic figure.
std::vector<CueNote> figure(const std::vector<int>& keys, double spacing, double duration) {
  std::vector<CueNote> notes;
  for (size_t i = 0; i < keys.size(); ++i) notes.push_back({spacing * static_cast<double>(i), duration, {keys[i]}});
  return notes;
}

std::vector<CueSpec> make_cues() {
  return {
      {"glockenspiel_arpeggio", 9, 84, figure({0, 4, 7, 12}, 0.15, 0.3)},
      {"tubular_bells_descent", 14, 72, figure({12, 7, 4, 0}, 0.25, 0.4)},
      {"church_organ_chords", 19, 60, {{0.0, 0.3, {0, 4, 7}}, {0.4, 0.3, {0, 4, 7}}, {0.8, 0.35, {-2, 2, 5}}}},
      {"pizzicato_run", 45, 67, figure({0, 2, 4, 5, 7, 9, 11, 12}, 0.1, 0.12)},
      {"orchestra_hits", 55, 60, {{0.0, 0.2, {0, 7}}, {0.3, 0.2, {0, 7}}, {0.6, 0.25, {3, 10}}}},
      {"whistle_call", 78, 69, figure({0, 5, 0, 7}, 0.2, 0.18)},
      {"sitar_figure", 104, 62, figure({0, 1, 4, 5, 4, 1, 0}, 0.12, 0.14)},
      {"koto_pluck", 107, 69, figure({0, 5, 7, 12, 7}, 0.16, 0.3)},
      {"kalimba_pattern", 108, 72, figure({0, 7, 3, 7, 0, 7}, 0.12, 0.2)},
      {"steel_drum_riff", 114, 65, figure({0, 4, 7, 4, 9}, 0.14, 0.2)},
  };
}

// Melodic percussion and folk instruments used by no style and no cue.
const int kDistractorPrograms[] = {10, 12, 13, 15, 75, 77, 79, 106, 109, 112, 113, 115};

}  // namespace

double CueSpec::length() const {
  double end = 0.0;
  for (const auto& n : notes) end = std::max(end, n.onset + n.duration);
  return end;
}

const std::vector<CueSpec>& planted_cues() {
  static const std::vector<CueSpec> cues = make_cues();
  return cues;
}

std::pair<CueSpec, CueSpec> split_cue(const CueSpec& cue) {
  HEARSAY_CHECK(cue.notes.size() >= 2, "synth: cue '", cue.name, "' has ", cue.notes.size(),
                " note(s); splitting it needs at least 2");
  std::vector<CueNote> notes = cue.notes;
  std::stable_sort(notes.begin(), notes.end(), [](const CueNote& a, const CueNote& b) { return a.onset < b.onset; });
  const auto half = static_cast<std::ptrdiff_t>(notes.size() / 2);
  CueSpec first = cue, second = cue;
  first.notes.assign(notes.begin(), notes.begin() + half);
  second.notes.assign(notes.begin() + half, notes.end());
  return {std::move(first), std::move(second)};
}

void add_cue(StemScore& stem, const CueSpec& cue, double start, int transpose) {
  stem.channels.push_back({kCueChannel, 0, cue.program, 100, kCueLayer});
  for (const auto& n : cue.notes)
    for (int key : n.keys)
      stem.notes.push_back({start + n.onset, n.duration, kCueChannel, cue.base_key + transpose + key, 110, kCueLayer});
}

nlohmann::json add_distractor(StemScore& stem, int index, double start, Rng& rng) {
  const int layer = kDistractorLayer + index;
  const int program = kDistractorPrograms[rng.uniform_int(0, std::size(kDistractorPrograms) - 1)];
  stem.channels.push_back({kDistractorChannel, 0, program, 100, layer});
  const int count = static_cast<int>(rng.uniform_int(3, 6));
  const double spacing = rng.uniform(0.1, 0.2);
  const int pentatonic[] = {0, 2, 4, 7, 9, 12, 14, 16};
  const int base = static_cast<int>(rng.uniform_int(60, 76));
  double end = start;
  for (int k = 0; k < count; ++k) {
    const double onset = start + spacing * k;
    const double duration = spacing * 1.2;
    stem.notes.push_back({onset, duration, kDistractorChannel, base + pentatonic[rng.uniform_int(0, 7)],
                          static_cast<int>(rng.uniform_int(100, 120)), layer});
    end = onset + duration;
  }
  return {{"stem", stem.name},
          {"start_seconds", start},
          {"end_seconds", end},
          {"program", program},
          {"instrument", program_name(program)}};
}

}  // namespace hearsay::datasets::synth
