// Accumulated local effects of stem shares and the spectral centroid, on toy models over real log-mel
// features whose dependence on each descriptor is known: one that reads a low band against a high one,
// one that reads nothing.
#include "bench/global_effects.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/audio_io.h"
#include "core/error.h"
#include "datasets/in_memory_dataset.h"
#include "models/load_model.h"
#include "tests/support/test_support.h"

namespace hearsay::bench {
namespace {

using nlohmann::json;

constexpr int kRate = 22050;

// The mel row where a sine of `hz` is loudest.
int64_t row_of(const FrontEnd& fe, double hz) {
  const Matrix<float> f = fe.features(testing::sine(hz, 0.5, kRate));
  int64_t best = 0;
  for (int64_t m = 0; m < f.rows(); ++m)
    if (f(m, f.cols() / 2) > f(best, f.cols() / 2)) best = m;
  return best;
}

// Class "low"'s logit is 0.1 × (mean log-mel of the 200 Hz row − that of the 4 kHz row); "other"'s is 0.
// Its probability of "low" grows with the low stem's share, falls with the high stem's and does not see
// a stem at 1 kHz, whose scaling leaves both rows as they are.
class BandModel : public models::Model {
 public:
  BandModel() : front_end_(FrontEndOptions{}), low_(row_of(front_end_, 200.0)), high_(row_of(front_end_, 4000.0)) {}
  std::string name() const override { return "band toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 16; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    Matrix<float> out(count, 2);
    const int64_t frames = input_frames(), size = front_end_.n_mels() * frames;
    for (int64_t w = 0; w < count; ++w) {
      double diff = 0.0;
      for (int64_t t = 0; t < frames; ++t)
        diff += windows[w * size + low_ * frames + t] - windows[w * size + high_ * frames + t];
      out(w, 1) = static_cast<float>(0.1 * diff / static_cast<double>(frames));
    }
    return out;
  }

 private:
  FrontEnd front_end_;
  int64_t low_, high_;
  std::vector<std::string> classes_{"other", "low"};
};

// Hears nothing: the same logits for every input.
class DeafModel : public models::Model {
 public:
  DeafModel() : front_end_(FrontEndOptions{}) {}
  std::string name() const override { return "deaf toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 16; }
  Matrix<float> window_logits(const float*, int64_t count) const override {
    Matrix<float> out(count, 3);
    for (int64_t w = 0; w < count; ++w) out(w, 0) = 0.5f, out(w, 2) = -1.0f;
    return out;
  }

 private:
  FrontEnd front_end_;
  std::vector<std::string> classes_{"a", "b", "c"};
};

// Eight clips of three sine stems (200 Hz, 1 kHz, 4 kHz) at levels that differ clip by clip.
std::vector<EffectClip> tone_clips(bool with_stems = true) {
  std::vector<EffectClip> clips;
  for (int i = 0; i < 8; ++i) {
    EffectClip c;
    c.id = "clip" + std::to_string(i);
    c.stems["low"] = testing::sine(200.0, 1.0, kRate, 0.05f + 0.04f * static_cast<float>(i));
    c.stems["mid"] = testing::sine(1000.0, 1.0, kRate, 0.3f - 0.03f * static_cast<float>((i * 5) % 8));
    c.stems["high"] = testing::sine(4000.0, 1.0, kRate, 0.1f + 0.03f * static_cast<float>((i * 3) % 8));
    c.audio = c.stems["low"];
    c.audio += c.stems["mid"];
    c.audio += c.stems["high"];
    if (!with_stems) c.stems.clear();
    clips.push_back(std::move(c));
  }
  return clips;
}

const json& descriptor(const json& effects, const std::string& name) {
  for (const auto& d : effects.at("descriptors"))
    if (d.at("name") == name) return d;
  throw std::runtime_error("no descriptor " + name);
}

std::vector<double> curve(const json& effects, const std::string& name, const std::string& cls) {
  return descriptor(effects, name).at("curves").at(cls).get<std::vector<double>>();
}

double span(const std::vector<double>& g) {
  const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
  return *hi - *lo;
}

TEST(GlobalEffects, CurvesFollowTheStemTheModelHearsAndStayFlatForOneItIgnores) {
  const BandModel model;
  const json effects = global_effects(model, tone_clips());
  const auto low = curve(effects, "share:low", "low");
  ASSERT_EQ(low.size(), 6u);  // 8 distinct shares, 5 bins
  for (size_t k = 1; k < low.size(); ++k) EXPECT_GT(low[k], low[k - 1]) << "edge " << k;
  EXPECT_GT(span(low), 0.05);
  const auto high = curve(effects, "share:high", "low");
  for (size_t k = 1; k < high.size(); ++k) EXPECT_LT(high[k], high[k - 1]) << "edge " << k;
  EXPECT_LT(span(curve(effects, "share:mid", "low")), 0.01 * span(low));
  // Two classes: what "low" gains, "other" loses.
  const auto other = curve(effects, "share:low", "other");
  for (size_t k = 0; k < low.size(); ++k) EXPECT_NEAR(other[k], -low[k], 1e-6);
  EXPECT_EQ(effects.at("evaluations").get<size_t>(), 8u * 2u * 4u);  // 8 clips, 2 edges, 3 shares + centroid
}

TEST(GlobalEffects, BinsAreQuantilesAndTheCurveIsCentredOverTheClips) {
  const json effects = global_effects(BandModel(), tone_clips());
  const json& d = descriptor(effects, "share:low");
  const auto edges = d.at("edges").get<std::vector<double>>();
  const auto counts = d.at("counts").get<std::vector<size_t>>();
  ASSERT_EQ(counts.size(), edges.size() - 1);
  EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), size_t{0}), 8u);
  for (size_t k = 1; k < edges.size(); ++k) EXPECT_GT(edges[k], edges[k - 1]);
  std::vector<double> values;
  for (const auto& v : d.at("values")) values.push_back(v.at("value").get<double>());
  EXPECT_DOUBLE_EQ(edges.front(), *std::min_element(values.begin(), values.end()));
  EXPECT_DOUBLE_EQ(edges.back(), *std::max_element(values.begin(), values.end()));
  // The curve, linear between edges, averages zero over the clips.
  const auto g = curve(effects, "share:low", "low");
  double mean = 0.0;
  for (double x : values) {
    size_t k = 1;
    while (k + 1 < edges.size() && x > edges[k]) ++k;
    mean += g[k - 1] + (x - edges[k - 1]) / (edges[k] - edges[k - 1]) * (g[k] - g[k - 1]);
  }
  EXPECT_NEAR(mean / 8.0, 0.0, 1e-12);
  EXPECT_LT(d.at("landing_error").get<double>(), 1e-5);
  EXPECT_LT(descriptor(effects, "spectral_centroid").at("landing_error").get<double>(), 1e-3 * edges.back() + 0.5);
}

TEST(GlobalEffects, AModelThatHearsNothingHasFlatCurves) {
  const json effects = global_effects(DeafModel(), tone_clips());
  size_t curves = 0;
  for (const auto& d : effects.at("descriptors")) {
    if (!d.at("applicable").get<bool>()) continue;
    for (const auto& [cls, g] : d.at("curves").items())
      for (double v : g.get<std::vector<double>>()) {
        EXPECT_DOUBLE_EQ(v, 0.0) << d.at("name") << " " << cls;
        ++curves;
      }
  }
  EXPECT_EQ(curves, 4u * 3u * 6u);  // 4 descriptors, 3 classes, 6 edges
}

TEST(GlobalEffects, StemInterventionLandsOnTheShareAndKeepsTheRest) {
  const EffectClip clip = tone_clips()[3];
  for (double target : {0.0, 0.1, 0.37, 0.8}) {
    const EffectClip moved = with_stem_share(clip, "low", target);
    EXPECT_NEAR(stem_share(moved, "low"), target, 1e-6);
    // The other stems are untouched and the mix is still their sum.
    EXPECT_EQ(moved.stems.at("mid").samples(), clip.stems.at("mid").samples());
    for (int64_t k = 0; k < clip.audio.frames(); k += 997)
      EXPECT_NEAR(moved.audio.at(k, 0),
                  moved.stems.at("low").at(k, 0) + clip.stems.at("mid").at(k, 0) + clip.stems.at("high").at(k, 0),
                  1e-6);
  }
  EXPECT_THROW_WITH(with_stem_share(clip, "low", 1.0), ShapeError, "no gain of stem 'low'");
  EXPECT_THROW_WITH(stem_share(clip, "vocals"), ConfigError, "no stem 'vocals'");
}

TEST(GlobalEffects, TiltLandsOnTheCentroidAndKeepsTheLoudness) {
  const FrontEnd fe{FrontEndOptions{}};
  const Audio clip = Audio::mono(testing::noise(kRate, 7, 0.3f), kRate);
  const double original = spectral_centroid(fe, clip);
  EXPECT_NEAR(original, kRate / 4.0, 0.05 * kRate);  // white noise: the middle of the band
  for (double factor : {0.5, 0.8, 1.25, 1.6}) {
    const Audio moved = with_spectral_centroid(fe, clip, factor * original);
    EXPECT_NEAR(spectral_centroid(fe, moved), factor * original, 1e-4 * factor * original) << factor;
    EXPECT_NEAR(moved.rms(), clip.rms(), 1e-3 * clip.rms());
  }
  EXPECT_THROW_WITH(with_spectral_centroid(fe, clip, 20000.0), ShapeError, "a tilt moves this clip within");
}

TEST(GlobalEffects, WithoutStemsTheSharesAndTheTempoSayWhyNot) {
  const json effects = global_effects(BandModel(), tone_clips(false));
  const json& stems = descriptor(effects, "stem_shares");
  EXPECT_FALSE(stems.at("applicable").get<bool>());
  EXPECT_NE(stems.at("reason").get<std::string>().find("none of the clips has stems"), std::string::npos);
  const json& tempo = descriptor(effects, "tempo");
  EXPECT_FALSE(tempo.at("applicable").get<bool>());
  EXPECT_NE(tempo.at("reason").get<std::string>().find("rendering the clip again"), std::string::npos);
  EXPECT_TRUE(descriptor(effects, "spectral_centroid").at("applicable").get<bool>());
  EXPECT_EQ(effects.at("evaluations").get<size_t>(), 16u);
  const auto tables = global_effect_tables(effects);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].rows.size(), 2u);  // the centroid, for each class
  EXPECT_EQ(tables[0].rows[0][0], "spectral_centroid");
  EXPECT_EQ(tables[0].rows[0][1], "other");
  const json& centroid = descriptor(effects, "spectral_centroid");
  const auto edges = centroid.at("edges").get<std::vector<double>>();
  ASSERT_EQ(edges.size(), 6u);
  EXPECT_EQ(tables[0].rows[0][2], fixed(edges[0], 0) + ", " + fixed(edges[1], 0) + ", " + fixed(edges[2], 0) + ", " +
                                      fixed(edges[3], 0) + ", " + fixed(edges[4], 0) + ", " + fixed(edges[5], 0));
  EXPECT_EQ(tables[0].rows[1][3], "8");
  EXPECT_EQ(tables[0].rows[1][4].substr(0, tables[0].rows[1][4].find(',')),
            fixed(centroid.at("curves").at("low").at(0).get<double>(), 3));
  bool noted = false;
  for (const auto& line : tables[0].notes) noted = noted || line.find("stem_shares: not applicable") == 0;
  EXPECT_TRUE(noted);
}

TEST(GlobalEffects, RefusesTooFewClipsAndOtherRates) {
  auto clips = tone_clips();
  EXPECT_THROW_WITH(global_effects(BandModel(), {clips[0]}), ConfigError, "at least two clips");
  clips[1].audio = clips[1].audio.resampled(16000);
  EXPECT_THROW_WITH(global_effects(BandModel(), clips), ShapeError, "clip1", "22050 Hz");
}

TEST(GlobalEffects, StudyClipsAreCutMixedDownAndResampledLikeTheBenchDoes) {
  // The same tones at 44.1 kHz in stereo; the study explains 0.5 s from 0.25 s of each.
  std::vector<datasets::Example> examples;
  const auto clips = tone_clips();
  const auto stereo = [](const Audio& a) {
    const Audio fast = a.resampled(44100);
    std::vector<float> both;
    for (float v : fast.samples()) both.insert(both.end(), {v, v});
    return Audio(std::move(both), 2, 44100);
  };
  for (const auto& c : clips) {
    datasets::Example e;
    e.info = {c.id, 0, ""};
    e.audio = stereo(c.audio);
    for (const auto& [name, stem] : c.stems) e.stems[name] = stereo(stem);
    examples.push_back(std::move(e));
  }
  PreparedStudy prepared;
  prepared.dataset =
      std::make_unique<datasets::InMemoryDataset>(std::vector<std::string>{"tones"}, std::move(examples));
  prepared.model = std::make_unique<BandModel>();
  StudyConfig study;
  study.name = "tones";
  study.excerpt_start = 0.25;
  study.excerpt_seconds = 0.5;
  const std::vector<std::string> ids{"clip5", "clip1", "clip2", "clip7"};
  const json effects = study_global_effects(prepared, study, ids);
  EXPECT_EQ(effects.at("study"), "tones");
  EXPECT_EQ(effects.at("clips").get<std::vector<std::string>>(), ids);
  const json& low = descriptor(effects, "share:low");
  ASSERT_TRUE(low.at("applicable").get<bool>());
  // Steady tones: the excerpt's shares are the whole clip's.
  for (const auto& v : low.at("values")) {
    const std::string id = v.at("clip");
    EXPECT_NEAR(v.at("value").get<double>(), stem_share(clips[static_cast<size_t>(id.back() - '0')], "low"), 2e-3)
        << id;
  }
  EXPECT_EQ(effects.at("evaluations").get<size_t>(), 4u * 2u * 4u);
  EXPECT_THROW_WITH(study_global_effects(prepared, study, {"clip1", "nope"}), ConfigError, "no clip 'nope'");
  // No ids: the study's own clips, at most max_clips of them.
  prepared.clips = {6, 0, 3, 4};
  GlobalEffectsOptions three;
  three.max_clips = 3;
  three.spectral_centroid = false;
  const json own = study_global_effects(prepared, study, {}, three);
  EXPECT_EQ(own.at("clips").get<std::vector<std::string>>(), (std::vector<std::string>{"clip6", "clip0", "clip3"}));
  EXPECT_EQ(own.at("evaluations").get<size_t>(), 3u * 2u * 3u);
  three.max_clips = -1;
  EXPECT_THROW_WITH(study_global_effects(prepared, study, {}, three), ConfigError, "max_clips");
}

TEST(GlobalEffects, OnTheTrainedNetworkTheClassCurvesCancel) {
  // The planted fixture's network and its two clips with true stems, each cut into three excerpts.
  const auto fixture = testing::data_dir() / "planted";
  const auto model = models::load_model((fixture / "model").string());
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  std::vector<EffectClip> clips;
  for (const char* id : {"church_organ_chords.00008", "glockenspiel_arpeggio.00000"}) {
    const auto dir = fixture / "clips" / id;
    const Audio mix = load_audio((dir / "mix.flac").string(), load);
    std::map<std::string, Audio> stems;
    for (const char* stem : {"bass", "drums", "harmony", "lead"})
      stems[stem] = load_audio((dir / (std::string(stem) + ".flac")).string(), load);
    for (double start : {0.0, 1.5, 3.0}) {
      EffectClip c{std::string(id) + "@" + std::to_string(start), mix.excerpt(start, 3.0), {}};
      for (const auto& [name, audio] : stems) c.stems[name] = audio.excerpt(start, 3.0);
      clips.push_back(std::move(c));
    }
  }
  const json effects = global_effects(*model, clips);
  EXPECT_EQ(effects.at("evaluations").get<size_t>(), 6u * 2u * 5u);  // 4 stems and the centroid
  for (const auto& d : effects.at("descriptors")) {
    if (d.at("kind") == "tempo") continue;
    ASSERT_TRUE(d.at("applicable").get<bool>()) << d.dump();
    EXPECT_EQ(d.at("clips_used").get<size_t>(), 6u) << d.at("left_out").dump();
    // The probabilities sum to one, so what one class gains along a descriptor the others lose.
    const size_t edges = d.at("edges").size();
    for (size_t k = 0; k < edges; ++k) {
      double sum = 0.0;
      for (const auto& [cls, g] : d.at("curves").items()) sum += g.at(k).get<double>();
      EXPECT_NEAR(sum, 0.0, 1e-5) << d.at("name") << " edge " << k;
    }
  }
}

}  // namespace
}  // namespace hearsay::bench
