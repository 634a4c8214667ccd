#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "factorizations/hpss.h"
#include "factorizations/label_map_factorization.h"
#include "factorizations/tf_grid.h"
#include "factorizations/waveform_factorization.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::factorizations {
namespace {

const FrontEnd& front_end() {
  static const FrontEnd fe{FrontEndOptions{}};
  return fe;
}

std::unique_ptr<Factorization> make(const std::string& name, const nlohmann::json& options,
                                    const FactorizationInput& in) {
  return factorizer_registry().create(name, options)->factorize(in, front_end());
}

FactorizationInput clip_input(double seconds = 3.0) {
  auto clip = testing::stem_clip(seconds, 22050, 4);
  return {clip.mix, clip.stems};
}

TEST(Segments, EqualSegmentsLastTakesTheRemainder) {
  const auto b = segment_boundaries(10007, 22050, 4, {}, 512);
  EXPECT_EQ(b, (std::vector<int64_t>{0, 2501, 5002, 7503, 10007}));
  const auto manual = segment_boundaries(22050, 22050, 3, {0.25, 0.5}, 512);
  EXPECT_EQ(manual, (std::vector<int64_t>{0, 5513, 11025, 22050}));
  EXPECT_THROW_WITH(segment_boundaries(22050, 22050, 3, {0.5, 0.25}, 512), ConfigError, "increase");
  EXPECT_THROW_WITH(segment_boundaries(22050, 22050, 100, {}, 512), ShapeError, "less than one hop", "at most 43");
}

TEST(Segments, NamesRenderAndFrameAssignment) {
  const auto in = clip_input();
  const auto f = make("segments", {{"segments", 5}}, in);
  EXPECT_EQ(f->names(), (std::vector<std::string>{"t00", "t01", "t02", "t03", "t04"}));
  // Rendering segment 2 alone gives the clip inside it and silence elsewhere.
  const auto& wf = dynamic_cast<const WaveformFactorization&>(*f);
  const Audio only = f->render({0, 0, 1, 0, 0});
  for (int64_t i = 0; i < only.frames(); ++i) {
    const bool inside = i >= wf.boundaries()[2] && i < wf.boundaries()[3];
    ASSERT_EQ(only.samples()[static_cast<size_t>(i)], inside ? in.audio.samples()[static_cast<size_t>(i)] : 0.0f);
  }
}

TEST(Segments, NoiseBaselineHasItsLevelAndIsSeeded) {
  const auto in = clip_input();
  const auto a = make("segments", {{"segments", 4}, {"baseline", "noise"}, {"noise_db", -20}, {"seed", 1}}, in);
  const auto b = make("segments", {{"segments", 4}, {"baseline", "noise"}, {"noise_db", -20}, {"seed", 1}}, in);
  const auto c = make("segments", {{"segments", 4}, {"baseline", "noise"}, {"noise_db", -20}, {"seed", 2}}, in);
  const std::vector<uint8_t> none(4, 0);
  EXPECT_EQ(a->render(none).samples(), b->render(none).samples());
  EXPECT_NE(a->render(none).samples(), c->render(none).samples());
  EXPECT_NEAR(20.0 * std::log10(a->render(none).rms() / in.audio.rms()), -20.0, 0.2);
  EXPECT_EQ(a->baseline(), "white noise at -20 dB re the clip RMS (seed 1)");
}

// The shaped-noise baseline (it replaced "mean", a DC offset that explained exactly like silence):
// noise with the clip's average spectrum and level, seeded, and far from silence.
TEST(Segments, ShapedNoiseBaselineHasTheClipsAverageSpectrumAndLevel) {
  const auto in = clip_input();
  const auto a = make("segments", {{"segments", 4}, {"baseline", "shaped_noise"}, {"seed", 1}}, in);
  const auto b = make("segments", {{"segments", 4}, {"baseline", "shaped_noise"}, {"seed", 1}}, in);
  const auto c = make("segments", {{"segments", 4}, {"baseline", "shaped_noise"}, {"seed", 2}}, in);
  const auto zero = make("segments", {{"segments", 4}}, in);
  const std::vector<uint8_t> none(4, 0);
  const Audio noise = a->render(none);
  EXPECT_EQ(noise.samples(), b->render(none).samples());
  EXPECT_NE(noise.samples(), c->render(none).samples());
  EXPECT_NEAR(noise.rms() / in.audio.rms(), 1.0, 1e-4);
  EXPECT_EQ(a->baseline(), "noise with the clip's average spectrum and level (seed 1)");

  // Average power per STFT bin, summed over bands of 16 bins, within 1.5 dB of the clip's wherever
  // the clip's band is within 50 dB of its loudest band.
  const Stft& stft = front_end().stft();
  auto band_power = [&](const Audio& audio) {
    const Matrix<Complex> s = stft.forward(audio.samples().data(), static_cast<int64_t>(audio.samples().size()));
    std::vector<double> bands(static_cast<size_t>((s.cols() + 15) / 16), 0.0);
    for (int64_t t = 0; t < s.rows(); ++t)
      for (int64_t k = 0; k < s.cols(); ++k) bands[static_cast<size_t>(k / 16)] += std::norm(s(t, k));
    return bands;
  };
  const std::vector<double> want = band_power(in.audio);
  const std::vector<double> got = band_power(noise);
  const double loudest = *std::max_element(want.begin(), want.end());
  double worst = 0.0;
  int compared = 0;
  for (size_t j = 0; j < want.size(); ++j) {
    if (want[j] < loudest * 1e-5) continue;
    worst = std::max(worst, std::abs(10.0 * std::log10(got[j] / want[j])));
    ++compared;
  }
  std::printf("shaped noise: %d bands compared, worst %.3f dB from the clip's average spectrum\n", compared, worst);
  EXPECT_GT(compared, 10);
  EXPECT_LT(worst, 1.5);

  // Removing everything gives the model something other than silence: the composed inputs differ by
  // tens of dB where the zero baseline sits at the floor.
  const Matrix<float> shaped_none = a->compose(none);
  const Matrix<float> zero_none = zero->compose(none);
  double largest = 0.0;
  for (int64_t i = 0; i < shaped_none.size(); ++i)
    largest = std::max(largest, static_cast<double>(shaped_none.data()[i] - zero_none.data()[i]));
  EXPECT_GT(largest, 40.0);
}

TEST(Segments, TheMeanBaselineIsGoneAndTheErrorListsTheChoices) {
  EXPECT_THROW_WITH(make("segments", {{"segments", 4}, {"baseline", "mean"}}, clip_input()), ConfigError, "\"mean\"",
                    "zero", "noise", "shaped_noise");
}

TEST(Stems, GivenStemsThatSumExactlyLeaveNoResidualComponent) {
  const auto in = clip_input();
  const auto f = make("stems", {{"segments", 4}}, in);
  EXPECT_EQ(f->size(), 12);
  EXPECT_EQ(f->names()[0], "bursts.t00");
  EXPECT_EQ(f->names()[11], "tones.t03");
  EXPECT_FALSE(f->options()["residual_is_component"].get<bool>());
  EXPECT_TRUE(f->overlapping());
}

TEST(Stems, MissingEnergyBecomesAResidualComponent) {
  auto in = clip_input();
  in.stems.erase("sweep");  // the stems now miss the sweep (-16 dB re the mix): allowed by max_residual_db 0
  const auto f = make("stems", {{"segments", 3}, {"max_residual_db", 0}}, in);
  EXPECT_EQ(f->size(), 9);
  EXPECT_EQ(f->names()[6], "residual.t00");
  const auto kept = make("stems", {{"segments", 3}, {"residual", "keep"}, {"max_residual_db", 0}}, in);
  EXPECT_EQ(kept->size(), 6);
  // Kept residual: removing every stem leaves the sweep, which is louder than silence.
  EXPECT_GT(kept->render(std::vector<uint8_t>(6, 0)).rms(), 0.01);
}

TEST(Stems, StemsThatDoNotAddUpToTheMixAreRefusedWithTheResidualLevel) {
  auto in = clip_input();
  in.stems.erase("sweep");  // -16.4 dB re the mix left unexplained, above the default -20 dB
  EXPECT_THROW_WITH(make("stems", {{"segments", 3}}, in), ShapeError, "do not add up to the mix", "-16.4 dB",
                    "max_residual_db");
  EXPECT_NO_THROW(make("stems", {{"segments", 3}, {"max_residual_db", -10}}, in));
}

TEST(Stems, BadStemsAreRefusedByName) {
  auto in = clip_input();
  in.stems["tones"] = in.stems["tones"].resampled(16000);
  EXPECT_THROW_WITH(make("stems", {}, in), ShapeError, "'tones'", "22050");
  in = clip_input();
  in.stems["bursts"] = in.stems["bursts"].fitted(in.audio.frames() / 2);
  EXPECT_THROW_WITH(make("stems", {}, in), ShapeError, "'bursts'", "samples");
  in = clip_input();
  in.stems.clear();
  EXPECT_THROW_WITH(make("stems", {}, in), ConfigError, "no stems", "hpss");
  in = clip_input();
  in.stems["tones"] = in.stems["tones"].fitted(in.audio.frames() + 100);  // 0.15 % longer: fitted
  EXPECT_EQ(make("stems", {{"segments", 2}}, in)->size(), 6);
}

TEST(Hpss, SplitsTonesFromBurstsAndSumsToTheMix) {
  const auto clip = testing::stem_clip(3.0, 22050, 4);
  const auto& x = clip.mix.samples();
  const HpssResult r = hpss(x, front_end().stft(), HpssOptions{});
  double err = 0.0;
  for (size_t i = 0; i < x.size(); ++i)
    err = std::max(err, static_cast<double>(std::abs(r.harmonic[i] + r.percussive[i] - x[i])));
  EXPECT_LT(err, 1e-5);
  // The harmonic part correlates with the tones stem, the percussive part with the bursts.
  auto correlation = [](const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      ab += static_cast<double>(a[i]) * b[i];
      aa += static_cast<double>(a[i]) * a[i];
      bb += static_cast<double>(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
  };
  EXPECT_GT(correlation(r.harmonic, clip.stems.at("tones").samples()), 0.9);
  EXPECT_GT(correlation(r.percussive, clip.stems.at("bursts").samples()), 0.8);
  HpssOptions wide;
  wide.margin = 3.0;
  const HpssResult m = hpss(x, front_end().stft(), wide);
  double residual = 0.0;
  for (size_t i = 0; i < x.size(); ++i) residual += std::pow(x[i] - m.harmonic[i] - m.percussive[i], 2);
  EXPECT_GT(residual, 1.0);  // a margin leaves energy to the residual
  HpssOptions even;
  even.kernel_time = 30;
  EXPECT_THROW_WITH(hpss(x, front_end().stft(), even), ConfigError, "odd");
}

TEST(Stems, HpssSourceNeedsNoStems) {
  auto in = clip_input();
  in.stems.clear();
  const auto f = make("stems", {{"source", "hpss"}, {"segments", 2}}, in);
  EXPECT_EQ(f->names(), (std::vector<std::string>{"harmonic.t00", "harmonic.t01", "percussive.t00", "percussive.t01"}));
}

TEST(TfGrid, EveryCellBelongsToExactlyOnePatch) {
  const auto in = clip_input(3.1);
  const auto f = make("tf_grid", {{"time_segments", 7}, {"frequency_bands", 5}}, in);
  const auto& lm = dynamic_cast<const LabelMapFactorization&>(*f);
  EXPECT_EQ(f->size(), 35);
  EXPECT_EQ(f->names()[6], "t01.f01");
  std::vector<int64_t> counts(35, 0);
  for (int32_t label : lm.labels().values()) ++counts[static_cast<size_t>(label)];
  int64_t total = 0;
  for (auto c : counts) {
    EXPECT_GT(c, 0);
    total += c;
  }
  EXPECT_EQ(total, f->n_mels() * f->frames());
  // The last time division takes the remainder: 134 frames / 7 = 19, last gets 20.
  EXPECT_EQ(f->frames(), 134);
  EXPECT_EQ(f->span(34).last - f->span(34).first, 20);
  EXPECT_THROW_WITH(make("tf_grid", {{"time_segments", 1000}}, in), ShapeError, "1000 time segments");
}

TEST(TfGrid, BaselinesReplaceRemovedCells) {
  const auto in = clip_input();
  const Matrix<float> x = front_end().features(in.audio);
  for (const char* name : {"zero", "min", "mean", "noise", "blur"}) {
    const auto f = make("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}, {"baseline", name}}, in);
    std::vector<uint8_t> keep(8, 1);
    keep[3] = 0;
    const Matrix<float> composed = f->compose(keep);
    const Matrix<float> ind = f->indicator(3);
    const Matrix<float> base =
        feature_baseline(x, front_end(), read_options<FeatureBaselineOptions>({{"baseline", name}}, "t"));
    for (int64_t c = 0; c < x.size(); ++c)
      ASSERT_EQ(composed.data()[c], ind.data()[c] > 0 ? base.data()[c] : x.data()[c]) << name;
  }
  EXPECT_EQ(feature_baseline(x, front_end(), {}).data()[0], -100.0f);  // zero energy = amin floor in dB
}

TEST(Superpixels, SameRegionsForAnyThreadCountAndNearTheTarget) {
  const auto in = clip_input();
  set_num_threads(1);
  const auto a = make("superpixels", {{"count", 24}}, in);
  set_num_threads(2);
  const auto b = make("superpixels", {{"count", 24}}, in);
  set_num_threads(0);
  EXPECT_TRUE(dynamic_cast<const LabelMapFactorization&>(*a).labels() ==
              dynamic_cast<const LabelMapFactorization&>(*b).labels());
  EXPECT_GE(a->size(), 16);
  EXPECT_LE(a->size(), 24);
  EXPECT_EQ(a->options()["regions_found"], a->size());
}

}  // namespace
}  // namespace hearsay::factorizations
