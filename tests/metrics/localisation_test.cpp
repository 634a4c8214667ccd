// `localisation` on a stems x segments factorization whose geometry is known (three stems cut at 1 s
// and 2 s of a 3 s clip, as in ground_truth_rank_test), and dense maps over its grid.
#include <algorithm>

#include <gtest/gtest.h>

#include "factorizations/factorization.h"
#include "metrics/localisation.h"
#include "tests/metrics/three_stems.h"
#include "tests/support/test_support.h"

namespace hearsay::metrics {
namespace {

class LocalisationTest : public testing::ThreeStems {
 protected:
  methods::Explanation scored(const std::vector<std::pair<std::string, double>>& scores) const {
    methods::Explanation e;
    e.method = "lime";
    e.names = factorization_->names();
    e.scores.assign(e.names.size(), 0.0);
    for (const auto& [name, score] : scores)
      e.scores[static_cast<size_t>(std::find(e.names.begin(), e.names.end(), name) - e.names.begin())] = score;
    return e;
  }
  MetricResult localise(const methods::Explanation& e, std::vector<factorizations::Region> truth) const {
    return metric_registry().create("localisation")->evaluate({&e, factorization_.get(), truth});
  }
};

// A cue in the tones stem over 0.5-1.5 s is held by tones.t00 and tones.t01 (half each): K = 2.
TEST_F(LocalisationTest, RankAndMassAccuracyOverTheHolders) {
  const std::vector<factorizations::Region> cue{{"tones", 0.5, 1.5}};
  const MetricResult both = localise(scored({{"tones.t00", 3.0}, {"tones.t01", 2.0}, {"bursts.t00", 1.0}}), cue);
  ASSERT_TRUE(both.value) << both.reason;
  EXPECT_EQ(both.extra.at("holders"), 2);
  EXPECT_DOUBLE_EQ(*both.value, 1.0);
  EXPECT_DOUBLE_EQ(both.extra.at("mass_accuracy").get<double>(), 5.0 / 6.0);
  EXPECT_EQ(both.extra.at("top_k_hit"), 1);
  // One holder in the top two; negative scores carry no mass.
  const MetricResult half = localise(scored({{"tones.t00", 3.0}, {"sweep.t01", 2.0}, {"tones.t01", -4.0}}), cue);
  EXPECT_DOUBLE_EQ(*half.value, 0.5);
  EXPECT_DOUBLE_EQ(half.extra.at("mass_accuracy").get<double>(), 3.0 / 5.0);
  const MetricResult none = localise(scored({{"sweep.t00", 3.0}, {"sweep.t01", 2.0}, {"bursts.t02", 1.0}}), cue);
  EXPECT_DOUBLE_EQ(*none.value, 0.0);
  EXPECT_EQ(none.extra.at("top_k_hit"), 0);
  EXPECT_FALSE(both.extra.contains("pointing_game"));  // no dense map
  EXPECT_FALSE(localise(scored({}), {{"tones", 0.5, 1.5}}).extra.at("mass_accuracy").is_number());
}

// A map that is positive exactly on the cue's cells has mass accuracy 1 and points at it; a map that
// puts its peak outside does not.
TEST_F(LocalisationTest, DenseMapsScoreTheirMassAndPeakOnTheCueCells) {
  const std::vector<factorizations::Region> cue{{"tones", 0.5, 1.5, 500.0, 2000.0}};
  const Matrix<float> cells = region_cells(factorization_->grid(), cue);
  methods::Explanation e = scored({{"tones.t00", 1.0}, {"tones.t01", 1.0}});
  Matrix<float> exact(cells.rows(), cells.cols(), 0.0f);
  for (int64_t c = 0; c < cells.size(); ++c) exact.data()[c] = cells.data()[c] == 1.0f ? 1.0f : 0.0f;
  e.map = exact;
  const MetricResult r = localise(e, cue);
  EXPECT_DOUBLE_EQ(r.extra.at("map_mass_accuracy").get<double>(), 1.0);
  EXPECT_EQ(r.extra.at("pointing_game"), 1);
  Matrix<float> elsewhere = exact;
  elsewhere(0, 0) = 5.0f;  // the lowest band at the start: outside the cue
  e.map = elsewhere;
  const MetricResult off = localise(e, cue);
  EXPECT_EQ(off.extra.at("pointing_game"), 0);
  EXPECT_LT(off.extra.at("map_mass_accuracy").get<double>(), 1.0);
  EXPECT_GT(off.extra.at("map_mass_accuracy").get<double>(), 0.0);
}

TEST_F(LocalisationTest, NotApplicableWithoutACueOrAHolder) {
  const methods::Explanation e = scored({{"tones.t00", 1.0}});
  EXPECT_FALSE(localise(e, {}).value);
  EXPECT_FALSE(localise(e, {{"vocals", 0.5, 1.5}}).value);  // no such stem: nobody holds it
  EXPECT_THROW_WITH(metric_registry().create("localisation", {{"top_k", 0}}), ConfigError, "top_k");
}

}  // namespace
}  // namespace hearsay::metrics
