// The `sensitivity` metric: the noise it adds has the asked power and keeps stems summing to the mix;
// on an additive model the explanation's change is small at a high SNR and grows as the SNR falls; the
// metric says when it does not apply, and the same seed gives the same value.
#include <cmath>

#include <gtest/gtest.h>

#include "metrics/sensitivity.h"
#include "tests/metrics/region_clip.h"
#include "tests/support/test_support.h"

namespace hearsay::metrics {
namespace {

class Sensitivity : public testing::RegionClip {};

// RMS of a − b over a's samples.
double rms_difference(const Audio& a, const Audio& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.samples().size(); ++i) {
    const double d = static_cast<double>(a.samples()[i]) - b.samples()[i];
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(a.samples().size()));
}

TEST_F(Sensitivity, NoiseHasItsPowerAndTheStemsStillSumToTheMix) {
  const factorizations::FactorizationInput noisy = with_noise(source_, 20.0, 9);
  const double expected = source_.audio.rms() * 0.1;  // 20 dB below the clip
  EXPECT_NEAR(rms_difference(noisy.audio, source_.audio), expected, 0.02 * expected);
  ASSERT_EQ(noisy.stems.size(), 3u);
  std::vector<double> sum(noisy.audio.samples().size(), 0.0);
  for (const auto& [name, stem] : noisy.stems) {
    // Each stem carries a third of the noise power.
    EXPECT_NEAR(rms_difference(stem, source_.stems.at(name)), expected / std::sqrt(3.0), 0.02 * expected) << name;
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += stem.samples()[i];
  }
  for (size_t i = 0; i < sum.size(); ++i) ASSERT_NEAR(sum[i], noisy.audio.samples()[i], 1e-5) << i;
  // Seeded: the same seed, the same noise; another seed, other noise.
  EXPECT_EQ(with_noise(source_, 20.0, 9).audio.samples(), noisy.audio.samples());
  EXPECT_NE(with_noise(source_, 20.0, 10).audio.samples(), noisy.audio.samples());
  // A clip without stems gets it all; a silent clip stays silent.
  const factorizations::FactorizationInput mix_only{source_.audio, {}};
  EXPECT_NEAR(rms_difference(with_noise(mix_only, 20.0, 9).audio, source_.audio), expected, 0.02 * expected);
  const factorizations::FactorizationInput silent{Audio::silence(1000, 1, 22050), {}};
  EXPECT_EQ(with_noise(silent, 20.0, 9).audio.rms(), 0.0);
}

TEST_F(Sensitivity, GrowsAsTheSnrFallsOnAnAdditiveModel) {
  const auto grid = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}}, "occlusion",
                            nlohmann::json::object(), &magnitudes_);
  double previous = -1.0;
  for (const double snr : {60.0, 40.0, 20.0, 0.0}) {
    const MetricResult r = evaluate("sensitivity", {{"snr_db", snr}}, grid);
    ASSERT_TRUE(r.value) << r.reason;
    std::cout << "snr " << snr << " dB: max " << *r.value << ", mean " << r.extra.at("mean") << ", spearman "
              << r.extra.at("spearman") << "\n";
    EXPECT_GT(*r.value, previous) << snr;
    // To first order the scores move with the noise's amplitude: about 10 times per 20 dB.
    if (snr == 40.0) {
      EXPECT_NEAR(*r.value / previous, 10.0, 3.0);
    }
    EXPECT_LE(r.extra.at("mean").get<double>(), *r.value);
    EXPECT_EQ(r.extra.at("evaluations").get<int64_t>(), 3 * grid.explanation.evals);
    if (snr == 60.0) {
      EXPECT_LT(*r.value, 0.01);
      EXPECT_GT(r.extra.at("spearman").get<double>(), 0.99);
    }
    previous = *r.value;
  }
}

TEST_F(Sensitivity, StemsKeepTheirComponentsUnderNoise) {
  const auto stems = explain("stems", {{"segments", 3}}, "occlusion");
  const MetricResult r = evaluate("sensitivity", {{"samples", 2}}, stems);
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_GE(*r.value, 0.0);
}

TEST_F(Sensitivity, SaysWhenItDoesNotApply) {
  const auto grid = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}}, "occlusion");
  const MetricResult no_source = evaluate("sensitivity", nlohmann::json::object(), grid, false);
  EXPECT_FALSE(no_source.value);
  EXPECT_NE(no_source.reason.find("no source audio"), std::string::npos) << no_source.reason;
  // Occlusion over 8 patches evaluates 10 masks (all kept, none, each one removed); 3 samples need 30.
  const MetricResult over_budget = evaluate("sensitivity", {{"max_evaluations", 29}}, grid);
  EXPECT_FALSE(over_budget.value);
  EXPECT_NE(over_budget.reason.find("3 noisy re-explanations by 'occlusion' would take about 30 model evaluations"),
            std::string::npos)
      << over_budget.reason;
  EXPECT_TRUE(evaluate("sensitivity", {{"max_evaluations", 30}}, grid).value);
  EXPECT_THROW_WITH(metric_registry().create("sensitivity", {{"samples", 0}}), ConfigError, "samples");
  EXPECT_THROW_WITH(metric_registry().create("sensitivity", {{"snr", 20}}), ConfigError, "snr");
}

TEST_F(Sensitivity, TheSameSeedGivesTheSameValue) {
  const auto lime = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}}, "lime", {{"num_samples", 64}});
  const MetricResult a = evaluate("sensitivity", {{"seed", 4}}, lime);
  const MetricResult b = evaluate("sensitivity", {{"seed", 4}}, lime);
  const MetricResult other = evaluate("sensitivity", {{"seed", 5}}, lime);
  ASSERT_TRUE(a.value) << a.reason;
  EXPECT_EQ(*a.value, *b.value);
  EXPECT_EQ(a.extra, b.extra);
  EXPECT_NE(a.extra.at("mean"), other.extra.at("mean"));
}

}  // namespace
}  // namespace hearsay::metrics
