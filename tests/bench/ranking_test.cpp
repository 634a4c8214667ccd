// The rankings per metric family, the bootstrap intervals and the misclassified-clip tables, on
// records made by hand: every number below is worked out from them.
#include "bench/ranking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace hearsay::bench {
namespace {

using nlohmann::json;

Record clip_job(const std::string& clip, const std::string& method, const std::string& label,
                const std::string& predicted) {
  Record r;
  r.job = clip + "-" + method;
  r.ok = true;
  r.config = {{"study", "and_cue"}, {"clip", clip}, {"label", label}, {"factorization", "stems"}, {"method", method}};
  r.explanation = {{"predicted", predicted}};
  return r;
}

void set_metric(Record& r, const std::string& name, const json& value, const json& extra = json::object()) {
  r.metrics[name] = {{"value", value}, {"extra", extra}};
}

TEST(BootstrapMean, OneValueIsItsOwnIntervalAndNoneHasNoMean) {
  const Interval one = bootstrap_mean({0.25}, 7);
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 0.25);
  EXPECT_DOUBLE_EQ(one.low, 0.25);
  EXPECT_DOUBLE_EQ(one.high, 0.25);
  EXPECT_EQ(bootstrap_mean({}, 7).n, 0u);
}

TEST(BootstrapMean, IntervalHoldsTheMeanWithinTheValuesAndIsReproducible) {
  const std::vector<double> values{0, 0, 1, 1, 1, 0, 1, 1, 0, 1};
  const Interval a = bootstrap_mean(values, 3), b = bootstrap_mean(values, 3);
  EXPECT_DOUBLE_EQ(a.mean, 0.6);
  EXPECT_LT(a.low, a.mean);
  EXPECT_GT(a.high, a.mean);
  EXPECT_GE(a.low, 0.0);
  EXPECT_LE(a.high, 1.0);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  // The binomial standard error is sqrt(0.24 / 10) = 0.155: a 95 % interval is about ±0.3 wide.
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * std::sqrt(0.24 / 10), 0.15);
  // Equal values have no spread.
  const Interval flat = bootstrap_mean(std::vector<double>(5, 2.0), 1);
  EXPECT_DOUBLE_EQ(flat.low, 2.0);
  EXPECT_DOUBLE_EQ(flat.high, 2.0);
}

TEST(BootstrapMean, TheIntervalShrinksWithMoreClips) {
  std::vector<double> few, many;
  for (int i = 0; i < 8; ++i) few.push_back(i % 2);
  for (int i = 0; i < 128; ++i) many.push_back(i % 2);
  const Interval a = bootstrap_mean(few, 1), b = bootstrap_mean(many, 1);
  EXPECT_GT(a.high - a.low, 2.5 * (b.high - b.low));
  EXPECT_TRUE(Interval({0.5, 0.4, 0.6, 8}).disjoint(Interval({0.8, 0.7, 0.9, 8})));
  EXPECT_FALSE(Interval({0.5, 0.4, 0.75, 8}).disjoint(Interval({0.8, 0.7, 0.9, 8})));
}

// Three methods over eight clips: shapley always finds the cue (rank accuracy 1), occlusion half the
// time, keep_one never (0); lower deletion AUC for the better ones.
std::vector<Record> three_methods() {
  std::vector<Record> records;
  for (int c = 0; c < 8; ++c) {
    const std::string clip = "both_motifs.0000" + std::to_string(c);
    const std::string predicted = c == 7 ? "one_motif" : "both_motifs";
    for (const auto& [method, accuracy] :
         std::vector<std::pair<std::string, double>>{{"keep_one", 0.0}, {"occlusion", c % 2}, {"shapley", 1.0}}) {
      Record r = clip_job(clip, method, "both_motifs", predicted);
      set_metric(r, "localisation", accuracy, {{"mass_accuracy", accuracy / 2}});
      set_metric(r, "ground_truth_rank", accuracy > 0.5 ? 0 : 3, {{"hit_at_1", accuracy > 0.5}});
      set_metric(r, "deletion", 1.0 - accuracy / 2);
      records.push_back(r);
    }
  }
  Record failed = clip_job("both_motifs.00009", "shapley", "both_motifs", "both_motifs");
  failed.ok = false;
  records.push_back(failed);
  return records;
}

TEST(RankingTables, RankEachFamilyByItsHeadlineWithIntervalsAndSaySignificance) {
  const auto tables = ranking_tables(three_methods());
  ASSERT_EQ(tables.size(), 2u);  // localisation and faithfulness; no other family has values
  const Table& loc = tables[0];
  EXPECT_EQ(loc.title, "and_cue, stems: localisation");
  EXPECT_EQ(loc.header, (std::vector<std::string>{"method", "rank accuracy ↑ [95 % CI]", "n", "mass accuracy ↑",
                                                  "cue first ↑", "vs best"}));
  ASSERT_EQ(loc.rows.size(), 3u);
  EXPECT_EQ(loc.rows[0][0], "shapley");
  EXPECT_EQ(loc.rows[0][1], "1.000 [1.000, 1.000]");  // the failed job adds no value
  EXPECT_EQ(loc.rows[0][2], "8");
  EXPECT_EQ(loc.rows[0][3], "0.500");
  EXPECT_EQ(loc.rows[0][5], "best");
  EXPECT_EQ(loc.rows[1][0], "occlusion");
  EXPECT_EQ(loc.rows[1][1].substr(0, 5), "0.500");
  EXPECT_EQ(loc.rows[1][4], "0.500");
  EXPECT_EQ(loc.rows[1][5], "worse");  // its interval lies below 1
  EXPECT_EQ(loc.rows[2][0], "keep_one");
  EXPECT_EQ(loc.rows[2][1], "0.000 [0.000, 0.000]");
  EXPECT_EQ(loc.rows[2][5], "worse");
  const Table& faith = tables[1];
  EXPECT_EQ(faith.title, "and_cue, stems: faithfulness");
  EXPECT_EQ(faith.header[1], "deletion AUC ↓ [95 % CI]");  // lower is better: shapley first again
  EXPECT_EQ(faith.rows[0][0], "shapley");
  EXPECT_EQ(faith.rows[0][1], "0.500 [0.500, 0.500]");
  EXPECT_EQ(faith.rows[2][0], "keep_one");
}

TEST(RankingTables, OverlappingIntervalsAreNotCalledWorse) {
  auto records = three_methods();
  // occlusion finds the cue on 7 of 8 clips: its interval reaches 1 and overlaps shapley's.
  for (Record& r : records)
    if (r.field("method") == "occlusion") set_metric(r, "localisation", r.field("clip") == "both_motifs.00000" ? 0 : 1);
  const auto tables = ranking_tables(records);
  EXPECT_EQ(tables[0].rows[1][0], "occlusion");
  EXPECT_EQ(tables[0].rows[1][5], "≈ best");
}

TEST(MisledTables, CountOnlyMisclassifiedClipsWithACue) {
  const auto tables = misled_tables(three_methods());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].title, "and_cue, stems: misclassified clips with a known cue");
  // Clip 7 alone is misclassified; occlusion misses it (7 is odd: accuracy 1 -> hit), keep_one misses.
  ASSERT_EQ(tables[0].rows.size(), 3u);
  EXPECT_EQ(tables[0].rows[0], (std::vector<std::string>{"keep_one", "1", "0/1", "3.00"}));
  EXPECT_EQ(tables[0].rows[1], (std::vector<std::string>{"occlusion", "1", "1/1", "0.00"}));
  EXPECT_EQ(tables[0].rows[2], (std::vector<std::string>{"shapley", "1", "1/1", "0.00"}));
  // All clips right: no table.
  auto right = three_methods();
  for (Record& r : right) r.explanation["predicted"] = "both_motifs";
  EXPECT_TRUE(misled_tables(right).empty());
}

TEST(ClipAccuracyLines, EachClipCountsOnce) {
  EXPECT_EQ(clip_accuracy_lines(three_methods()),
            (std::vector<std::string>{"and_cue: the model is right on 7 of 8 explained clips"}));
}

TEST(Table, AlignedWidthsCountCharactersNotBytes) {
  Table t;
  t.header = {"method", "a ↑"};
  t.rows = {{"x", "1.0"}};
  t.notes = {"note"};
  EXPECT_EQ(aligned_text(t), "method  a ↑\nx       1.0\nnote\n");
}

}  // namespace
}  // namespace hearsay::bench
