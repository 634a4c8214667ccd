#include "datasets/synth/composer.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "datasets/synth/general_midi.h"

namespace hearsay::datasets::synth {

namespace {

enum Stem : size_t { kDrums = 0, kBass = 1, kHarmony = 2, kLead = 3 };

template <class T>
const T& pick(const std::vector<T>& items, Rng& rng) {
  HEARSAY_CHECK(!items.empty(), "synth: a style offers no choice where one is needed");
  return items[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(items.size()) - 1))];
}

// A chord placed in time, in beats from the start of bar 0.
struct TimedChord {
  double start = 0.0;
  double beats = 0.0;
  Chord chord;
};

class Composer {
 public:
  Composer(const GenreStyle& style, double seconds, Rng& rng) : style_(style), seconds_(seconds), rng_(rng) {
    tempo_ = rng_.uniform(style_.tempo_min, style_.tempo_max);
    beat_seconds_ = 60.0 / tempo_;
    beats_per_bar_ = pick(style_.meters, rng_);
    steps_per_beat_ = style_.steps_per_beat;
    swing_ = rng_.uniform(style_.swing_min, style_.swing_max);
    tonic_ = static_cast<int>(rng_.uniform_int(0, 11));
    minor_ = rng_.bernoulli(style_.minor_probability);
    // The clip starts somewhere in the first bar, like an excerpt of a longer piece.
    offset_beats_ = rng_.uniform(0.0, static_cast<double>(beats_per_bar_));
    bars_ = static_cast<int>(std::ceil(seconds_ / (beat_seconds_ * beats_per_bar_))) + 2;
    score_.seconds = seconds;
    for (const auto& name : kStemNames) score_.stems.push_back({name, {}, {}, 0.0});
  }

  ComposedTrack compose() {
    lay_out_chords();
    drums();
    bass();
    harmony();
    lead();
    for (size_t s = 0; s < kStemNames.size(); ++s) {
      score_.stems[s].gain_db = style_.stem_gain_db[s] + rng_.uniform(-2.0, 2.0);
      facts_["stem_gain_db"][kStemNames[s]] = score_.stems[s].gain_db;
    }
    facts_["style"] = style_.name;
    facts_["tempo_bpm"] = tempo_;
    facts_["key"] = pitch_class_name(tonic_);
    facts_["mode"] = minor_ ? "minor" : "major";
    facts_["beats_per_bar"] = beats_per_bar_;
    facts_["grid"] = steps_per_beat_ == 3 ? "triplets" : "sixteenths";
    facts_["swing"] = swing_;
    return {std::move(score_), std::move(facts_)};
  }

 private:
  // ---- time ----
  double bar_beats() const { return static_cast<double>(beats_per_bar_); }
  double total_beats() const { return bars_ * bar_beats(); }

  // Seconds of a position in beats; off-beat sixteenths are delayed by the swing.
  double time_of(double beat) const {
    double t = beat;
    if (steps_per_beat_ == 4) {
      const double sixteenth = beat * 4.0;
      const double whole = std::round(sixteenth);
      if (std::abs(sixteenth - whole) < 1e-9 && static_cast<int64_t>(whole) % 2 != 0) t += swing_ / 4.0;
    }
    return (t - offset_beats_) * beat_seconds_;
  }

  // Adds a humanised note; notes outside the clip are dropped.
  void note(Stem stem, int channel, double beat, double beats, int key, double velocity, double extra_seconds = 0.0) {
    double start = time_of(beat) + extra_seconds + rng_.normal(0.0, style_.timing_jitter_ms / 1000.0);
    const double duration = std::max(0.03, beats * beat_seconds_);
    if (start < 0.0 || start >= seconds_) return;
    const int v = static_cast<int>(std::lround(velocity + rng_.normal(0.0, style_.velocity_jitter)));
    score_.stems[stem].notes.push_back(
        {start, duration, channel, std::clamp(key, 0, 127), std::clamp(v, 1, 127), kMusicLayer});
  }

  void use(Stem stem, int channel, int bank, int program, int volume = 100) {
    score_.stems[stem].channels.push_back({channel, bank, program, volume, kMusicLayer});
  }

  // ---- harmony in time ----
  void lay_out_chords() {
    const std::string& text = pick(minor_ ? style_.minor_progressions : style_.major_progressions, rng_);
    const std::vector<Chord> progression = parse_progression(text);
    facts_["progression"] = text;
    // Start the loop at a chord that falls on a bar line, so the harmonic rhythm stays in place.
    std::vector<size_t> bar_starts;
    double at = 0.0;
    for (size_t i = 0; i < progression.size(); ++i) {
      if (std::fmod(at, bar_beats()) < 1e-9) bar_starts.push_back(i);
      at += length(progression[i]);
    }
    size_t i = pick(bar_starts, rng_);
    for (double beat = 0.0; beat < total_beats(); i = (i + 1) % progression.size()) {
      const double beats = length(progression[i]);
      chords_.push_back({beat, beats, progression[i]});
      beat += beats;
    }
  }

  double length(const Chord& chord) const { return chord.beats > 0.0 ? chord.beats : bar_beats(); }

  const TimedChord& chord_at(double beat) const {
    for (const auto& c : chords_)
      if (beat < c.start + c.beats - 1e-9) return c;
    return chords_.back();
  }

  int root_pc(const Chord& chord) const { return ((tonic_ + chord.root) % 12 + 12) % 12; }

  // The key of pitch class `pc` in [low, low + 12).
  static int place(int pc, int low) { return low + ((pc - low) % 12 + 12) % 12; }

  // Chord notes as a close voicing whose lowest note is in [low, low + 12).
  std::vector<int> voicing(const Chord& chord, int low, bool rootless = false) const {
    const int root = place(root_pc(chord), low);
    std::vector<int> keys;
    for (int interval : chord.intervals)
      if (!(rootless && interval == 0)) keys.push_back(root + interval);
    if (rootless && keys.size() < 3) keys.push_back(root + 14);
    return keys;
  }

  // ---- drums ----
  void drums() {
    if (style_.kits.empty()) {
      timpani();
      return;
    }
    const int kit = pick(style_.kits, rng_);
    const auto& grooves = beats_per_bar_ == 3 ? style_.grooves_three : style_.grooves;
    const Groove& groove = pick(grooves, rng_);
    use(kDrums, kDrumChannel, kDrumBank, kit);
    facts_["groove"] = groove.name;
    facts_["drum_kit"] = drum_kit_name(kit);
    facts_["instruments"]["drums"] = drum_kit_name(kit) + " kit";
    const int steps = beats_per_bar_ * steps_per_beat_;
    const double step = 1.0 / steps_per_beat_;
    const double level = style_.velocity / 100.0;
    for (int bar = 0; bar < bars_; ++bar) {
      const double bar_start = bar * bar_beats();
      const bool fill = style_.fills && bar % 4 == 3;
      const int fill_from = (beats_per_bar_ - 1) * steps_per_beat_;
      for (const auto& voice : groove.voices) {
        HEARSAY_CHECK(static_cast<int>(voice.hits.size()) == steps, "synth: groove '", groove.name, "' has ",
                      voice.hits.size(), " steps for a ", steps, "-step bar");
        for (int s = 0; s < steps; ++s) {
          const char hit = voice.hits[static_cast<size_t>(s)];
          if (hit == '.' || (fill && s >= fill_from)) continue;
          const double velocity = (hit == 'X' ? 118.0 : hit == 'x' ? 96.0 : 58.0) * level;
          note(kDrums, kDrumChannel, bar_start + s * step, 0.25, voice.key, velocity);
        }
      }
      if (fill) {
        const int toms[] = {kHighTom, kHighTom, kMidTom, kLowTom};
        for (int s = fill_from; s < steps; ++s) {
          const int k = std::min(3, (s - fill_from) * 4 / steps_per_beat_);
          note(kDrums, kDrumChannel, bar_start + s * step, 0.25, toms[k], 100.0 * level);
        }
      }
      if (style_.phrase_crash && bar % 4 == 0) note(kDrums, kDrumChannel, bar_start, 1.0, kCrash, 110.0 * level);
    }
  }

  // Orchestral percussion for styles without a kit: timpani on the tonic or the chord root, a roll
  // before every fourth bar; some pieces have none.
  void timpani() {
    if (rng_.bernoulli(0.3)) {
      facts_["instruments"]["drums"] = "none";
      return;
    }
    use(kDrums, kTimpaniChannel, 0, 47);
    facts_["instruments"]["drums"] = program_name(47);
    for (int bar = 0; bar < bars_; ++bar) {
      const double bar_start = bar * bar_beats();
      const int key = place(root_pc(chord_at(bar_start).chord), 41);
      if (bar % 2 == 0) note(kDrums, kTimpaniChannel, bar_start, 1.0, key, 80);
      if (bar % 4 == 3) {
        const double roll_start = bar_start + bar_beats() - 1.0;
        for (int k = 0; k < 8; ++k) note(kDrums, kTimpaniChannel, roll_start + k / 8.0, 0.125, key, 50 + 5 * k);
      }
    }
  }

  // ---- bass ----
  void bass() {
    const BassPattern pattern = pick(style_.bass_patterns, rng_);
    const int program = pick(style_.bass_programs, rng_);
    use(kBass, kBassChannel, 0, program);
    facts_["bass_pattern"] = bass_pattern_name(pattern);
    facts_["instruments"]["bass"] = program_name(program);
    const double v = style_.velocity;
    auto root_key = [&](double beat) { return place(root_pc(chord_at(beat).chord), 28); };
    auto chord_tone = [&](double beat, size_t index) {
      const Chord& chord = chord_at(beat).chord;
      return root_key(beat) + chord.intervals[index % chord.intervals.size()];
    };
    switch (pattern) {
      case BassPattern::root_fifth:
        for (double b = 0.0; b < total_beats(); b += bar_beats()) {
          note(kBass, kBassChannel, b, 0.9, root_key(b), v);
          if (beats_per_bar_ == 4) note(kBass, kBassChannel, b + 2, 0.9, root_key(b + 2) + 7, v - 8);
        }
        break;
      case BassPattern::walking: {
        int previous = root_key(0.0);
        for (double b = 0.0; b < total_beats(); b += 1.0) {
          const TimedChord& c = chord_at(b);
          int key;
          if (b - c.start < 1e-9) {
            key = root_key(b);
          } else if (c.start + c.beats - b <= 1.0 + 1e-9) {
            key = root_key(c.start + c.beats) + (rng_.bernoulli(0.5) ? 1 : -1);  // chromatic approach
          } else {
            key = chord_tone(b, static_cast<size_t>(rng_.uniform_int(1, 3)));
          }
          while (key - previous > 7) key -= 12;
          while (previous - key > 7) key += 12;
          key = std::clamp(key, 28, 52);
          note(kBass, kBassChannel, b, 0.95, key, v - (std::fmod(b, 2.0) < 1e-9 ? 0 : 8));
          previous = key;
        }
        break;
      }
      case BassPattern::boogie: {
        const int line[] = {0, 4, 7, 9, 10, 9, 7, 4};
        for (double b = 0.0; b < total_beats(); b += 1.0) {
          const bool minor_third = chord_at(b).chord.intervals.size() > 1 && chord_at(b).chord.intervals[1] == 3;
          for (int half = 0; half < 2; ++half) {
            int interval = line[(static_cast<int>(b) % 4) * 2 + half];
            if (interval == 4 && minor_third) interval = 3;
            note(kBass, kBassChannel, b + half * 2.0 / 3.0, half ? 0.3 : 0.6, root_key(b) + interval, v - 6 * half);
          }
        }
        break;
      }
      case BassPattern::octaves:
        for (double b = 0.0; b < total_beats(); b += 0.5)
          note(kBass, kBassChannel, b, 0.4, root_key(b) + (std::fmod(b, 1.0) > 0.25 ? 12 : 0), v);
        break;
      case BassPattern::pulse:
        for (double b = 0.0; b < total_beats(); b += 0.5) {
          const bool pickup = std::fmod(b, bar_beats()) > bar_beats() - 0.75 && rng_.bernoulli(0.5);
          note(kBass, kBassChannel, b, 0.45, root_key(b) + (pickup ? 7 : 0), v - (std::fmod(b, 1.0) > 0.25 ? 10 : 0));
        }
        break;
      case BassPattern::chug:
        for (double b = 0.0; b < total_beats(); b += 0.25)
          note(kBass, kBassChannel, b, 0.22, root_key(b), v - (std::fmod(b, 1.0) < 1e-9 ? 0 : 12));
        break;
      case BassPattern::syncopated:
      case BassPattern::one_drop:
        riff(pattern, root_key, v);
        break;
      case BassPattern::sustained:
        for (const auto& c : chords_) {
          const int key = root_key(c.start);
          if (rng_.bernoulli(0.5) && c.beats >= 2.0) {
            note(kBass, kBassChannel, c.start, c.beats / 2.0, key, v);
            note(kBass, kBassChannel, c.start + c.beats / 2.0, c.beats / 2.0, key + 7, v - 6);
          } else {
            note(kBass, kBassChannel, c.start, c.beats, key, v);
          }
        }
        break;
    }
  }

  // A one-bar riff drawn once and repeated on every bar's chord: hiphop's syncopated line starts on the
  // downbeat, reggae's one-drop line leaves it empty.
  template <class RootKey>
  void riff(BassPattern pattern, RootKey root_key, double v) {
    const int steps = beats_per_bar_ * 4;
    std::vector<int> onsets;
    if (pattern == BassPattern::syncopated) onsets.push_back(0);
    for (int s = 1; s < steps; ++s)
      if (rng_.bernoulli(pattern == BassPattern::syncopated ? 0.22 : 0.4)) onsets.push_back(s);
    if (onsets.empty()) onsets.push_back(2);
    std::vector<int> intervals;
    for (size_t k = 0; k < onsets.size(); ++k) {
      const int choices[] = {0, 0, 7, 12, 10, 3};
      intervals.push_back(k == 0 ? 0 : choices[rng_.uniform_int(0, 5)]);
    }
    for (int bar = 0; bar < bars_; ++bar)
      for (size_t k = 0; k < onsets.size(); ++k) {
        const double b = bar * bar_beats() + onsets[k] / 4.0;
        const int next = k + 1 < onsets.size() ? onsets[k + 1] : steps;
        int interval = intervals[k];
        const Chord& chord = chord_at(b).chord;
        if (interval == 3 && chord.intervals.size() > 1) interval = chord.intervals[1];
        note(kBass, kBassChannel, b, 0.9 * (next - onsets[k]) / 4.0, root_key(b) + interval, v);
      }
  }

  // ---- harmony ----
  void harmony() {
    const HarmonyPart& part = pick(style_.harmony, rng_);
    const int program = pick(part.programs, rng_);
    use(kHarmony, kHarmonyChannel, 0, program);
    facts_["comping"] = comping_name(part.comping);
    facts_["instruments"]["harmony"] = program_name(program);
    const double v = style_.velocity - 10;
    switch (part.comping) {
      case Comping::pad:
        for (const auto& c : chords_) chord(c.start, c.beats, voicing(c.chord, 53), v - 10);
        break;
      case Comping::strum: {
        std::vector<bool> up(static_cast<size_t>(beats_per_bar_));
        for (auto&& u : up) u = rng_.bernoulli(0.6);
        for (double b = 0.0; b < total_beats(); b += 0.5) {
          const bool offbeat = std::fmod(b, 1.0) > 0.25;
          if (offbeat && !up[static_cast<size_t>(std::fmod(b, bar_beats()))]) continue;
          strum(b, 0.45, voicing(chord_at(b).chord, 52), offbeat ? v - 18 : v, offbeat);
        }
        break;
      }
      case Comping::boom_chick:
        for (double b = 1.0; b < total_beats(); b += 1.0)
          if (std::fmod(b, bar_beats()) > 0.5 && (beats_per_bar_ == 3 || static_cast<int>(b) % 2 == 1))
            chord(b, 0.4, voicing(chord_at(b).chord, 55), v);
        break;
      case Comping::skank:
        for (double b = 0.5; b < total_beats(); b += 1.0) chord(b, 0.22, voicing(chord_at(b).chord, 58), v);
        break;
      case Comping::stabs: {
        std::vector<bool> hits(16);
        for (size_t s = 0; s < hits.size(); ++s) hits[s] = rng_.bernoulli(s % 2 ? 0.6 : 0.35);
        for (double b = 0.0; b < total_beats(); b += 0.25)
          if (hits[static_cast<size_t>(std::fmod(b * 4.0, 16.0))]) chord(b, 0.18, voicing(chord_at(b).chord, 60), v);
        break;
      }
      case Comping::arpeggio: {
        const double step = tempo_ < 90.0 ? 0.25 : 0.5;
        const int figure[] = {0, 2, 1, 2};
        int k = 0;
        for (double b = 0.0; b < total_beats(); b += step, ++k) {
          const auto keys = voicing(chord_at(b).chord, 48);
          note(kHarmony, kHarmonyChannel, b, step * 0.95, keys[static_cast<size_t>(figure[k % 4]) % keys.size()],
               v - (k % 4 ? 12 : 0));
        }
        break;
      }
      case Comping::power_chords: {
        const double step = style_.lead_sixteenths ? 0.25 : 0.5;
        const int per_bar = static_cast<int>(std::lround(bar_beats() / step));
        std::vector<bool> rests(static_cast<size_t>(per_bar));
        for (auto&& r : rests) r = rng_.bernoulli(0.15);
        rests[0] = false;
        int k = 0;
        for (double b = 0.0; b < total_beats(); b += step, ++k) {
          if (rests[static_cast<size_t>(k % per_bar)]) continue;
          const int root = place(root_pc(chord_at(b).chord), 40);
          chord(b, step * 0.9, {root, root + 7, root + 12}, v + (k % 2 ? -14 : 0));
        }
        break;
      }
      case Comping::pulse:
        for (double b = 0.0; b < total_beats(); b += 0.5)
          chord(b, 0.45, voicing(chord_at(b).chord, 55), v - (std::fmod(b, 1.0) > 0.25 ? 14 : 0));
        break;
      case Comping::jazz_comp:
        for (int bar = 0; bar < bars_; ++bar) {
          const double start = bar * bar_beats();
          // The Charleston rhythm (beat 1, the swung "and" of 2), sometimes with a push into beat 4.
          const double hits[] = {0.0, 1.0 + 2.0 / 3.0, 2.0 + 2.0 / 3.0};
          for (int h = 0; h < 3; ++h) {
            if (hits[h] >= bar_beats() || (h == 2 && !rng_.bernoulli(0.4)) || (h == 0 && rng_.bernoulli(0.2))) continue;
            const double b = start + hits[h];
            chord(b, rng_.uniform(0.4, 1.2), voicing(chord_at(b).chord, 53, true), v - 6);
          }
        }
        break;
      case Comping::sustained:
        for (int bar = 0; bar < bars_; ++bar) {
          const double start = bar * bar_beats();
          chord(start, bar_beats() * 0.9, voicing(chord_at(start).chord, 53), v - 6);
          if (rng_.bernoulli(0.4)) chord(start + 2.5, 1.0, voicing(chord_at(start + 2.5).chord, 53), v - 16);
        }
        break;
    }
  }

  void chord(double beat, double beats, const std::vector<int>& keys, double velocity) {
    for (int key : keys) note(kHarmony, kHarmonyChannel, beat, beats, key, velocity);
  }

  // A guitar strum: the notes of a chord a few milliseconds apart, low to high on the down-stroke.
  void strum(double beat, double beats, std::vector<int> keys, double velocity, bool upstroke) {
    if (upstroke) std::reverse(keys.begin(), keys.end());
    for (size_t k = 0; k < keys.size(); ++k)
      note(kHarmony, kHarmonyChannel, beat, beats, keys[k], velocity - 3.0 * k, 0.012 * static_cast<double>(k));
  }

  // ---- lead ----
  void lead() {
    const auto& scale = pick(minor_ ? style_.minor_scales : style_.major_scales, rng_);
    const int program = pick(style_.lead_programs, rng_);
    use(kLead, kLeadChannel, 0, program);
    facts_["instruments"]["lead"] = program_name(program);
    facts_["melody_scale"] = scale;
    const int n = static_cast<int>(scale.size());
    const int tonic_key = place(tonic_, style_.lead_low);
    auto key_of = [&](int degree) {
      const int octave = degree >= 0 ? degree / n : -((-degree + n - 1) / n);
      return tonic_key + scale[static_cast<size_t>(degree - octave * n)] + 12 * octave;
    };
    int low = 0, high = 0;
    while (key_of(low - 1) >= style_.lead_low) --low;
    while (key_of(high + 1) <= style_.lead_high) ++high;

    // A rhythm motif of one or two bars, repeated; positions on an eighth grid (sixteenths for fast
    // styles; swung eighths on the triplet grid).
    const double unit = style_.lead_sixteenths ? 0.25 : 0.5;
    const int motif_bars = style_.lead_density > 0.55 ? 1 : 2;
    const int positions = static_cast<int>(std::lround(motif_bars * bar_beats() / unit));
    std::vector<int> onsets;
    for (int p = 0; p < positions; ++p) {
      const bool on_beat = std::fmod(p * unit, 1.0) < 1e-9;
      if (rng_.bernoulli(std::min(0.95, style_.lead_density * (on_beat ? 1.3 : 0.8)))) onsets.push_back(p);
    }
    if (onsets.empty()) onsets.push_back(0);
    auto position_beat = [&](int p) {
      double b = p * unit;
      if (steps_per_beat_ == 3 && !style_.lead_sixteenths && std::fmod(b, 1.0) > 0.25) b += 1.0 / 6.0;
      return b;
    };

    int degree = std::clamp((low + high) / 2 + static_cast<int>(rng_.uniform_int(-2, 2)), low, high);
    std::vector<int> motif_degrees;
    const double motif_beats = motif_bars * bar_beats();
    for (int m = 0; m * motif_beats < total_beats(); ++m) {
      const double start = m * motif_beats;
      const bool repeat = !motif_degrees.empty() && rng_.bernoulli(0.5);
      const bool breathe = m % 2 == 1 && rng_.bernoulli(0.4);
      std::vector<int> degrees;
      for (size_t k = 0; k < onsets.size(); ++k) {
        const double b = start + position_beat(onsets[k]);
        const int next = k + 1 < onsets.size() ? onsets[k + 1] : positions;
        if (breathe && onsets[k] * unit >= motif_beats / 2.0) break;
        if (repeat && k < motif_degrees.size()) {
          degree = motif_degrees[k];
        } else {
          degree = step_melody(degree, low, high);
          if (std::fmod(b, 1.0) < 1e-9) degree = nearest_chord_tone(degree, key_of, chord_at(b).chord, low, high);
        }
        degrees.push_back(degree);
        const double beats = std::min(2.0, (next - onsets[k]) * unit) * 0.9;
        note(kLead, kLeadChannel, b, beats, key_of(degree), style_.velocity + (std::fmod(b, 1.0) < 1e-9 ? 6 : -4));
      }
      if (!repeat) motif_degrees = degrees;
    }
  }

  // A melodic step: mostly seconds, some thirds and leaps, turned back at the edges of the register.
  int step_melody(int degree, int low, int high) {
    const int moves[] = {-4, -2, -1, -1, -1, 0, 1, 1, 1, 2, 3};
    int next = degree + moves[rng_.uniform_int(0, 10)];
    if (next < low) next = low + (low - next);
    if (next > high) next = high - (next - high);
    return std::clamp(next, low, high);
  }

  template <class KeyOf>
  int nearest_chord_tone(int degree, KeyOf key_of, const Chord& chord, int low, int high) const {
    for (int distance = 0; distance <= 2; ++distance)
      for (int d : {degree - distance, degree + distance}) {
        if (d < low || d > high) continue;
        const int pc = ((key_of(d) - tonic_ - chord.root) % 12 + 12) % 12;
        if (std::find(chord.intervals.begin(), chord.intervals.end(), pc) != chord.intervals.end()) return d;
      }
    return degree;
  }

  const GenreStyle& style_;
  double seconds_;
  Rng& rng_;
  double tempo_ = 120.0;
  double beat_seconds_ = 0.5;
  int beats_per_bar_ = 4;
  int steps_per_beat_ = 4;
  double swing_ = 0.0;
  int tonic_ = 0;
  bool minor_ = false;
  double offset_beats_ = 0.0;
  int bars_ = 0;
  std::vector<TimedChord> chords_;
  Score score_;
  nlohmann::json facts_;
};

}  // namespace

ComposedTrack compose_genre_track(const GenreStyle& style, double seconds, Rng& rng) {
  HEARSAY_CHECK_AS(ConfigError, seconds > 0.0, "synth: track length must be > 0 s, got ", seconds);
  return Composer(style, seconds, rng).compose();
}

}  // namespace hearsay::datasets::synth
