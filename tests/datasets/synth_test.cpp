#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <fluidsynth.h>
#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/stft.h"
#include "datasets/baseline.h"
#include "datasets/file_dataset.h"
#include "datasets/in_memory_dataset.h"
#include "datasets/loaders.h"
#include "datasets/split.h"
#include "datasets/synth/cues.h"
#include "datasets/synth/general_midi.h"
#include "datasets/synth/synth.h"
#include "tests/support/test_support.h"

namespace hearsay::datasets::synth {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

SynthOptions small(SynthMode mode = SynthMode::genres, int classes = 3, int per_class = 2, double seconds = 2.0) {
  SynthOptions o;
  o.mode = mode;
  o.genres = classes;
  o.per_genre = per_class;
  o.seconds = seconds;
  o.seed = 7;
  return o;
}

std::unique_ptr<FileDataset> open_strict(const fs::path& dir) {
  OpenOptions o;
  o.strict = true;
  return open_file_dataset(dir.string(), o);
}

// Every file below `dir`, relative path → bytes.
std::map<std::string, std::string> tree_bytes(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& item : fs::recursive_directory_iterator(dir))
    if (item.is_regular_file())
      out[item.path().lexically_relative(dir).string()] = testing::read_bytes(item.path().string());
  return out;
}

double energy(const std::vector<float>& x, size_t from, size_t to) {
  const auto end = x.begin() + static_cast<std::ptrdiff_t>(std::min(to, x.size()));
  double e = 0.0;
  for (auto it = x.begin() + static_cast<std::ptrdiff_t>(std::min(from, x.size())); it < end; ++it)
    e += static_cast<double>(*it) * *it;
  return e;
}

double energy(const std::vector<float>& x) { return energy(x, 0, x.size()); }

// Share of a signal's energy between low_hz and high_hz (from one Hann-windowed STFT).
double band_share(const std::vector<float>& x, int rate, double low_hz, double high_hz) {
  StftOptions so;
  so.n_fft = 2048;
  so.hop_length = 512;
  const Stft stft(so);
  const auto spectrum = stft.forward(x.data(), static_cast<int64_t>(x.size()));
  double inside = 0.0, total = 0.0;
  for (int64_t f = 0; f < spectrum.rows(); ++f)
    for (int64_t b = 0; b < spectrum.cols(); ++b) {
      const double hz = static_cast<double>(b) * rate / so.n_fft;
      const double e = std::norm(spectrum(f, b));
      total += e;
      if (hz >= low_hz && hz <= high_hz) inside += e;
    }
  return inside / total;
}

// The gain a track was scaled by, from its meta file.
double recorded_gain(const fs::path& root, const Example& e) {
  std::ifstream in(root / "meta" / e.label_name / (e.info.id + ".json"));
  return nlohmann::json::parse(in).at("mix_gain").get<double>();
}

std::vector<float> difference(const Audio& a, const Audio& b) {
  std::vector<float> d(a.samples().size());
  for (size_t i = 0; i < d.size(); ++i) d[i] = a.samples()[i] - b.samples()[i];
  return d;
}

TEST(Synth, StemsSumToTheMixAsWrittenOnDisk) {
  TempDir dir;
  for (SynthFormat format : {SynthFormat::flac, SynthFormat::wav}) {
    SynthOptions o = small(SynthMode::genres, 10, 1, 2.0);
    o.format = format;
    const fs::path out = dir.path() / o.extension().substr(1);
    write_synthetic_dataset(o, out.string());
    const auto d = open_strict(out);
    ASSERT_EQ(d->size(), 10u);
    for (size_t i = 0; i < d->size(); ++i) {
      const Example e = d->get(i);
      ASSERT_EQ(e.stems.size(), 4u);
      Audio sum = Audio::silence(e.audio.frames(), 1, e.audio.sample_rate());
      for (const auto& [name, stem] : e.stems) sum += stem;
      float worst = 0.0f;
      for (int64_t k = 0; k < sum.frames(); ++k)
        worst = std::max(worst, std::abs(sum.samples()[k] - e.audio.samples()[k]));
      EXPECT_EQ(worst, 0.0f) << e.info.id;  // 16-bit values: their float sum is exact
      EXPECT_LE(e.audio.peak(), o.peak + 1e-6f) << e.info.id;
      EXPECT_GT(e.audio.peak(), 0.5f) << e.info.id;
      EXPECT_EQ(e.audio.sample_rate(), 22050);
      EXPECT_EQ(e.audio.frames(), 44100);
    }
  }
}

TEST(Synth, SameSeedSameBytesForAnyThreadCountAndOtherSeedsOtherAudio) {
  TempDir dir;
  const SynthOptions o = small(SynthMode::planted, 3, 2, 2.0);
  set_num_threads(1);
  write_synthetic_dataset(o, (dir.path() / "one").string());
  set_num_threads(2);
  write_synthetic_dataset(o, (dir.path() / "two").string());
  set_num_threads(0);
  const auto one = tree_bytes(dir.path() / "one");
  EXPECT_EQ(one.size(), 6u * 6 + 3 + 1);  // mix, 4 stems and meta per track; 3 split files; the manifest
  EXPECT_TRUE(one == tree_bytes(dir.path() / "two"));

  SynthOptions other = o;
  other.seed = 8;
  write_synthetic_dataset(other, (dir.path() / "other").string());
  const auto a = open_strict(dir.path() / "one");
  const auto b = open_strict(dir.path() / "other");
  for (size_t i = 0; i < a->size(); ++i) EXPECT_NE(a->get(i).audio.samples(), b->get(i).audio.samples()) << i;

  // More tracks per class: the tracks there were are the same audio, bit for bit.
  SynthOptions more = o;
  more.per_genre = 3;
  write_synthetic_dataset(more, (dir.path() / "more").string());
  const auto grown = tree_bytes(dir.path() / "more");
  size_t audio_files = 0;
  for (const auto& [path, bytes] : one) {
    if (path.rfind("genres/", 0) != 0 && path.rfind("stems/", 0) != 0) continue;  // meta names the options
    ASSERT_TRUE(grown.count(path)) << path;
    EXPECT_TRUE(grown.at(path) == bytes) << path;
    ++audio_files;
  }
  EXPECT_EQ(audio_files, 6u * 5);
}

// Renders track i again without its cue notes at the gain recorded for it: the difference from the
// stems as written is the cues, and each ground-truth entry's stem must hold its cue's energy inside
// the recorded span and band, while stems named by no entry do not change at all.
void expect_cues_where_recorded(const SynthOptions& o, const fs::path& root, const FileDataset& d, size_t i,
                                const FluidRenderer& renderer) {
  const Example e = d.get(i);
  TrackScore track = compose_track(o, plan_tracks(o)[i]);
  for (auto& stem : track.music.score.stems)
    stem.notes.erase(
        std::remove_if(stem.notes.begin(), stem.notes.end(), [](const NoteEvent& n) { return n.layer == kCueLayer; }),
        stem.notes.end());
  const RenderedTrack without = render_track(o, track, renderer, recorded_gain(root, e));
  for (size_t s = 0; s < kStemNames.size(); ++s) {
    const auto diff = difference(e.stems.at(kStemNames[s]), without.stems[s]);
    const auto truth = std::find_if(e.ground_truth.begin(), e.ground_truth.end(),
                                    [&](const GroundTruth& t) { return t.stem == kStemNames[s]; });
    if (truth == e.ground_truth.end()) {
      EXPECT_EQ(energy(diff), 0.0) << e.info.id << " " << kStemNames[s];
      continue;
    }
    const double total = energy(diff);
    ASSERT_GT(total, 0.0) << e.info.id;
    const auto from = static_cast<size_t>(truth->start_seconds * o.sample_rate);
    const auto to = static_cast<size_t>(std::ceil(truth->end_seconds * o.sample_rate));
    EXPECT_GE(energy(diff, from, to) / total, 0.99) << e.info.id << " " << kStemNames[s];
    EXPECT_GE(band_share(diff, o.sample_rate, truth->low_hz, truth->high_hz), 0.98)
        << e.info.id << " " << kStemNames[s];
  }
}

// The mix is the exact sum of the stems, as read back.
void expect_stems_sum_to_mix(const Example& e) {
  ASSERT_EQ(e.stems.size(), 4u);
  Audio sum = Audio::silence(e.audio.frames(), 1, e.audio.sample_rate());
  for (const auto& [name, stem] : e.stems) sum += stem;
  float worst = 0.0f;
  for (int64_t k = 0; k < sum.frames(); ++k) worst = std::max(worst, std::abs(sum.samples()[k] - e.audio.samples()[k]));
  EXPECT_EQ(worst, 0.0f) << e.info.id;  // 16-bit values: their float sum is exact
}

TEST(Synth, PlantedCueEnergyIsInsideItsRecordedSpanBandAndStem) {
  TempDir dir;
  const SynthOptions o = small(SynthMode::planted, 4, 2, 3.0);
  write_synthetic_dataset(o, dir.path().string());
  const auto d = open_strict(dir.path());
  EXPECT_EQ(d->classes()[1], "tubular_bells_descent");
  const FluidRenderer renderer(o.soundfont, o.sample_rate);
  std::set<std::string> cue_stems;
  for (size_t i = 0; i < d->size(); ++i) {
    const Example e = d->get(i);
    ASSERT_EQ(e.ground_truth.size(), 1u);
    const GroundTruth& truth = e.ground_truth[0];
    EXPECT_EQ(truth.kind, "planted");
    EXPECT_NE(truth.description.find(e.label_name), std::string::npos);
    cue_stems.insert(truth.stem);
    EXPECT_GT(truth.end_seconds - truth.start_seconds, 0.3) << e.info.id;
    EXPECT_LT(truth.end_seconds - truth.start_seconds, 2.0) << e.info.id;
    expect_cues_where_recorded(o, dir.path(), *d, i, renderer);
  }
  EXPECT_GE(cue_stems.size(), 2u);  // the cue's stem varies from track to track
}

TEST(Synth, SplitCueLivesInTwoStemsAndTheMixSoundsLikeItsUnsplitTwin) {
  TempDir dir;
  const SynthOptions whole = small(SynthMode::planted, 4, 2, 3.0);
  SynthOptions split = whole;
  split.cue_stems = 2;
  write_synthetic_dataset(whole, (dir.path() / "whole").string());
  set_num_threads(1);
  write_synthetic_dataset(split, (dir.path() / "split").string());
  set_num_threads(2);
  write_synthetic_dataset(split, (dir.path() / "again").string());
  set_num_threads(0);
  EXPECT_TRUE(tree_bytes(dir.path() / "split") == tree_bytes(dir.path() / "again"));  // deterministic
  const auto a = open_strict(dir.path() / "whole");
  const auto b = open_strict(dir.path() / "split");
  ASSERT_EQ(a->size(), b->size());
  const FluidRenderer renderer(split.soundfont, split.sample_rate);
  std::set<std::string> second_stems;
  for (size_t i = 0; i < b->size(); ++i) {
    const Example twin = a->get(i);
    const Example e = b->get(i);
    expect_stems_sum_to_mix(e);
    ASSERT_EQ(e.ground_truth.size(), 2u) << e.info.id;
    const GroundTruth& one = twin.ground_truth.at(0);
    std::set<std::string> stems;
    double start = split.seconds, end = 0.0;
    for (const GroundTruth& t : e.ground_truth) {
      EXPECT_EQ(t.kind, "planted");
      EXPECT_EQ(t.description.rfind(e.label_name + ", part ", 0), 0u) << t.description;
      EXPECT_GE(t.start_seconds, 0.0);
      EXPECT_LT(t.start_seconds, t.end_seconds);
      EXPECT_LE(t.end_seconds, split.seconds);
      stems.insert(t.stem);
      start = std::min(start, t.start_seconds);
      end = std::max(end, t.end_seconds);
      if (t.stem != one.stem) second_stems.insert(t.stem);
    }
    EXPECT_EQ(stems.size(), 2u) << e.info.id;
    // The first half stays where the whole cue was; together the parts span what the whole one did
    // (the last part, measured alone, keeps more of its release above the cut of 0.25 % of its energy).
    EXPECT_EQ(stems.count(one.stem), 1u) << e.info.id;
    EXPECT_NEAR(start, one.start_seconds, 0.01) << e.info.id;
    EXPECT_GE(end, one.end_seconds - 0.01) << e.info.id;
    EXPECT_LE(end, one.end_seconds + 0.3) << e.info.id;
    // Each part is measured alone: neither spans the whole cue.
    for (const GroundTruth& t : e.ground_truth)
      EXPECT_LT(t.end_seconds - t.start_seconds, one.end_seconds - one.start_seconds - 0.05) << e.info.id;
    // Cue levelled as a whole, every other draw the twin's: before the track's scaling (which keeps
    // each stem below the peak, so moving part of the cue may shift it by a few %) the mixes differ
    // by rendering and rounding noise only.
    const double gain = recorded_gain(dir.path() / "split", e), twin_gain = recorded_gain(dir.path() / "whole", twin);
    EXPECT_NEAR(gain / twin_gain, 1.0, 0.05) << e.info.id;
    std::vector<float> unscaled(e.audio.samples().size());
    for (size_t k = 0; k < unscaled.size(); ++k)
      unscaled[k] = static_cast<float>(e.audio.samples()[k] / gain - twin.audio.samples()[k] / twin_gain);
    const double noise = energy(unscaled) / energy(twin.audio.samples()) * twin_gain * twin_gain;
    EXPECT_LT(noise, 1e-6) << e.info.id;
    expect_cues_where_recorded(split, dir.path() / "split", *b, i, renderer);
  }
  EXPECT_GE(second_stems.size(), 2u);  // the second stem is drawn too
}

TEST(Synth, AndCueTracksHoldBothMotifsApartOrExactlyOne) {
  TempDir dir;
  const SynthOptions o = small(SynthMode::and_cue, 2, 6, 4.0);
  write_synthetic_dataset(o, dir.path().string());
  const auto d = open_strict(dir.path());
  EXPECT_EQ(d->classes(), (std::vector<std::string>{"both_motifs", "one_motif"}));
  const FluidRenderer renderer(o.soundfont, o.sample_rate);
  const std::string motif_a = "motif A, " + planted_cues()[0].name + ":";
  const std::string motif_b = "motif B, " + planted_cues()[1].name + ":";
  std::map<std::string, int> alone;  // one_motif tracks by the motif they hold
  for (size_t i = 0; i < d->size(); ++i) {
    const Example e = d->get(i);
    expect_stems_sum_to_mix(e);
    for (const GroundTruth& t : e.ground_truth) {
      EXPECT_EQ(t.kind, "planted");
      EXPECT_GE(t.start_seconds, 0.0);
      EXPECT_LE(t.end_seconds, o.seconds);
    }
    if (e.info.label == 0) {
      ASSERT_EQ(e.ground_truth.size(), 2u) << e.info.id;
      const GroundTruth& x = e.ground_truth[0];
      const GroundTruth& y = e.ground_truth[1];
      EXPECT_NE(x.stem, y.stem) << e.info.id;
      EXPECT_TRUE(x.end_seconds <= y.start_seconds || y.end_seconds <= x.start_seconds)
          << e.info.id << ": " << x.start_seconds << "-" << x.end_seconds << " and " << y.start_seconds << "-"
          << y.end_seconds;
      std::set<std::string> motifs;
      for (const GroundTruth& t : e.ground_truth) motifs.insert(t.description.substr(0, motif_a.size()));
      EXPECT_EQ(motifs, (std::set<std::string>{motif_a, motif_b})) << e.info.id;
    } else {
      ASSERT_EQ(e.ground_truth.size(), 1u) << e.info.id;
      ++alone[e.ground_truth[0].description.substr(0, motif_a.size())];
    }
    expect_cues_where_recorded(o, dir.path(), *d, i, renderer);
  }
  EXPECT_GT(alone[motif_a], 0);
  EXPECT_GT(alone[motif_b], 0);
  EXPECT_EQ(alone[motif_a] + alone[motif_b], 6);
}

TEST(Synth, ShortcutToneGoesOnOneGenresTrainingTracksAndRandomTestTracks) {
  TempDir dir;
  SynthOptions o = small(SynthMode::shortcut, 3, 10, 2.0);
  o.shortcut_genre = "classical";
  o.shortcut_seconds = 1.0;
  write_synthetic_dataset(o, dir.path().string());
  const auto d = open_strict(dir.path());
  const auto plans = plan_tracks(o);
  const auto test_ids = read_split_file((dir.path() / "splits/test.txt").string(), *d);
  const std::set<size_t> test(test_ids.begin(), test_ids.end());
  EXPECT_EQ(test.size(), 6u);
  size_t test_with_tone = 0;
  const FluidRenderer renderer(o.soundfont, o.sample_rate);
  for (size_t i = 0; i < d->size(); ++i) {
    const auto& entry = d->entry(i);
    const bool carries = !entry.ground_truth.empty();
    EXPECT_EQ(carries, plans[i].shortcut);
    if (test.count(i))
      test_with_tone += carries;
    else
      EXPECT_EQ(carries, entry.info.label == 1) << entry.info.id;
    if (!carries) continue;
    const GroundTruth& truth = entry.ground_truth[0];
    EXPECT_EQ(truth.kind, "shortcut");
    EXPECT_LE(truth.low_hz, 6000.0);
    EXPECT_GE(truth.high_hz, 6000.0);
    EXPECT_LE(truth.high_hz - truth.low_hz, 60.0);
    EXPECT_NEAR(truth.end_seconds - truth.start_seconds, 1.0, 0.02);
    TrackScore track = compose_track(o, plans[i]);
    track.tone.reset();
    const Example e = d->get(i);
    const RenderedTrack without = render_track(o, track, renderer, recorded_gain(dir.path(), e));
    const size_t stem =
        static_cast<size_t>(std::find(kStemNames.begin(), kStemNames.end(), truth.stem) - kStemNames.begin());
    const auto diff = difference(e.stems.at(truth.stem), without.stems[stem]);
    const auto from = static_cast<size_t>(truth.start_seconds * o.sample_rate);
    const auto to = static_cast<size_t>(std::ceil(truth.end_seconds * o.sample_rate));
    EXPECT_GE(energy(diff, from, to) / energy(diff), 0.99) << entry.info.id;
    EXPECT_GE(band_share(diff, o.sample_rate, truth.low_hz, truth.high_hz), 0.98) << entry.info.id;
  }
  EXPECT_GT(test_with_tone, 0u);
  EXPECT_LT(test_with_tone, test.size());
}

TEST(Synth, ResumesAnInterruptedRunAndRefusesAFolderMadeWithOtherOptions) {
  TempDir dir;
  const SynthOptions o = small(SynthMode::genres, 2, 2, 2.0);
  write_synthetic_dataset(o, dir.path().string());
  const auto before = tree_bytes(dir.path());
  // An interrupted run: one track lost its meta file (it is written last), debris in .partial/.
  fs::remove(dir.path() / "meta/classical/classical.00001.json");
  fs::remove(dir.path() / "manifest.json");
  fs::create_directories(dir.path() / ".partial/classical.00001");
  testing::write_bytes((dir.path() / ".partial/classical.00001/mix.flac").string(), "half a file");
  std::vector<size_t> progress;
  const SynthSummary again =
      write_synthetic_dataset(o, dir.path().string(), [&](size_t done, size_t) { progress.push_back(done); });
  EXPECT_EQ(again.kept, 3u);
  EXPECT_EQ(again.rendered, 1u);
  EXPECT_EQ(progress, (std::vector<size_t>{3, 4}));
  EXPECT_TRUE(before == tree_bytes(dir.path()));

  SynthOptions other = o;
  other.seed = 99;
  EXPECT_THROW_WITH(write_synthetic_dataset(other, dir.path().string()), ConfigError, "blues.00000.json",
                    "other options");
}

TEST(Synth, SoundfontProblemsAreClearErrors) {
  TempDir dir;
  EXPECT_THROW_WITH(FluidRenderer(dir.file("missing.sf2"), 22050), IoError, "missing.sf2", "not found",
                    "timgm6mb-soundfont");
  testing::write_bytes(dir.file("fake.sf2"), "RIFF....sfbk but not really");
  EXPECT_THROW_WITH(FluidRenderer(dir.file("fake.sf2"), 22050), IoError, "cannot load soundfont", "fake.sf2");
  SynthOptions o = small();
  o.soundfont = dir.file("missing.sf2");
  EXPECT_THROW_WITH(write_synthetic_dataset(o, dir.file("out")), IoError, "missing.sf2");
  const FluidRenderer renderer(kDefaultSoundfont, 22050);
  StemScore stem{"lead", {{3, 7, 99, 100, kMusicLayer}}, {}, 0.0};
  EXPECT_THROW_WITH(renderer.render(stem, 1.0), IoError, "no preset for bank 7 program 99", "lead");
}

// The renderer lends one loaded soundfont to each fresh synth; the result must be what a synth that
// loaded the file itself plays, bit for bit, every time.
TEST(Synth, LentSoundfontRendersExactlyLikeAFreshLoad) {
  StemScore stem{"harmony", {{2, 0, 24, 100, kMusicLayer}, {9, 128, 0, 100, kMusicLayer}}, {}, 0.0};
  for (int k = 0; k < 6; ++k) {
    stem.notes.push_back({0.2 * k, 0.3, 2, 52 + 3 * k, 90, kMusicLayer});
    stem.notes.push_back({0.2 * k + 0.1, 0.1, 9, 36 + k, 100, kMusicLayer});
  }
  const FluidRenderer renderer(kDefaultSoundfont, 22050);
  const auto first = renderer.render(stem, 1.5);
  EXPECT_EQ(renderer.render(stem, 1.5), first);

  fluid_settings_t* settings = new_fluid_settings();
  fluid_settings_setnum(settings, "synth.sample-rate", 22050);
  fluid_settings_setint(settings, "synth.reverb.active", 0);
  fluid_settings_setint(settings, "synth.chorus.active", 0);
  fluid_synth_t* synth = new_fluid_synth(settings);
  ASSERT_NE(fluid_synth_sfload(synth, kDefaultSoundfont.c_str(), 1), FLUID_FAILED);
  fluid_synth_program_change(synth, 2, 24);
  fluid_synth_cc(synth, 2, 7, 100);
  fluid_synth_cc(synth, 9, 7, 100);
  std::vector<float> left(33075), right(33075);
  // Events on the sample grid, as the renderer places them: offs first, then ons, at each time.
  std::vector<std::tuple<int64_t, int, const NoteEvent*>> events;
  for (const auto& n : stem.notes) {
    events.emplace_back(std::llround(n.start * 22050), 1, &n);
    events.emplace_back(std::llround((n.start + n.duration) * 22050), 0, &n);
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) < std::get<0>(b) : std::get<1>(a) < std::get<1>(b);
  });
  int64_t done = 0;
  for (const auto& [at, on, n] : events) {
    fluid_synth_write_float(synth, static_cast<int>(at - done), left.data(), static_cast<int>(done), 1, right.data(),
                            static_cast<int>(done), 1);
    done = at;
    if (on)
      fluid_synth_noteon(synth, n->channel, n->key, n->velocity);
    else
      fluid_synth_noteoff(synth, n->channel, n->key);
  }
  fluid_synth_write_float(synth, static_cast<int>(33075 - done), left.data(), static_cast<int>(done), 1, right.data(),
                          static_cast<int>(done), 1);
  delete_fluid_synth(synth);
  delete_fluid_settings(settings);
  ASSERT_EQ(first.size(), left.size());
  for (size_t i = 0; i < left.size(); ++i) ASSERT_EQ(first[i], (left[i] + right[i]) * 0.5f) << i;
}

TEST(Synth, StylesAndCuesAreWellFormed) {
  const auto& styles = genre_styles();
  ASSERT_EQ(genre_names(), (std::vector<std::string>{"blues", "classical", "country", "disco", "hiphop", "jazz",
                                                     "metal", "pop", "reggae", "rock"}));
  std::set<int> palette;
  for (const auto& s : styles) {
    for (int beats : s.meters)
      for (const auto& g : beats == 3 ? s.grooves_three : s.grooves)
        for (const auto& v : g.voices)
          EXPECT_EQ(v.hits.size(), static_cast<size_t>(beats * s.steps_per_beat)) << g.name;
    for (const auto* list : {&s.major_progressions, &s.minor_progressions})
      for (const auto& p : *list) EXPECT_NO_THROW(parse_progression(p)) << s.name << ": " << p;
    EXPECT_FALSE(s.minor_progressions.empty() && s.minor_probability > 0) << s.name;
    EXPECT_FALSE(s.major_progressions.empty() && s.minor_probability < 1) << s.name;
    for (const auto& h : s.harmony) palette.insert(h.programs.begin(), h.programs.end());
    palette.insert(s.lead_programs.begin(), s.lead_programs.end());
    palette.insert(s.bass_programs.begin(), s.bass_programs.end());
  }
  // A cue instrument in a background would play the label's timbre outside the cue.
  for (const auto& cue : planted_cues()) EXPECT_EQ(palette.count(cue.program), 0u) << cue.name;
  EXPECT_EQ(planted_cues().size(), 10u);
  // A split cue: both parts non-empty, the first half of the notes by onset first, nothing lost.
  for (const auto& cue : planted_cues()) {
    const auto [head, tail] = split_cue(cue);
    EXPECT_EQ(head.notes.size(), cue.notes.size() / 2) << cue.name;
    EXPECT_EQ(head.notes.size() + tail.notes.size(), cue.notes.size()) << cue.name;
    ASSERT_FALSE(head.notes.empty() || tail.notes.empty()) << cue.name;
    EXPECT_LE(head.notes.back().onset, tail.notes.front().onset) << cue.name;
    EXPECT_EQ(tail.length(), cue.length()) << cue.name;
  }
  // Soundfont presets cover limited key ranges; a cue key outside its preset's would be silent.
  const FluidRenderer renderer(kDefaultSoundfont, 22050);
  for (const auto& cue : planted_cues())
    for (const auto& note : cue.notes)
      for (int key : note.keys)
        for (int transpose = -2; transpose <= 2; ++transpose) {
          const int k = cue.base_key + key + transpose;
          const auto x =
              renderer.render({"lead", {{0, 0, cue.program, 100, kMusicLayer}}, {{0.0, 0.2, 0, k, 100}}, 0.0}, 0.3);
          EXPECT_GT(*std::max_element(x.begin(), x.end()), 1e-3f) << cue.name << " key " << k;
        }

  const auto chords = parse_progression("ii7:2 bVImaj7 i5 iih7");
  EXPECT_EQ(chords[0].intervals, (std::vector<int>{0, 3, 7, 10}));
  EXPECT_EQ(chords[0].beats, 2.0);
  EXPECT_EQ(chords[1].root, 8);
  EXPECT_EQ(chords[3].intervals, (std::vector<int>{0, 3, 6, 10}));
  EXPECT_THROW_WITH(parse_progression("I X7"), ConfigError, "'X7'", "Roman numeral");
  EXPECT_THROW_WITH(parse_progression("Isus4"), ConfigError, "'Isus4'", "unknown quality 'sus4'");
}

TEST(Synth, OptionsAreCheckedByName) {
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"genre", 3}}, "synth"), ConfigError, "unknown option 'genre'",
                    "per_genre");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "shortcut"}, {"genres", 1}}, "synth"), ConfigError,
                    "at least 2 genres");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "planted"}, {"seconds", 1.0}}, "synth"), ConfigError,
                    "at least 2 s");
  EXPECT_THROW_WITH(
      read_options<SynthOptions>({{"mode", "shortcut"}, {"genres", 3}, {"shortcut_genre", "rock"}}, "synth"),
      ConfigError, "'rock'", "first 3 genres", "blues, classical, country");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"format", "mp3"}}, "synth"), ConfigError, "'format'", "wav, flac");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"genres", 11}}, "synth"), ConfigError, "'genres'", "[1, 10]");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "and_cue"}, {"genres", 3}}, "synth"), ConfigError,
                    "exactly 2 classes", "both_motifs, one_motif", "genres to 2, got 3");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "and_cue"}, {"genres", 2}, {"seconds", 3.0}}, "synth"),
                    ConfigError, "at least 4 s", "seconds 3");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "and_cue"}, {"genres", 2}, {"cue_stems", 2}}, "synth"),
                    ConfigError, "cue_stems 2", "mode and_cue takes cue_stems 1");
  EXPECT_THROW_WITH(read_options<SynthOptions>({{"mode", "planted"}, {"cue_stems", 3}}, "synth"), ConfigError,
                    "'cue_stems'", "[1, 2]");
  EXPECT_NO_THROW(read_options<SynthOptions>({{"mode", "and_cue"}, {"genres", 2}}, "synth"));
}

TEST(Baseline, NearestCentroidIsExactOnSeparableClassesAndLearnsSyntheticGenres) {
  std::vector<Example> examples;
  for (int c = 0; c < 3; ++c)
    for (int k = 0; k < 4; ++k) {
      Example e;
      e.info = {"tone" + std::to_string(c) + "." + std::to_string(k), c, ""};
      e.audio = testing::sine(200.0 * (c + 1) * (c + 1) + 10.0 * k, 1.0, 22050);
      examples.push_back(std::move(e));
    }
  const InMemoryDataset tones({"low", "mid", "high"}, std::move(examples));
  const Split split = stratified_split(tones, 0.0, 0.25, 3);
  const CentroidBaseline exact = nearest_centroid_baseline(tones, split.train, split.test);
  EXPECT_EQ(exact.accuracy, 1.0);
  EXPECT_EQ(exact.confusion[2][2], 1u);

  TempDir dir;
  SynthOptions o = small(SynthMode::genres, 10, 5, 3.0);
  o.test_fraction = 0.4;
  write_synthetic_dataset(o, dir.path().string());
  const auto d = open_strict(dir.path());
  const CentroidBaseline genres =
      nearest_centroid_baseline(*d, read_split_file((dir.path() / "splits/train.txt").string(), *d),
                                read_split_file((dir.path() / "splits/test.txt").string(), *d));
  EXPECT_EQ(genres.test, 20u);
  EXPECT_GE(genres.accuracy, 0.3);  // three times chance, from 3 training tracks per genre
}

}  // namespace
}  // namespace hearsay::datasets::synth
