// The `granularity` metric: on an additive model the finer explanation pooled onto the coarser
// components gives the coarser one back (value 1); pooling shares a straddling component by its cells
// and never across stems; the metric says when it does not apply, and the same seed gives the same value.
#include <gtest/gtest.h>

#include "metrics/granularity.h"
#include "tests/metrics/region_clip.h"
#include "tests/support/test_support.h"

namespace hearsay::metrics {
namespace {

class Granularity : public testing::RegionClip {};

TEST_F(Granularity, FinerScoresPooledGiveTheCoarseOnesOnAnAdditiveModel) {
  for (const std::string method : {"occlusion", "exact_shapley"}) {
    const auto coarse = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 1}}, method);
    const auto fine = explain("tf_grid", {{"time_segments", 8}, {"frequency_bands", 1}}, method);
    const std::vector<double> pooled = pool_scores(*fine.factorization, fine.explanation.scores, *coarse.factorization);
    ASSERT_EQ(pooled.size(), 4u);
    // Equal up to the float rounding of the logits the scores are differences of.
    const double rounding = 1e-6 * std::abs(coarse.explanation.full_output);
    for (size_t j = 0; j < pooled.size(); ++j)
      EXPECT_NEAR(pooled[j], coarse.explanation.scores[j], rounding) << method << " component " << j;
    const MetricResult r = evaluate("granularity", nlohmann::json::object(), coarse);
    ASSERT_TRUE(r.value) << r.reason;
    EXPECT_DOUBLE_EQ(*r.value, 1.0) << method;
    EXPECT_DOUBLE_EQ(r.extra.at("top_k_jaccard").get<double>(), 1.0);
    EXPECT_EQ(r.extra.at("fine_components"), 8);
    EXPECT_EQ(r.extra.at("evaluations").get<int64_t>(), fine.explanation.evals) << method;
  }
}

TEST_F(Granularity, AStraddlingComponentIsSharedByItsCells) {
  // 130 frames: halves [0, 65) and [65, 130); thirds [0, 43), [43, 86), [86, 130): the middle third has
  // 22 frames in the first half and 21 in the second.
  const auto halves = explain("tf_grid", {{"time_segments", 2}, {"frequency_bands", 1}}, "occlusion");
  const auto thirds = explain("tf_grid", {{"time_segments", 3}, {"frequency_bands", 1}}, "occlusion");
  ASSERT_EQ(halves.factorization->frames(), 130);
  const std::vector<double> pooled = pool_scores(*thirds.factorization, {1.0, 2.0, 4.0}, *halves.factorization);
  EXPECT_NEAR(pooled[0], 1.0 + 2.0 * 22.0 / 43.0, 1e-12);
  EXPECT_NEAR(pooled[1], 2.0 * 21.0 / 43.0 + 4.0, 1e-12);
}

TEST_F(Granularity, PoolingKeepsEachStemToItself) {
  const auto coarse = explain("stems", {{"segments", 3}}, "occlusion");
  const auto fine = explain("stems", {{"segments", 6}}, "occlusion");
  ASSERT_EQ(coarse.factorization->size(), 9);
  std::vector<double> scores(18);
  for (size_t i = 0; i < scores.size(); ++i) scores[i] = static_cast<double>(1 << i);  // each visible in a sum
  const std::vector<double> pooled = pool_scores(*fine.factorization, scores, *coarse.factorization);
  // Components are source-major: coarse (stem s, segment k) holds fine (s, 2k) and (s, 2k + 1).
  for (size_t j = 0; j < pooled.size(); ++j) {
    const size_t s = j / 3, k = j % 3;
    EXPECT_EQ(pooled[j], scores[6 * s + 2 * k] + scores[6 * s + 2 * k + 1]) << coarse.explanation.names[j];
  }
}

TEST_F(Granularity, SaysWhenItDoesNotApply) {
  const auto grid = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 1}}, "occlusion");
  const MetricResult no_source = evaluate("granularity", nlohmann::json::object(), grid, false);
  EXPECT_FALSE(no_source.value);
  EXPECT_NE(no_source.reason.find("no source audio"), std::string::npos) << no_source.reason;

  const auto regions = explain("superpixels", {{"count", 6}}, "occlusion");
  const MetricResult no_option = evaluate("granularity", nlohmann::json::object(), regions);
  EXPECT_FALSE(no_option.value);
  EXPECT_NE(no_option.reason.find("'superpixels' has no time-segment option"), std::string::npos) << no_option.reason;

  const auto cut = explain("segments", {{"boundaries", {1.0, 2.0}}}, "occlusion");
  const MetricResult by_boundaries = evaluate("granularity", nlohmann::json::object(), cut);
  EXPECT_FALSE(by_boundaries.value);
  EXPECT_NE(by_boundaries.reason.find("\"boundaries\""), std::string::npos) << by_boundaries.reason;

  // 100 segments of a 3 s clip are 662 samples each; 200 would be shorter than a hop (512).
  const auto many = explain("segments", {{"segments", 100}}, "occlusion");
  const MetricResult too_fine = evaluate("granularity", nlohmann::json::object(), many);
  EXPECT_FALSE(too_fine.value);
  EXPECT_NE(too_fine.reason.find("finer factorization (segments 200) cannot be made"), std::string::npos)
      << too_fine.reason;

  // 4 x 3 patches are 12 components, within exact Shapley's 20; 8 x 3 are not.
  const auto patches = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 3}}, "exact_shapley");
  const MetricResult refused = evaluate("granularity", nlohmann::json::object(), patches);
  EXPECT_FALSE(refused.value);
  EXPECT_NE(refused.reason.find("method 'exact_shapley' refuses the finer factorization (24 components)"),
            std::string::npos)
      << refused.reason;

  EXPECT_THROW_WITH(metric_registry().create("granularity", {{"factor", 1}}), ConfigError, "factor");
}

TEST_F(Granularity, TheSameSeedGivesTheSameValue) {
  // LIME with few samples depends on its seed; the re-explanation takes the original's.
  const auto lime = explain("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}}, "lime", {{"num_samples", 64}});
  const MetricResult a = evaluate("granularity", nlohmann::json::object(), lime);
  const MetricResult b = evaluate("granularity", nlohmann::json::object(), lime);
  ASSERT_TRUE(a.value) << a.reason;
  EXPECT_EQ(*a.value, *b.value);
  EXPECT_EQ(a.extra, b.extra);
  EXPECT_LE(*a.value, 1.0);
}

}  // namespace
}  // namespace hearsay::metrics
