// `ground_truth_rank` on a stems x segments factorization whose geometry is known: three stems
// ("bursts", "sweep", "tones") cut at 1 s and 2 s of a 3 s clip; and cue_regions.
#include <algorithm>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "metrics/cue_regions.h"
#include "metrics/ground_truth_rank.h"
#include "tests/metrics/three_stems.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay::metrics {
namespace {

class GroundTruthRankTest : public testing::ThreeStems {
 protected:
  void SetUp() override {
    ThreeStems::SetUp();
    ASSERT_EQ(factorization_->names(),
              (std::vector<std::string>{"bursts.t00", "bursts.t01", "bursts.t02", "sweep.t00", "sweep.t01", "sweep.t02",
                                        "tones.t00", "tones.t01", "tones.t02"}));
  }
  // An explanation whose scores put the named components first, in that order (9, 8, 7, ...), the
  // rest at 0.
  methods::Explanation ranked(const std::vector<std::string>& order) const {
    methods::Explanation e;
    e.method = "lime";
    e.names = factorization_->names();
    e.scores.assign(e.names.size(), 0.0);
    for (size_t k = 0; k < order.size(); ++k)
      e.scores[static_cast<size_t>(std::find(e.names.begin(), e.names.end(), order[k]) - e.names.begin())] =
          9.0 - static_cast<double>(k);
    return e;
  }
  MetricResult rank(const methods::Explanation& e, std::vector<factorizations::Region> truth,
                    const nlohmann::json& options = nlohmann::json::object()) const {
    return metric_registry().create("ground_truth_rank", options)->evaluate({&e, factorization_.get(), truth});
  }
};

TEST_F(GroundTruthRankTest, RankOfTheComponentHoldingTheCue) {
  // A cue in the tones stem at 0.2-0.8 s lies in tones.t00 alone; the method puts it third.
  const auto e = ranked({"bursts.t01", "sweep.t02", "tones.t00", "tones.t01"});
  const MetricResult r = rank(e, {{"tones", 0.2, 0.8, 300.0, 600.0}});
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_EQ(*r.value, 2.0);
  EXPECT_EQ(r.extra.at("components"), nlohmann::json::array({"tones.t00"}));
  EXPECT_EQ(r.extra.at("hit_at_1"), 0);
  const MetricResult first = rank(ranked({"tones.t00", "bursts.t01"}), {{"tones", 0.2, 0.8}});
  EXPECT_EQ(*first.value, 0.0);
  EXPECT_EQ(first.extra.at("hit_at_1"), 1);
}

TEST_F(GroundTruthRankTest, ACueAcrossACutIsHeldByBothSegments) {
  // 0.8-1.2 s straddles the cut at 1 s: tones.t00 and tones.t01 hold half each; the better placed
  // of the two (tones.t01, second) gives the rank.
  const auto e = ranked({"sweep.t00", "tones.t01", "bursts.t00", "tones.t00"});
  const MetricResult r = rank(e, {{"tones", 0.8, 1.2}});
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_EQ(*r.value, 1.0);
  EXPECT_EQ(r.extra.at("components"), nlohmann::json::array({"tones.t00", "tones.t01"}));
  for (const auto& o : r.extra.at("overlaps")) EXPECT_NEAR(o.get<double>(), 0.5, 0.03);
  // Asking for more than half of the cue: no segment holds it.
  const MetricResult strict = rank(e, {{"tones", 0.8, 1.2}}, {{"min_overlap", 0.6}});
  EXPECT_FALSE(strict.value);
  EXPECT_NE(strict.reason.find("at least 0.6"), std::string::npos) << strict.reason;
  EXPECT_NE(strict.reason.find("'tones.t0"), std::string::npos) << strict.reason;
}

TEST_F(GroundTruthRankTest, TiesCountAgainstTheMethod) {
  // Every component scored alike: the holder comes after the eight that do not hold the cue.
  const MetricResult r = rank(ranked({}), {{"tones", 0.2, 0.8}});
  EXPECT_EQ(*r.value, 8.0);
  EXPECT_EQ(r.extra.at("hit_at_1"), 0);
}

TEST_F(GroundTruthRankTest, DoesNotApplyWithoutACueOrAHolder) {
  const auto e = ranked({"tones.t00"});
  const MetricResult none = rank(e, {});
  EXPECT_FALSE(none.value);
  EXPECT_NE(none.reason.find("no ground truth"), std::string::npos) << none.reason;
  const MetricResult other_stem = rank(e, {{"lead", 0.2, 0.8}});
  EXPECT_FALSE(other_stem.value);
  EXPECT_NE(other_stem.reason.find("no component holds the cue"), std::string::npos) << other_stem.reason;
  const MetricResult outside = rank(e, {{"tones", 4.0, 5.0}});
  EXPECT_FALSE(outside.value);
  EXPECT_THROW_WITH(rank(e, {{"tones", 0.8, 0.2}}), ConfigError, "region 'tones'", "start_seconds");
  EXPECT_THROW_WITH(metric_registry().create("ground_truth_rank", {{"min_overlap", 0}}), ConfigError, "min_overlap");
  EXPECT_THROW_WITH(metric_registry().create("ground_truth_rank", {{"min_overlap", 1.5}}), ConfigError, "min_overlap");
}

TEST(CueRegions, PlantedCuesInTheExcerptsTime) {
  std::vector<datasets::GroundTruth> truth(3);
  truth[0] = {"planted", "lead", 3.0, 4.5, 300.0, 2400.0, "motif"};
  truth[1] = {"shortcut", "", 1.0, 2.0, 0.0, 0.0, "click"};
  truth[2] = {"planted", "", 2.5, 3.0, 100.0, 0.0, "band not recorded"};
  const auto planted = cue_regions(truth, 2.0);
  ASSERT_EQ(planted.size(), 2u);
  EXPECT_EQ(planted[0].source, "lead");
  EXPECT_EQ(planted[0].start_seconds, 1.0);
  EXPECT_EQ(planted[0].end_seconds, 2.5);
  EXPECT_EQ(planted[0].low_hz, 300.0);
  EXPECT_EQ(planted[0].high_hz, 2400.0);
  EXPECT_EQ(planted[1].high_hz, std::numeric_limits<double>::infinity());
  EXPECT_EQ(planted[1].start_seconds, 0.5);
  const auto all = cue_regions(truth, 0.0, "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].start_seconds, 1.0);
  EXPECT_EQ(cue_regions(truth, 0.0, "shortcut").size(), 1u);
}

}  // namespace
}  // namespace hearsay::metrics
