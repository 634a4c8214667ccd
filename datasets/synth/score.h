// A track as MIDI-like events, one part per stem: what the composer writes and the renderer plays.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace hearsay::datasets::synth {

/// The stems of every synthetic track, in this order; the mix is their sum.
inline const std::array<std::string, 4> kStemNames = {"drums", "bass", "harmony", "lead"};

/// What a note belongs to: the music, the planted cue, or distractor k (kDistractorLayer + k). Each
/// layer other than the music is rendered by a synth of its own and added to its stem at a set level.
constexpr int kMusicLayer = 0;
constexpr int kCueLayer = 1;
constexpr int kDistractorLayer = 2;

struct NoteEvent {
  double start = 0.0;     ///< seconds from the start of the track
  double duration = 0.0;  ///< seconds until the note-off
  int channel = 0;        ///< MIDI channel 0..15 (9 is GM percussion)
  int key = 60;           ///< MIDI key 0..127
  int velocity = 100;     ///< 1..127
  int layer = kMusicLayer;
};

/// The instrument on one MIDI channel of a stem's synth.
struct ChannelSetup {
  int channel = 0;
  int bank = 0;      ///< 128 for drum kits
  int program = 0;   ///< GM program, or the kit number in bank 128
  int volume = 100;  ///< MIDI CC 7, 0..127
  int layer = kMusicLayer;
};

/// One stem: its channels and notes; the music layer is rendered by one fresh synth and scaled by
/// `gain_db`.
struct StemScore {
  std::string name;
  std::vector<ChannelSetup> channels;
  std::vector<NoteEvent> notes;
  double gain_db = 0.0;
};

struct Score {
  double seconds = 0.0;
  std::vector<StemScore> stems;  ///< one per name in kStemNames, in that order
};

}  // namespace hearsay::datasets::synth
