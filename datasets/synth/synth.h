// The synthetic music generator behind `hearsay synth`: sets of tracks rendered from General MIDI
// soundfont instruments, each with its true stems (drums, bass, harmony, lead) and, in the planted
// and shortcut modes, the recorded place (stem, time span, frequency band) of a cue.
//
// Modes
//  - genres: N of the ten GTZAN-like styles (datasets/synth/styles.h); the label is the style.
//  - planted: the label is decided by a cue alone: one of N short motifs (datasets/synth/cues.h) put
//    in one randomly chosen stem at a random time, over a background in a random style (independent of
//    the label), with distractor motifs of no class in other stems and at other times. The cue and each
//    distractor are rendered by synths of their own and added to their stems at a set level: RMS over
//    the event's span against the music's RMS over the whole clip, cue_snr_db (+6 dB) and
//    distractor_snr_db (0 dB), so every cue is equally salient whatever its instrument. (At 0 dB a
//    small CNN trained on 4 x 100 tracks reached only about 60 % on held-out tracks; at +6 dB it reached
//    90-97 %.) Ground truth kind "planted". With cue_stems 2 the cue is split: its first half of notes
//    (by onset) stays in that stem and the rest goes to a second random stem, each part rendered by a
//    synth of its own and the two levelled together as one cue, so the mix sounds as with cue_stems 1
//    (every other draw is the same: the track is its unsplit twin with part of the cue moved) while a
//    stems x segments explanation must find both parts; one ground-truth entry per part, measured from
//    that part alone.
//  - and_cue: the label needs two motifs together. Two classes: "both_motifs" tracks hold motif A
//    (planted_cues()[0]) and motif B (planted_cues()[1]) in two different random stems at random
//    times that do not overlap, "one_motif" tracks hold only one of them (A or B, 50/50) in the place
//    it would have had. Levels, background and distractors as in planted mode; ground truth kind
//    "planted", one entry per motif present.
//  - shortcut ("Clever Hans"): genres, plus a faint pure tone (shortcut_hz, shortcut_level_db,
//    shortcut_seconds long, in a random stem at a random time) on every training and validation track
//    of one genre and on a random shortcut_test_probability of the test tracks of every genre. A model
//    that learns the tone instead of the music fails on the test tracks; an explanation that finds the
//    tone reveals it. Ground truth kind "shortcut". The music of a track does not depend on whether it
//    carries the tone.
//
// Exactness: each stem is rendered by its own fresh synth, the whole track is scaled so that neither
// the mix nor any stem peaks above `peak`, every stem is rounded to 16-bit PCM values, and the mix is
// defined as the exact sum of the rounded stems. 16-bit WAV or FLAC files then hold stems and mix
// exactly, and the stems read back sum to the mix read back to float rounding.
//
// Determinism: track k of class c is made from derive_seed(derive_seed(seed, c), k) alone, so the same
// options give bit-identical files for any number of threads, and adding tracks per class leaves the
// existing ones unchanged.
//
// On disk (OUT is the output folder):
//   OUT/genres/<class>/<class>.NNNNN.flac         the mixes, in GTZAN layout (.wav with format "wav")
//   OUT/stems/<class>/<class>.NNNNN/<stem>.flac   the stems
//   OUT/meta/<class>/<class>.NNNNN.json           per track: class, seed, split, tempo, key, instruments,
//                                                 stem paths, ground truth, the generator's options
//   OUT/splits/{train,val,test}.txt               a fixed stratified split, one id per line
//   OUT/manifest.json                             the dataset manifest (written last)
// Each track is written under OUT/.partial/ and renamed into place, meta file last; a re-run with the
// same options keeps the tracks whose meta file exists, so an interrupted run resumes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audio.h"
#include "core/options.h"
#include "datasets/dataset.h"
#include "datasets/synth/composer.h"
#include "datasets/synth/fluid_renderer.h"

namespace hearsay::datasets::synth {

enum class SynthMode { genres, planted, shortcut, and_cue };
enum class SynthFormat { wav, flac };

struct SynthOptions {
  SynthMode mode = SynthMode::genres;  ///< genres, planted, shortcut or and_cue (see above)
  int genres = 10;       ///< classes: the first N styles, or N planted cues; 1..10 (shortcut: 2..10; and_cue: 2)
  int per_genre = 20;    ///< tracks per class, >= 1
  double seconds = 6.0;  ///< length of every track in seconds, (0, 600] (planted: >= 2; and_cue: >= 4)
  uint64_t seed = 1;     ///< every random choice derives from it
  std::string soundfont = kDefaultSoundfont;  ///< General MIDI .sf2 file
  int sample_rate = 22050;                    ///< Hz, 8000..96000 (22050: GTZAN's rate and the front-end's)
  SynthFormat format = SynthFormat::flac;     ///< 16-bit PCM FLAC (2.3x smaller) or WAV (reads 5x faster)
  double peak = 0.89;                         ///< the highest sample of any mix or stem, (0, 0.99]
  double val_fraction = 0.1;                  ///< share of each class in splits/val.txt, [0, 1)
  double test_fraction = 0.2;                 ///< share of each class in splits/test.txt, [0, 1)
  int distractors = 2;                        ///< planted: distractor motifs per track, 0..8
  int cue_transpose = 2;                      ///< planted: each cue is transposed by up to ± this, 0..2
  int cue_stems = 1;                          ///< planted: stems the cue is split across, 1 or 2
  double cue_snr_db = 6.0;           ///< planted: cue RMS over its span vs the music's RMS over the clip, [-30, 30]
  double distractor_snr_db = 0.0;    ///< planted: the same for each distractor, [-30, 30]
  std::string shortcut_genre;        ///< shortcut: the genre whose training tracks carry the tone ("": the first)
  double shortcut_hz = 6000.0;       ///< shortcut: tone frequency, (20, sample_rate / 2)
  double shortcut_level_db = -30.0;  ///< shortcut: tone peak in dBFS, [-80, -6]
  double shortcut_seconds = 2.0;     ///< shortcut: tone length, (0, seconds]
  double shortcut_test_probability = 0.5;  ///< shortcut: share of test tracks (any genre) with the tone

  template <class V>
  void visit(V& v) {
    v.choice("mode", mode,
             {{"genres", SynthMode::genres},
              {"planted", SynthMode::planted},
              {"shortcut", SynthMode::shortcut},
              {"and_cue", SynthMode::and_cue}},
             "genres: the label is the style; planted: the label is a cue; shortcut: genres plus a spurious cue; "
             "and_cue: the label is whether two motifs are both present");
    v("genres", genres, "number of classes (styles or planted cues)", Range::between(1, 10));
    // Bounded so that a typo cannot plan (and allocate for) billions of tracks.
    v("per_genre", per_genre, "tracks per class", Range::between(1, 100000));
    v("seconds", seconds, "length of every track in seconds", Range{0.0, 600.0, true, false});
    v("seed", seed, "seed of every random choice");
    v("soundfont", soundfont, "General MIDI soundfont (.sf2)");
    v("sample_rate", sample_rate, "sample rate in Hz", Range::between(8000, 96000));
    v.choice("format", format, {{"wav", SynthFormat::wav}, {"flac", SynthFormat::flac}}, "16-bit PCM file format");
    v("peak", peak, "highest sample of any mix or stem", Range{0.0, 0.99, true, false});
    v("val_fraction", val_fraction, "share of each class in the validation split", Range{0.0, 1.0, false, true});
    v("test_fraction", test_fraction, "share of each class in the test split", Range{0.0, 1.0, false, true});
    v("distractors", distractors, "planted: distractor motifs per track", Range::between(0, 8));
    v("cue_transpose", cue_transpose, "planted: largest cue transposition in semitones", Range::between(0, 2));
    v("cue_stems", cue_stems, "planted: stems the cue is split across (2: first half of its notes in one)",
      Range::between(1, 2));
    v("cue_snr_db", cue_snr_db, "planted: cue RMS over its span against the music's RMS over the clip, in dB",
      Range::between(-30.0, 30.0));
    v("distractor_snr_db", distractor_snr_db, "planted: each distractor's RMS against the music's RMS, in dB",
      Range::between(-30.0, 30.0));
    v("shortcut_genre", shortcut_genre, "shortcut: genre whose training tracks carry the tone (empty: the first)");
    v("shortcut_hz", shortcut_hz, "shortcut: tone frequency in Hz", Range{20.0, 48000.0, true, true});
    v("shortcut_level_db", shortcut_level_db, "shortcut: tone peak in dBFS", Range::between(-80.0, -6.0));
    v("shortcut_seconds", shortcut_seconds, "shortcut: tone length in seconds", Range::greater_than(0.0));
    v("shortcut_test_probability", shortcut_test_probability, "shortcut: share of test tracks with the tone",
      Range::probability());
  }
  /// Checks what involves several fields (ConfigError naming them).
  void validate() const;
  /// 16-bit file extension: ".wav" or ".flac".
  std::string extension() const { return format == SynthFormat::wav ? ".wav" : ".flac"; }
};

/// The class names of a set: the first `genres` style names, planted cue names, or and_cue's two.
std::vector<std::string> synth_classes(const SynthOptions& options);

/// One track of a set, before anything is composed.
struct TrackPlan {
  size_t index = 0;        ///< position in the set, class by class
  int label = 0;           ///< class index
  std::string class_name;  ///< synth_classes()[label]
  std::string id;          ///< "<class>.NNNNN", NNNNN counting from 0 within the class
  uint64_t seed = 0;       ///< the track's own seed
  std::string split;       ///< "train", "val" or "test" (stratified_split of the labels with `seed`)
  bool shortcut = false;   ///< carries the shortcut tone (shortcut mode)
};

/// Every track of the set, class by class.
std::vector<TrackPlan> plan_tracks(const SynthOptions& options);

/// A pure tone added to one stem after scaling (shortcut mode).
struct ShortcutTone {
  size_t stem = 0;
  double start = 0.0;    ///< seconds
  double seconds = 0.0;  ///< length, including 10 ms raised-cosine fades
  double hz = 0.0;
  double amplitude = 0.0;  ///< peak, in full-scale units
};

/// A planted cue or motif of a track: its notes are in layer kCueLayer of each stem it has a part in.
/// The parts are rendered alone but levelled together, as one cue; each part is a ground-truth entry.
struct PlantedCue {
  struct Part {
    size_t stem = 0;
    std::string description;  ///< the ground truth's, naming the cue (and the part, the motif)
  };
  std::vector<Part> parts;  ///< in distinct stems
};

/// A track's score, what was drawn for it, its planted cues and its shortcut tone if any.
struct TrackScore {
  ComposedTrack music;               ///< score and facts (style, tempo, key, ..., cue and distractors)
  std::vector<PlantedCue> cues;      ///< planted and and_cue modes
  std::optional<ShortcutTone> tone;  ///< shortcut mode only
};

/// Composes a planned track (no audio yet). Deterministic in (options, plan).
TrackScore compose_track(const SynthOptions& options, const TrackPlan& plan);

struct RenderedTrack {
  std::vector<Audio> stems;  ///< kStemNames order; every sample an integer multiple of 1/32768
  Audio mix;                 ///< exactly the sum of the stems
  std::vector<GroundTruth> ground_truth;
  double gain = 1.0;  ///< the scale applied to the rendered stems so the peak is options.peak
};

/// Renders the stems (the music of each by a fresh synth, each cue part and each distractor by synths
/// of their own, added at their set levels; a split cue's parts levelled together), scales them, sums
/// the mix, and measures each cue part's ground truth from that part alone: the time span and the
/// frequency band holding 99.5 % of its energy. `gain` replaces the
/// scale that puts the peak at options.peak, to render a variant of a track (say, without its cue) at the gain recorded
/// in its meta file.
RenderedTrack render_track(const SynthOptions& options, const TrackScore& track, const FluidRenderer& renderer,
                           std::optional<double> gain = std::nullopt);

struct SynthSummary {
  size_t tracks = 0;    ///< in the set
  size_t rendered = 0;  ///< made by this run
  size_t kept = 0;      ///< already complete from an earlier run with the same options
  /// Damaged records met and made again (a 0-byte or unparsable meta file, e.g. after a full disk),
  /// one line each naming the file.
  std::vector<std::string> repaired;
};

/// Called after each track with (tracks done, tracks in the set); from one thread at a time.
using SynthProgress = std::function<void(size_t done, size_t total)>;

/// Writes the whole set into `out_dir` (see the layout above), tracks in parallel over
/// hearsay::num_threads() threads. ConfigError when `out_dir` holds tracks made with other options.
SynthSummary write_synthetic_dataset(const SynthOptions& options, const std::string& out_dir,
                                     const SynthProgress& progress = {});

}  // namespace hearsay::datasets::synth
