#include "datasets/synth/synth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>

#include "core/audio_io.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "core/stft.h"
#include "core/version.h"
#include "datasets/manifest.h"
#include "datasets/split.h"
#include "datasets/synth/cues.h"
#include "datasets/synth/general_midi.h"
#include "datasets/synth/styles.h"

#ifdef HEARSAY_HAVE_OPENMP
#include <omp.h>
#endif

namespace hearsay::datasets::synth {

namespace fs = std::filesystem;

namespace {

constexpr double kFullScale = 32768.0;
// Shares of a cue's energy outside its recorded span (and band), at each end.
constexpr double kExtentTail = 0.0025;

int thread_index() {
#ifdef HEARSAY_HAVE_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

int style_index(const std::string& name) {
  const auto names = genre_names();
  const auto it = std::find(names.begin(), names.end(), name);
  HEARSAY_CHECK_AS(ConfigError, it != names.end(), "synth: unknown genre '", name,
                   "'; valid: ", hearsay::detail::join_names(names));
  return static_cast<int>(it - names.begin());
}

// ---- ground truth from a cue rendered alone ----

struct Extent {
  double start = 0.0, end = 0.0, low_hz = 0.0, high_hz = 0.0;
};

// Index of the first element at which the running sum of `values` exceeds `fraction` of their total,
// counted from the front, or from the back when `from_back`.
size_t quantile_index(const std::vector<double>& values, double fraction, bool from_back) {
  double total = 0.0;
  for (double v : values) total += v;
  double sum = 0.0;
  for (size_t k = 0; k < values.size(); ++k) {
    const size_t i = from_back ? values.size() - 1 - k : k;
    sum += values[i];
    if (sum > fraction * total) return i;
  }
  return from_back ? 0 : values.size() - 1;
}

// The time span and frequency band that hold all but 2 · kExtentTail of a signal's energy.
Extent measure_extent(const std::vector<float>& x, int rate) {
  constexpr int64_t kFrame = 64;  // fluidsynth's block size: its onsets fall on these boundaries
  std::vector<double> frame_energy(static_cast<size_t>((static_cast<int64_t>(x.size()) + kFrame - 1) / kFrame));
  for (size_t i = 0; i < x.size(); ++i) frame_energy[i / kFrame] += static_cast<double>(x[i]) * x[i];
  Extent e;
  e.start = static_cast<double>(quantile_index(frame_energy, kExtentTail, false) * kFrame) / rate;
  e.end = std::min(static_cast<double>((quantile_index(frame_energy, kExtentTail, true) + 1) * kFrame),
                   static_cast<double>(x.size())) /
          rate;

  StftOptions so;
  so.n_fft = 2048;
  so.hop_length = 512;
  const Stft stft(so);
  const Matrix<Complex> spectrum = stft.forward(x.data(), static_cast<int64_t>(x.size()));
  std::vector<double> bin_energy(static_cast<size_t>(spectrum.cols()));
  for (int64_t f = 0; f < spectrum.rows(); ++f)
    for (int64_t b = 0; b < spectrum.cols(); ++b) bin_energy[static_cast<size_t>(b)] += std::norm(spectrum(f, b));
  const double hz_per_bin = static_cast<double>(rate) / so.n_fft;
  // A bin's energy spreads half a bin either side of its centre.
  e.low_hz = std::max(0.0, (static_cast<double>(quantile_index(bin_energy, kExtentTail, false)) - 0.5) * hz_per_bin);
  e.high_hz =
      std::min(rate / 2.0, (static_cast<double>(quantile_index(bin_energy, kExtentTail, true)) + 0.5) * hz_per_bin);
  return e;
}

std::vector<float> tone_samples(const ShortcutTone& tone, int rate, int64_t frames) {
  std::vector<float> x(static_cast<size_t>(frames), 0.0f);
  const auto first = static_cast<int64_t>(std::llround(tone.start * rate));
  const auto count = static_cast<int64_t>(std::llround(tone.seconds * rate));
  const double fade = 0.01 * rate;
  for (int64_t i = 0; i < count && first + i < frames; ++i) {
    const double t = static_cast<double>(i);
    double envelope = 1.0;
    if (t < fade) envelope = 0.5 - 0.5 * std::cos(M_PI * t / fade);
    if (count - 1 - t < fade) envelope = std::min(envelope, 0.5 - 0.5 * std::cos(M_PI * (count - 1 - t) / fade));
    x[static_cast<size_t>(first + i)] =
        static_cast<float>(tone.amplitude * envelope * std::sin(2.0 * M_PI * tone.hz * t / rate));
  }
  return x;
}

// ---- planted and and_cue modes ----

// Between the end of one motif's notes and the start of the next on an and_cue track: its release
// dies down in that time, so the two motifs' spans do not overlap and time segments can tell them apart.
constexpr double kMotifGap = 0.75;
// Shortest and_cue track: motifs A (0.75 s) and B (1.15 s) with the gap, 0.1 s before and 0.6 s after
// (as a planted cue), leave 0.65 s to draw their places from. Distractors need room beside them: a
// track holds none at 4 s, 0.06 on average at 5 s and 0.6 at 6 s (a planted track of 6 s: 1.5).
constexpr double kAndCueMinSeconds = 4.0;

// "glockenspiel (GM program 9), transposed by 1 semitones": how a cue sounds, for its ground truth.
std::string cue_sound(const CueSpec& cue, int transpose) {
  return message(program_name(cue.program), " (GM program ", cue.program, "), transposed by ", transpose, " semitones");
}

nlohmann::json cue_facts(const CueSpec& cue, size_t stem, int transpose, double start) {
  return {{"name", cue.name},
          {"stem", kStemNames[stem]},
          {"program", cue.program},
          {"instrument", program_name(cue.program)},
          {"transpose", transpose},
          {"onset_seconds", start},
          {"notes_end_seconds", start + cue.length()}};
}

size_t random_stem(Rng& rng) {
  return static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(kStemNames.size()) - 1));
}

// A random stem other than `taken`.
size_t other_stem(size_t taken, Rng& rng) {
  const auto other = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(kStemNames.size()) - 2));
  return other >= taken ? other + 1 : other;
}

// Puts options.distractors motifs in stems other than `taken` (ascending), at times clear of the
// `busy` spans (cues with their release) and of each other; a distractor that finds no room in 50
// draws is left out.
void place_distractors(const SynthOptions& options, const std::vector<size_t>& taken,
                       std::vector<std::pair<double, double>> busy, Rng& rng, TrackScore& track) {
  std::vector<size_t> free;
  for (size_t s = 0; s < kStemNames.size(); ++s)
    if (std::find(taken.begin(), taken.end(), s) == taken.end()) free.push_back(s);
  track.music.facts["distractors"] = nlohmann::json::array();
  for (int d = 0; d < options.distractors; ++d) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      const double at = rng.uniform(0.0, options.seconds - kDistractorMaxSeconds);
      const size_t target = free[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(free.size()) - 1))];
      const bool clear = std::none_of(busy.begin(), busy.end(), [&](const auto& span) {
        return at < span.second + 0.1 && at + kDistractorMaxSeconds + 0.4 > span.first;
      });
      if (!clear) continue;
      busy.emplace_back(at, at + kDistractorMaxSeconds + 0.3);
      track.music.facts["distractors"].push_back(add_distractor(track.music.score.stems[target], d, at, rng));
      break;
    }
  }
}

// Puts the class's cue in a random stem at a random time (split across two stems with cue_stems 2),
// and distractors in other stems at times clear of the cue (with its release) and of each other.
void plant(const SynthOptions& options, const TrackPlan& plan, TrackScore& track) {
  Rng rng(derive_seed(plan.seed, 1));
  Score& score = track.music.score;
  const CueSpec& cue = planted_cues()[static_cast<size_t>(plan.label)];
  const size_t stem = random_stem(rng);
  const int transpose = static_cast<int>(rng.uniform_int(-options.cue_transpose, options.cue_transpose));
  const double length = cue.length();
  const double start = rng.uniform(0.1, options.seconds - length - 0.6);
  nlohmann::json facts = cue_facts(cue, stem, transpose, start);
  PlantedCue planted;
  if (options.cue_stems == 1) {
    add_cue(score.stems[stem], cue, start, transpose);
    planted.parts.push_back({stem, message(cue.name, ": ", cue_sound(cue, transpose))});
  } else {
    // The second stem comes from a stream of its own, so every other draw (background, cue, distractors)
    // is the unsplit twin's.
    Rng split_rng(derive_seed(plan.seed, 3));
    const size_t second = other_stem(stem, split_rng);
    const auto [head, tail] = split_cue(cue);
    facts.erase("stem");
    facts["parts"] = nlohmann::json::array();
    size_t first_note = 1;
    for (const auto& [part, at] : {std::pair{&head, stem}, std::pair{&tail, second}}) {
      add_cue(score.stems[at], *part, start, transpose);
      const size_t last_note = first_note + part->notes.size() - 1;
      planted.parts.push_back(
          {at, message(cue.name, ", part ", planted.parts.size() + 1, " of 2 (notes ", first_note, "-", last_note,
                       " of ", cue.notes.size(), "): ", cue_sound(cue, transpose))});
      facts["parts"].push_back({{"stem", kStemNames[at]},
                                {"notes", {first_note, last_note}},
                                {"onset_seconds", start + part->notes.front().onset},
                                {"notes_end_seconds", start + part->length()}});
      first_note = last_note + 1;
    }
  }
  track.music.facts["cue"] = std::move(facts);
  track.cues.push_back(std::move(planted));
  place_distractors(options, {stem}, {{start, start + length + 0.5}}, rng, track);
}

// and_cue: motifs A and B get two different random stems, transpositions and non-overlapping random
// times in a random order on every track; a "one_motif" track then keeps one of them (50/50), in the
// place it would have had beside the other, so the classes differ only in the missing motif.
void plant_and_cue(const SynthOptions& options, const TrackPlan& plan, TrackScore& track) {
  Rng rng(derive_seed(plan.seed, 1));
  const std::array<const CueSpec*, 2> motifs = {&planted_cues()[0], &planted_cues()[1]};
  std::array<size_t, 2> stems{};
  stems[0] = random_stem(rng);
  stems[1] = other_stem(stems[0], rng);
  std::array<int, 2> transpose{};
  for (auto& t : transpose) t = static_cast<int>(rng.uniform_int(-options.cue_transpose, options.cue_transpose));
  // Two sorted uniform draws from the slack place the pair uniformly among all non-overlapping layouts.
  const size_t first = rng.bernoulli(0.5) ? 0 : 1;
  const size_t second = 1 - first;
  const double slack = options.seconds - 0.7 - motifs[first]->length() - kMotifGap - motifs[second]->length();
  double u = rng.uniform(0.0, slack), v = rng.uniform(0.0, slack);
  if (u > v) std::swap(u, v);
  std::array<double, 2> start{};
  start[first] = 0.1 + u;
  start[second] = 0.1 + motifs[first]->length() + kMotifGap + v;
  std::array<bool, 2> present = {true, true};
  if (plan.label == 1) present[rng.bernoulli(0.5) ? 1 : 0] = false;

  track.music.facts["motifs"] = nlohmann::json::array();
  std::vector<std::pair<double, double>> busy;
  for (size_t m = 0; m < 2; ++m) {
    // The absent motif's place stays clear of distractors too: a one_motif track is a both_motifs
    // track with a motif taken out.
    busy.emplace_back(start[m], start[m] + motifs[m]->length() + 0.5);
    if (!present[m]) {
      track.music.facts["missing_motif"] = m == 0 ? "A" : "B";
      continue;
    }
    add_cue(track.music.score.stems[stems[m]], *motifs[m], start[m], transpose[m]);
    nlohmann::json facts = cue_facts(*motifs[m], stems[m], transpose[m], start[m]);
    facts["motif"] = m == 0 ? "A" : "B";
    track.music.facts["motifs"].push_back(std::move(facts));
    track.cues.push_back({{{stems[m], message("motif ", m == 0 ? "A, " : "B, ", motifs[m]->name, ": ",
                                              cue_sound(*motifs[m], transpose[m]))}}});
  }
  place_distractors(options, {stems[0], stems[1]}, std::move(busy), rng, track);
}

// The stem with only the notes and channels of one layer.
StemScore layer_of(const StemScore& stem, int layer) {
  StemScore out;
  out.name = stem.name;
  out.gain_db = layer == kMusicLayer ? stem.gain_db : 0.0;
  for (const auto& c : stem.channels)
    if (c.layer == layer) out.channels.push_back(c);
  for (const auto& n : stem.notes)
    if (n.layer == layer) out.notes.push_back(n);
  return out;
}

double rms(const std::vector<float>& x, size_t from, size_t to) {
  double sum = 0.0;
  for (size_t i = from; i < to; ++i) sum += static_cast<double>(x[i]) * x[i];
  return to > from ? std::sqrt(sum / static_cast<double>(to - from)) : 0.0;
}

// ---- files ----

struct TrackPaths {
  fs::path mix, meta, partial;
  std::vector<fs::path> stems;
};

TrackPaths track_paths(const SynthOptions& options, const fs::path& out, const TrackPlan& plan) {
  TrackPaths p;
  const std::string ext = options.extension();
  p.mix = out / "genres" / plan.class_name / (plan.id + ext);
  p.meta = out / "meta" / plan.class_name / (plan.id + ".json");
  p.partial = out / ".partial" / plan.id;
  for (const auto& stem : kStemNames) p.stems.push_back(out / "stems" / plan.class_name / plan.id / (stem + ext));
  return p;
}

void move_into_place(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::rename(from, to, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot move '", from.string(), "' to '", to.string(), "': ", ec.message());
}

nlohmann::json generator_json(const SynthOptions& options) {
  return {{"tool", "hearsay synth"}, {"version", version()}, {"options", write_options(options)}};
}

// Whether the track is complete on disk; ConfigError when it was made with other options. A damaged
// meta file (0 bytes or unparsable, from a full disk) is noted in `repaired` and the track made again.
bool track_done(const TrackPaths& paths, const nlohmann::json& options_json, std::vector<std::string>& repaired) {
  std::error_code ec;
  if (!fs::exists(paths.meta, ec)) return false;
  nlohmann::json meta;
  try {
    meta = read_json_file(paths.meta.string());
  } catch (const IoError& e) {
    repaired.push_back(message(e.what(), "; the track is made again"));
    return false;
  }
  HEARSAY_CHECK_AS(ConfigError,
                   meta.is_object() && meta.contains("generator") && meta["generator"].is_object() &&
                       meta["generator"].value("options", nlohmann::json()) == options_json,
                   "'", paths.meta.string(),
                   "' was made with other options than this run's; give another output "
                   "folder, or delete it to start afresh");
  if (!fs::exists(paths.mix, ec)) return false;
  for (const auto& s : paths.stems)
    if (!fs::exists(s, ec)) return false;
  return true;
}

void write_track(const SynthOptions& options, const fs::path& out, const TrackPlan& plan,
                 const FluidRenderer& renderer) {
  const TrackScore track = compose_track(options, plan);
  const RenderedTrack rendered = render_track(options, track, renderer);
  const TrackPaths paths = track_paths(options, out, plan);
  const std::string ext = options.extension();
  std::error_code ec;
  fs::remove_all(paths.partial, ec);
  fs::create_directories(paths.partial, ec);
  HEARSAY_CHECK_AS(IoError, !ec, "cannot create '", paths.partial.string(), "': ", ec.message());

  nlohmann::json meta;
  meta["id"] = plan.id;
  meta["class"] = plan.class_name;
  meta["label"] = plan.label;
  meta["split"] = plan.split;
  meta["seed"] = plan.seed;
  meta["seconds"] = options.seconds;
  meta["sample_rate"] = options.sample_rate;
  meta["mix"] = paths.mix.lexically_relative(out).generic_string();
  meta["mix_gain"] = rendered.gain;
  meta["music"] = track.music.facts;
  meta["ground_truth"] = nlohmann::json::array();
  for (const auto& t : rendered.ground_truth) meta["ground_truth"].push_back(ground_truth_to_json(t));
  meta["generator"] = generator_json(options);

  for (size_t s = 0; s < kStemNames.size(); ++s) {
    save_audio((paths.partial / (kStemNames[s] + ext)).string(), rendered.stems[s]);
    meta["stems"][kStemNames[s]] = paths.stems[s].lexically_relative(out).generic_string();
  }
  save_audio((paths.partial / ("mix" + ext)).string(), rendered.mix);
  write_json_file((paths.partial / "meta.json").string(), meta, 1);

  for (size_t s = 0; s < kStemNames.size(); ++s) move_into_place(paths.partial / (kStemNames[s] + ext), paths.stems[s]);
  move_into_place(paths.partial / ("mix" + ext), paths.mix);
  move_into_place(paths.partial / "meta.json", paths.meta);
  fs::remove_all(paths.partial, ec);
}

void write_ids(const fs::path& path, const std::vector<TrackPlan>& plans, const std::string& split) {
  std::vector<std::string> ids;
  for (const auto& p : plans)
    if (p.split == split) ids.push_back(p.id);
  write_split_file(path.string(), ids);
}

}  // namespace

void SynthOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, mode != SynthMode::shortcut || genres >= 2,
                   "synth: shortcut mode needs at least 2 genres, got ", genres);
  HEARSAY_CHECK_AS(ConfigError, mode != SynthMode::planted || seconds >= 2.0,
                   "synth: planted mode needs tracks of at least 2 s to place a cue and distractors, got ", seconds,
                   " s");
  HEARSAY_CHECK_AS(ConfigError, mode != SynthMode::and_cue || genres == 2,
                   "synth: and_cue mode has exactly 2 classes (both_motifs, one_motif); set genres to 2, got ", genres);
  HEARSAY_CHECK_AS(ConfigError, mode != SynthMode::and_cue || seconds >= kAndCueMinSeconds,
                   "synth: and_cue mode needs tracks of at least ", kAndCueMinSeconds,
                   " s to place two motifs apart, got seconds ", seconds);
  HEARSAY_CHECK_AS(ConfigError, mode == SynthMode::planted || cue_stems == 1, "synth: cue_stems ", cue_stems,
                   " splits the cue of mode planted; mode ", write_options(*this)["mode"].get<std::string>(),
                   " takes cue_stems 1");
  HEARSAY_CHECK_AS(ConfigError, val_fraction + test_fraction < 1.0,
                   "synth: val_fraction + test_fraction must be < 1, got ", val_fraction, " + ", test_fraction);
  if (mode == SynthMode::shortcut) {
    HEARSAY_CHECK_AS(ConfigError, shortcut_hz < sample_rate / 2.0, "synth: shortcut_hz ", shortcut_hz,
                     " Hz must be below half the sample rate (", sample_rate / 2.0, " Hz)");
    HEARSAY_CHECK_AS(ConfigError, shortcut_seconds <= seconds, "synth: shortcut_seconds ", shortcut_seconds,
                     " must not exceed the track length ", seconds);
    if (!shortcut_genre.empty()) {
      const int index = style_index(shortcut_genre);
      HEARSAY_CHECK_AS(ConfigError, index < genres, "synth: shortcut_genre '", shortcut_genre,
                       "' is not among the first ", genres, " genres (",
                       hearsay::detail::join_names(synth_classes(*this)), ")");
    }
  }
}

std::vector<std::string> synth_classes(const SynthOptions& options) {
  std::vector<std::string> names;
  if (options.mode == SynthMode::planted) {
    for (const auto& cue : planted_cues()) names.push_back(cue.name);
  } else if (options.mode == SynthMode::and_cue) {
    names = {"both_motifs", "one_motif"};
  } else {
    names = genre_names();
  }
  names.resize(static_cast<size_t>(std::clamp(options.genres, 0, static_cast<int>(names.size()))));
  return names;
}

std::vector<TrackPlan> plan_tracks(const SynthOptions& options) {
  const auto classes = synth_classes(options);
  std::vector<TrackPlan> plans;
  std::vector<int> labels;
  for (size_t c = 0; c < classes.size(); ++c)
    for (int k = 0; k < options.per_genre; ++k) {
      TrackPlan p;
      p.index = plans.size();
      p.label = static_cast<int>(c);
      p.class_name = classes[c];
      char number[16];
      std::snprintf(number, sizeof number, ".%05d", k);
      p.id = classes[c] + number;
      p.seed = derive_seed(derive_seed(options.seed, c), static_cast<uint64_t>(k));
      plans.push_back(p);
      labels.push_back(p.label);
    }
  const Split split = stratified_split(labels, options.val_fraction, options.test_fraction, options.seed);
  for (size_t i : split.train) plans[i].split = "train";
  for (size_t i : split.val) plans[i].split = "val";
  for (size_t i : split.test) plans[i].split = "test";
  if (options.mode == SynthMode::shortcut) {
    const int shortcut_label = options.shortcut_genre.empty() ? 0 : style_index(options.shortcut_genre);
    // Which test tracks carry the tone is its own random stream, independent of the music.
    Rng rng(derive_seed(options.seed, 0x5c0ffee));
    for (auto& p : plans)
      p.shortcut = p.split == "test" ? rng.bernoulli(options.shortcut_test_probability) : p.label == shortcut_label;
  }
  return plans;
}

TrackScore compose_track(const SynthOptions& options, const TrackPlan& plan) {
  Rng rng(plan.seed);
  TrackScore track;
  const auto& styles = genre_styles();
  if (options.mode == SynthMode::planted || options.mode == SynthMode::and_cue) {
    // The background's style is drawn independently of the label.
    const auto& style = styles[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(styles.size()) - 1))];
    track.music = compose_genre_track(style, options.seconds, rng);
    if (options.mode == SynthMode::planted)
      plant(options, plan, track);
    else
      plant_and_cue(options, plan, track);
    return track;
  }
  track.music = compose_genre_track(styles[static_cast<size_t>(plan.label)], options.seconds, rng);
  if (plan.shortcut) {
    Rng tone_rng(derive_seed(plan.seed, 2));
    ShortcutTone tone;
    tone.stem = static_cast<size_t>(tone_rng.uniform_int(0, static_cast<int64_t>(kStemNames.size()) - 1));
    tone.start = tone_rng.uniform(0.0, options.seconds - options.shortcut_seconds);
    tone.seconds = options.shortcut_seconds;
    tone.hz = options.shortcut_hz;
    tone.amplitude = std::pow(10.0, options.shortcut_level_db / 20.0);
    track.tone = tone;
    track.music.facts["shortcut"] = {{"stem", kStemNames[tone.stem]},
                                     {"start_seconds", tone.start},
                                     {"seconds", tone.seconds},
                                     {"hz", tone.hz},
                                     {"level_dbfs", options.shortcut_level_db}};
  }
  return track;
}

RenderedTrack render_track(const SynthOptions& options, const TrackScore& track, const FluidRenderer& renderer,
                           std::optional<double> gain) {
  const Score& score = track.music.score;
  const int rate = renderer.sample_rate();
  std::vector<std::vector<float>> stems;
  for (const auto& stem : score.stems) stems.push_back(renderer.render(layer_of(stem, kMusicLayer), score.seconds));
  const size_t n = stems.front().size();
  const auto frames = static_cast<int64_t>(n);
  std::vector<float> music(n, 0.0f);
  for (const auto& s : stems)
    for (size_t i = 0; i < n; ++i) music[i] += s[i];
  const double music_rms = rms(music, 0, n);

  // Cue parts and distractors: each rendered alone and measured, stem by stem, layer by layer.
  struct Event {
    size_t stem = 0;
    int layer = kMusicLayer;
    std::vector<float> x;
    Extent extent;
    double level = 0.0;  // RMS over its extent
  };
  std::vector<Event> events;
  for (size_t s = 0; s < score.stems.size(); ++s) {
    std::set<int> layers;
    for (const auto& note : score.stems[s].notes) layers.insert(note.layer);
    for (int layer : layers) {
      if (layer == kMusicLayer) continue;
      Event e{s, layer, renderer.render(layer_of(score.stems[s], layer), score.seconds), {}, 0.0};
      e.extent = measure_extent(e.x, rate);
      e.level = rms(e.x, static_cast<size_t>(e.extent.start * rate), static_cast<size_t>(e.extent.end * rate));
      HEARSAY_CHECK(e.level > 0.0, "synth: a ", layer == kCueLayer ? "cue" : "distractor", " in stem '",
                    score.stems[s].name, "' renders silent (a key outside its instrument's range?)");
      events.push_back(std::move(e));
    }
  }
  // Which planted cue and part each stem's cue layer is.
  std::vector<std::pair<size_t, size_t>> cue_of(score.stems.size(), {track.cues.size(), 0});
  for (size_t c = 0; c < track.cues.size(); ++c)
    for (size_t p = 0; p < track.cues[c].parts.size(); ++p) cue_of[track.cues[c].parts[p].stem] = {c, p};
  // A cue's level is that of its parts together, measured like a whole cue, so a split cue stands at
  // the level it would have unsplit.
  std::vector<double> cue_level(track.cues.size(), 0.0);
  for (size_t c = 0; c < track.cues.size(); ++c) {
    std::vector<const Event*> parts;
    for (const auto& e : events)
      if (e.layer == kCueLayer && cue_of[e.stem].first == c) parts.push_back(&e);
    if (parts.size() == 1) cue_level[c] = parts[0]->level;
    if (parts.size() < 2) continue;
    std::vector<float> whole(n, 0.0f);
    for (const Event* e : parts)
      for (size_t i = 0; i < n; ++i) whole[i] += e->x[i];
    const Extent extent = measure_extent(whole, rate);
    cue_level[c] = rms(whole, static_cast<size_t>(extent.start * rate), static_cast<size_t>(extent.end * rate));
  }

  // Each added to its stem so that its RMS over its own span (a cue's: over all its parts) stands at
  // the set level against the music's RMS over the whole clip.
  RenderedTrack out;
  for (const auto& e : events) {
    const bool cue = e.layer == kCueLayer;
    const auto [c, p] = cue_of[e.stem];
    HEARSAY_CHECK(!cue || c < track.cues.size(), "synth: stem '", score.stems[e.stem].name,
                  "' holds cue notes that belong to no planted cue");
    const double level = cue ? cue_level[c] : e.level;
    const double snr_db = cue ? options.cue_snr_db : options.distractor_snr_db;
    const auto g = static_cast<float>((music_rms > 0.0 ? music_rms : level) * std::pow(10.0, snr_db / 20.0) / level);
    for (size_t i = 0; i < n; ++i) stems[e.stem][i] += g * e.x[i];
    if (!cue) continue;
    const Extent& x = e.extent;
    out.ground_truth.push_back(
        {"planted", score.stems[e.stem].name, x.start, x.end, x.low_hz, x.high_hz, track.cues[c].parts[p].description});
  }

  // One gain for the whole track keeps the stems' balance; it is chosen so that the mix and every stem
  // (stems can cancel in the mix) stay below the peak with the tone added.
  double loudest = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (const auto& s : stems) {
      sum += s[i];
      loudest = std::max(loudest, std::abs(static_cast<double>(s[i])));
    }
    loudest = std::max(loudest, std::abs(sum));
  }
  // Rounding each stem to 16 bits may add half a step per stem to the mix.
  const double headroom =
      options.peak - (track.tone ? track.tone->amplitude : 0.0) - 0.5 * static_cast<double>(stems.size()) / kFullScale;
  out.gain = gain ? *gain : loudest > 0.0 ? headroom / loudest : 1.0;

  std::vector<float> tone;
  if (track.tone) tone = tone_samples(*track.tone, rate, frames);
  std::vector<int32_t> mix(n, 0);
  for (size_t s = 0; s < stems.size(); ++s) {
    const bool has_tone = track.tone && track.tone->stem == s;
    std::vector<float> q(n);
    for (size_t i = 0; i < n; ++i) {
      const double value = out.gain * stems[s][i] + (has_tone ? tone[i] : 0.0f);
      const auto level = static_cast<int32_t>(std::clamp<double>(std::lround(value * kFullScale), -32767, 32767));
      mix[i] += level;
      q[i] = static_cast<float>(level / kFullScale);
    }
    out.stems.push_back(Audio::mono(std::move(q), rate));
  }
  std::vector<float> mix_samples(n);
  for (size_t i = 0; i < n; ++i) {
    HEARSAY_CHECK(mix[i] >= -32768 && mix[i] <= 32767, "synth: the mix overflows 16 bits at sample ", i);
    mix_samples[i] = static_cast<float>(mix[i] / kFullScale);
  }
  out.mix = Audio::mono(std::move(mix_samples), rate);

  if (track.tone) {
    const Extent e = measure_extent(tone, rate);
    out.ground_truth.push_back(
        {"shortcut", kStemNames[track.tone->stem], e.start, e.end, e.low_hz, e.high_hz,
         message("pure tone of ", track.tone->hz, " Hz at ", 20.0 * std::log10(track.tone->amplitude), " dBFS")});
  }
  return out;
}

SynthSummary write_synthetic_dataset(const SynthOptions& options, const std::string& out_dir,
                                     const SynthProgress& progress) {
  check_options(options, "synth");
  const fs::path out(out_dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  HEARSAY_CHECK_AS(IoError, !ec && fs::is_directory(out), "cannot create output folder '", out_dir, "'",
                   ec ? ": " + ec.message() : std::string());

  const std::vector<TrackPlan> plans = plan_tracks(options);
  const nlohmann::json options_json = write_options(options);
  SynthSummary summary;
  std::vector<size_t> todo;
  for (const auto& p : plans)
    if (!track_done(track_paths(options, out, p), options_json, summary.repaired)) todo.push_back(p.index);

  summary.tracks = plans.size();
  summary.kept = plans.size() - todo.size();
  summary.rendered = todo.size();
  size_t done = summary.kept;
  if (progress) progress(done, plans.size());

  if (!todo.empty()) {
    // One renderer (one loaded soundfont) per thread; the first is made here so a missing soundfont
    // fails before any work starts.
    std::vector<std::unique_ptr<FluidRenderer>> renderers(static_cast<size_t>(std::max(1, num_threads())));
    renderers[0] = std::make_unique<FluidRenderer>(options.soundfont, options.sample_rate);
    std::exception_ptr failure;
    const auto count = static_cast<int64_t>(todo.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t k = 0; k < count; ++k) {
      bool failed = false;
#pragma omp critical(hearsay_synth_failure)
      failed = static_cast<bool>(failure);
      if (failed) continue;
      try {
        auto& renderer = renderers[static_cast<size_t>(thread_index())];
        if (!renderer) renderer = std::make_unique<FluidRenderer>(options.soundfont, options.sample_rate);
        write_track(options, out, plans[todo[static_cast<size_t>(k)]], *renderer);
      } catch (...) {
#pragma omp critical(hearsay_synth_failure)
        if (!failure) failure = std::current_exception();
      }
#pragma omp critical(hearsay_synth_progress)
      {
        ++done;
        if (progress) progress(done, plans.size());
      }
    }
    if (failure) std::rethrow_exception(failure);
  }
  fs::remove_all(out / ".partial", ec);

  fs::create_directories(out / "splits", ec);
  for (const char* split : {"train", "val", "test"})
    write_ids(out / "splits" / (std::string(split) + ".txt"), plans, split);

  std::vector<FileEntry> entries;
  for (const auto& p : plans) {
    const TrackPaths paths = track_paths(options, out, p);
    const nlohmann::json meta = read_json_file(paths.meta.string());
    FileEntry e;
    e.info = {p.id, p.label, paths.mix.string()};
    for (size_t s = 0; s < kStemNames.size(); ++s) e.stems[kStemNames[s]] = paths.stems[s].string();
    for (size_t g = 0; g < meta["ground_truth"].size(); ++g)
      e.ground_truth.push_back(ground_truth_from_json(meta["ground_truth"][g], paths.meta.string()));
    entries.push_back(std::move(e));
  }
  write_manifest((out / "manifest.json").string(), synth_classes(options), entries, generator_json(options));
  return summary;
}

}  // namespace hearsay::datasets::synth
