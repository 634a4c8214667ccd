// The ten GTZAN-like genre styles (Tzanetakis & Cook 2002 list blues, classical, country, disco,
// hiphop, jazz, metal, pop, reggae, rock) as rules a composer follows: tempo range, meter, swing,
// drum grooves, bass line pattern, chord progressions and comping rhythm, instrument palettes (GM
// programs) and melody scales. Each rule is a set of choices; every track draws its own (key, tempo,
// instruments, variants), and palettes overlap between genres, so no single feature names the genre.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace hearsay::datasets::synth {

/// One drum voice of a groove: a GM percussion key and one character per grid step
/// ('X' accent, 'x' normal, 'o' ghost, '.' rest).
struct DrumVoice {
  int key = 0;
  std::string hits;
};

/// A one-bar drum pattern; every voice has beats_per_bar · steps_per_beat steps.
struct Groove {
  std::string name;
  std::vector<DrumVoice> voices;
};

enum class BassPattern {
  root_fifth,  ///< country: root and fifth on the strong beats
  walking,     ///< jazz, blues: a note per beat, chord tones and a chromatic approach to the next root
  boogie,      ///< blues: 1-3-5-6-b7-6-5-3 on the shuffle
  octaves,     ///< disco: root and upper octave in eighths
  pulse,       ///< rock, pop: the root repeated in eighths
  chug,        ///< metal: the root in sixteenths under the guitar
  syncopated,  ///< hiphop: a sparse, syncopated one-bar riff repeated
  one_drop,    ///< reggae: a melodic riff that leaves the downbeat empty
  sustained,   ///< classical: the root held (cello, contrabass)
};

enum class Comping {
  pad,           ///< chords held for their whole length (strings, organ, pads)
  strum,         ///< strummed eighths with the notes of a chord a few ms apart (guitar)
  boom_chick,    ///< country: chords on the off-beats
  skank,         ///< reggae: short chords on every off-beat eighth
  stabs,         ///< disco: muted sixteenth chops
  arpeggio,      ///< classical: broken chords (Alberti figures)
  power_chords,  ///< rock, metal: root-fifth-octave chords in eighths or sixteenths
  pulse,         ///< pop: the chord repeated in eighths, accented on the beat
  jazz_comp,     ///< jazz: rootless voicings on syncopated hits
  sustained,     ///< hiphop: long chords on the downbeat, sometimes hit again
};

/// "root_fifth", "walking", ... as in the enums above (for meta files).
const char* bass_pattern_name(BassPattern pattern);
const char* comping_name(Comping comping);

/// A comping rhythm and the GM programs that play it in a style.
struct HarmonyPart {
  Comping comping = Comping::pad;
  std::vector<int> programs;
};

struct GenreStyle {
  std::string name;
  double tempo_min = 90.0;  ///< beats per minute
  double tempo_max = 120.0;
  std::vector<int> meters = {4};  ///< beats per bar to choose from
  int steps_per_beat = 4;         ///< 4: sixteenths; 3: triplets (shuffle, swing)
  double swing_min = 0.0;         ///< delay of off-beat sixteenths in steps (steps_per_beat 4 only)
  double swing_max = 0.0;
  double minor_probability = 0.3;
  std::vector<Groove> grooves;        ///< for 4 beats per bar
  std::vector<Groove> grooves_three;  ///< for 3 beats per bar (when 3 is among the meters)
  std::vector<int> kits;              ///< GS drum kits; empty: timpani on the drums stem instead
  bool phrase_crash = false;          ///< a crash cymbal opens every fourth bar
  bool fills = false;                 ///< a tom fill ends every fourth bar
  std::vector<BassPattern> bass_patterns;
  std::vector<int> bass_programs;
  std::vector<std::string> major_progressions;  ///< Roman numerals, see parse_progression
  std::vector<std::string> minor_progressions;
  std::vector<HarmonyPart> harmony;            ///< comping rhythms, each with the instruments that play it
  std::vector<std::vector<int>> major_scales;  ///< melody scales, semitones above the tonic
  std::vector<std::vector<int>> minor_scales;
  std::vector<int> lead_programs;
  double lead_density = 0.5;     ///< chance of a melody onset on each eighth
  bool lead_sixteenths = false;  ///< melodies run in sixteenths
  int lead_low = 60;             ///< melody register (MIDI keys, before transposition to the key)
  int lead_high = 79;
  std::array<double, 4> stem_gain_db = {0, 0, 0, 0};  ///< drums, bass, harmony, lead
  double timing_jitter_ms = 8.0;                      ///< standard deviation of humanised onsets
  double velocity_jitter = 8.0;                       ///< standard deviation of humanised velocities
  int velocity = 96;                                  ///< typical velocity
};

/// The ten styles, in GTZAN's (alphabetical) order.
const std::vector<GenreStyle>& genre_styles();
/// The names of genre_styles(), in order.
std::vector<std::string> genre_names();

/// One chord of a progression: root in semitones above the tonic, intervals above the root, length.
struct Chord {
  std::string symbol;  ///< as written, e.g. "bVII7"
  int root = 0;
  std::vector<int> intervals;
  double beats = 0.0;  ///< 0: one bar
};

/// Parses "I7 IV7 ii7:2 V7:2 bVImaj7 i5 iih7": a Roman numeral (upper case major, lower case minor,
/// optional b or # before it), an optional quality (7, maj7, 9, 5 power chord, o diminished, h7
/// half-diminished) and an optional ":beats" (default: one bar). ConfigError naming the symbol.
std::vector<Chord> parse_progression(const std::string& text);

}  // namespace hearsay::datasets::synth
