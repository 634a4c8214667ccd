#include "datasets/synth/synth.h"

#include <algorithm>
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

// ---- planted mode ----

// Puts the class's cue in a random stem at a random time, and distractors in other stems at times
// clear of the cue (with its release) and of each other.
void plant(const SynthOptions& options, const TrackPlan& plan, TrackScore& track) {
  Rng rng(derive_seed(plan.seed, 1));
  Score& score = track.music.score;
  const CueSpec& cue = planted_cues()[static_cast<size_t>(plan.label)];
  const auto stem = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(kStemNames.size()) - 1));
  const int transpose = static_cast<int>(rng.uniform_int(-options.cue_transpose, options.cue_transpose));
  const double length = cue.length();
  const double start = rng.uniform(0.1, options.seconds - length - 0.6);
  add_cue(score.stems[stem], cue, start, transpose);
  track.music.facts["cue"] = {{"name", cue.name},
                              {"stem", kStemNames[stem]},
                              {"program", cue.program},
                              {"instrument", program_name(cue.program)},
                              {"transpose", transpose},
                              {"onset_seconds", start},
                              {"notes_end_seconds", start + length}};
  std::vector<std::pair<double, double>> busy = {{start, start + length + 0.5}};
  track.music.facts["distractors"] = nlohmann::json::array();
  for (int d = 0; d < options.distractors; ++d) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      const double at = rng.uniform(0.0, options.seconds - kDistractorMaxSeconds);
      const auto other = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(kStemNames.size()) - 2));
      const bool clear = std::none_of(busy.begin(), busy.end(), [&](const auto& span) {
        return at < span.second + 0.1 && at + kDistractorMaxSeconds + 0.4 > span.first;
      });
      if (!clear) continue;
      busy.emplace_back(at, at + kDistractorMaxSeconds + 0.3);
      const size_t target = other >= stem ? other + 1 : other;
      track.music.facts["distractors"].push_back(add_distractor(score.stems[target], d, at, rng));
      break;
    }
  }
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
  if (options.mode == SynthMode::planted) {
    // The background's style is drawn independently of the label.
    const auto& style = styles[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(styles.size()) - 1))];
    track.music = compose_genre_track(style, options.seconds, rng);
    plant(options, plan, track);
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

  // Cue and distractors: each rendered alone, measured, and added to its stem so that its RMS over its
  // own span stands at the set level against the music's RMS over the whole clip.
  RenderedTrack out;
  for (size_t s = 0; s < score.stems.size(); ++s) {
    std::set<int> layers;
    for (const auto& note : score.stems[s].notes) layers.insert(note.layer);
    for (int layer : layers) {
      if (layer == kMusicLayer) continue;
      const std::vector<float> x = renderer.render(layer_of(score.stems[s], layer), score.seconds);
      const Extent e = measure_extent(x, rate);
      const double level = rms(x, static_cast<size_t>(e.start * rate), static_cast<size_t>(e.end * rate));
      HEARSAY_CHECK(level > 0.0, "synth: a ", layer == kCueLayer ? "cue" : "distractor", " in stem '",
                    score.stems[s].name, "' renders silent (a key outside its instrument's range?)");
      const double snr_db = layer == kCueLayer ? options.cue_snr_db : options.distractor_snr_db;
      const auto g = static_cast<float>((music_rms > 0.0 ? music_rms : level) * std::pow(10.0, snr_db / 20.0) / level);
      for (size_t i = 0; i < n; ++i) stems[s][i] += g * x[i];
      if (layer != kCueLayer) continue;
      const auto& cue = track.music.facts.at("cue");
      out.ground_truth.push_back(
          {"planted", score.stems[s].name, e.start, e.end, e.low_hz, e.high_hz,
           message(cue["name"].get<std::string>(), ": ", cue["instrument"].get<std::string>(), " (GM program ",
                   cue["program"].get<int>(), "), transposed by ", cue["transpose"].get<int>(), " semitones")});
    }
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
