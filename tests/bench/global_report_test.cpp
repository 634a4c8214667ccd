// Global explanations on records written by hand: every mean, sd and share below is worked out from them.
#include "bench/global_report.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hearsay::bench {
namespace {

using nlohmann::json;

Record explained(const std::string& clip, const std::string& factorization, const std::string& target,
                 const std::vector<std::string>& names, const std::vector<double>& scores) {
  Record r;
  r.job = clip + "-" + factorization + "-" + target;
  r.ok = true;
  r.config = {{"study", "synth"}, {"clip", clip}, {"factorization", factorization}, {"method", "lime"}};
  r.explanation = {{"target_name", target}, {"names", names}, {"scores", scores}};
  return r;
}

const std::vector<std::string> kStems{"drums.t00", "drums.t01", "bass.t00", "bass.t01"};

// Normalised by sum |scores|: a = (.25, .25, -.25, .25), b = (0, .25, .25, .5), c = (.75, 0, 0, .25).
std::vector<Record> reggae_records() {
  return {explained("a", "stems", "reggae", kStems, {1, 1, -1, 1}),
          explained("b", "stems", "reggae", kStems, {0, 2, 2, 4}),
          explained("c", "stems", "reggae", kStems, {3, 0, 0, 1})};
}

const GlobalGroup* find_group(const std::vector<GlobalGroup>& groups, const std::string& factorization,
                              const std::string& target, const std::string& axis) {
  for (const auto& g : groups)
    if (g.factorization == factorization && g.target == target && g.axis == axis) return &g;
  return nullptr;
}

TEST(GlobalGroups, StemScoresSumTheirSegmentsOfNormalisedScores) {
  const auto groups = global_groups(reggae_records());
  const GlobalGroup* stem = find_group(groups, "stems", "reggae", "stem");
  ASSERT_NE(stem, nullptr);
  EXPECT_EQ(stem->study, "synth");
  EXPECT_EQ(stem->method, "lime");
  EXPECT_EQ(stem->clips, 3u);
  ASSERT_EQ(stem->entries.size(), 2u);
  // drums per clip: .5, .25, .75; bass: 0, .75, .25.
  EXPECT_EQ(stem->entries[0].name, "drums");
  EXPECT_DOUBLE_EQ(stem->entries[0].mean, 0.5);
  EXPECT_NEAR(stem->entries[0].sd, 0.25, 1e-12);  // sqrt((0 + .0625 + .0625) / 2)
  EXPECT_EQ(stem->entries[0].n, 3u);
  EXPECT_NEAR(stem->entries[0].top_share, 2.0 / 3.0, 1e-12);  // largest on a and c
  EXPECT_EQ(stem->entries[1].name, "bass");
  EXPECT_NEAR(stem->entries[1].mean, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(stem->entries[1].sd, std::sqrt((1.0 / 9 + 25.0 / 144 + 1.0 / 144) / 2), 1e-12);
  EXPECT_NEAR(stem->entries[1].top_share, 1.0 / 3.0, 1e-12);

  const GlobalGroup* segment = find_group(groups, "stems", "reggae", "segment");
  ASSERT_NE(segment, nullptr);
  ASSERT_EQ(segment->entries.size(), 2u);
  // t00 per clip: 0, .25, .75; t01: .5, .75, .25.
  EXPECT_EQ(segment->entries[0].name, "t00");
  EXPECT_NEAR(segment->entries[0].mean, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(segment->entries[1].mean, 0.5, 1e-12);
  EXPECT_NEAR(segment->entries[1].sd, 0.25, 1e-12);
  EXPECT_NEAR(segment->entries[1].top_share, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(find_group(groups, "stems", "reggae", "band"), nullptr);

  const json j = stem->to_json();
  EXPECT_EQ(j.at("axis"), "stem");
  EXPECT_EQ(j.at("target"), "reggae");
  EXPECT_EQ(j.at("clips"), 3);
  EXPECT_EQ(j.at("entries").at(1).at("name"), "bass");
  EXPECT_DOUBLE_EQ(j.at("entries").at(0).at("sd").get<double>(), stem->entries[0].sd);
  EXPECT_DOUBLE_EQ(j.at("entries").at(1).at("top_share").get<double>(), stem->entries[1].top_share);
}

TEST(GlobalGroups, ScaleOfAClipsOutputDoesNotWeighIt) {
  auto records = reggae_records();
  records[1].explanation["scores"] = std::vector<double>{0, 200, 200, 400};  // b a hundred times louder
  const GlobalGroup* stem = find_group(global_groups(records), "stems", "reggae", "stem");
  ASSERT_NE(stem, nullptr);
  EXPECT_NEAR(stem->entries[0].mean, 0.5, 1e-12);
}

TEST(GlobalGroups, BandsOfTfGridAndClassesApart) {
  auto records = reggae_records();
  // Normalised: .1 .2 .3 -.4; segments t00 = .3, t01 = -.1; bands f00 = .4, f01 = -.2.
  records.push_back(explained("d", "tf_grid", "jazz", {"t00.f00", "t00.f01", "t01.f00", "t01.f01"}, {1, 2, 3, -4}));
  records.push_back(explained("e", "stems", "jazz", kStems, {0, 0, 1, 1}));
  const auto groups = global_groups(records);
  const GlobalGroup* band = find_group(groups, "tf_grid", "jazz", "band");
  ASSERT_NE(band, nullptr);
  EXPECT_EQ(band->clips, 1u);
  ASSERT_EQ(band->entries.size(), 2u);
  EXPECT_NEAR(band->entries[0].mean, 0.4, 1e-12);
  EXPECT_NEAR(band->entries[1].mean, -0.2, 1e-12);
  EXPECT_DOUBLE_EQ(band->entries[0].sd, 0.0);  // one clip: no spread
  EXPECT_DOUBLE_EQ(band->entries[0].top_share, 1.0);
  const GlobalGroup* segment = find_group(groups, "tf_grid", "jazz", "segment");
  ASSERT_NE(segment, nullptr);
  EXPECT_NEAR(segment->entries[0].mean, 0.3, 1e-12);
  EXPECT_NEAR(segment->entries[1].mean, -0.1, 1e-12);
  EXPECT_EQ(find_group(groups, "tf_grid", "jazz", "stem"), nullptr);
  // jazz's stems clip does not join reggae's.
  const GlobalGroup* jazz = find_group(groups, "stems", "jazz", "stem");
  ASSERT_NE(jazz, nullptr);
  EXPECT_EQ(jazz->clips, 1u);
  EXPECT_DOUBLE_EQ(jazz->entries[1].mean, 1.0);
  EXPECT_EQ(find_group(groups, "stems", "reggae", "stem")->clips, 3u);
  // Groups of one (study, factorization, method) stay together, classes as first met.
  EXPECT_EQ(groups[0].target, "reggae");
  EXPECT_EQ(groups[2].target, "jazz");
  EXPECT_EQ(groups[2].factorization, "stems");
}

TEST(GlobalGroups, SegmentsInIndexOrder) {
  const auto groups = global_groups({explained("a", "segments", "pop", {"t10", "t02", "t100"}, {1, 2, 1})});
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].entries.size(), 3u);
  EXPECT_EQ(groups[0].entries[0].name, "t02");
  EXPECT_EQ(groups[0].entries[1].name, "t10");
  EXPECT_EQ(groups[0].entries[2].name, "t100");
  EXPECT_DOUBLE_EQ(groups[0].entries[0].mean, 0.5);
}

TEST(GlobalGroups, FailedAttackedZeroAndPositionlessRecordsAreLeftOut) {
  auto records = reggae_records();
  Record failed = explained("f", "stems", "reggae", kStems, {100, 0, 0, 0});
  failed.ok = false;
  Record attacked = explained("g", "stems", "reggae", kStems, {100, 0, 0, 0});
  attacked.config["adversarial"] = {{"attack", "pgd"}};
  records.push_back(failed);
  records.push_back(attacked);
  records.push_back(explained("h", "stems", "reggae", kStems, {0, 0, 0, 0}));
  records.push_back(explained("i", "superpixels", "reggae", {"sp00", "sp01"}, {1, 2}));
  const auto groups = global_groups(records);
  ASSERT_EQ(groups.size(), 2u);  // stems: stem and segment; superpixels: none
  EXPECT_EQ(groups[0].clips, 3u);
  EXPECT_DOUBLE_EQ(groups[0].entries[0].mean, 0.5);
  for (const auto& t : global_tables(records)) EXPECT_EQ(t.title.find("superpixels"), std::string::npos) << t.title;
}

TEST(GlobalTables, OneTablePerAxisWithMeanSdAndTheMostOftenLargest) {
  const auto tables = global_tables(reggae_records());
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].title, "global explanations, synth, stems, per stem");
  EXPECT_EQ(tables[0].header,
            (std::vector<std::string>{"method", "class", "clips", "drums", "bass", "largest most often"}));
  ASSERT_EQ(tables[0].rows.size(), 1u);
  EXPECT_EQ(tables[0].rows[0],
            (std::vector<std::string>{"lime", "reggae", "3", "0.50 ± 0.25", "0.33 ± 0.38", "drums (67 %)"}));
  EXPECT_EQ(tables[1].title, "global explanations, synth, stems, per segment");
  EXPECT_FALSE(tables[1].notes.empty());
  EXPECT_TRUE(global_tables({}).empty());
}

}  // namespace
}  // namespace hearsay::bench
