// The adversarial experiment's tables and attack lines, on records made by hand: every number below
// is worked out from them.
#include "bench/adversarial_report.h"

#include <gtest/gtest.h>

namespace hearsay::bench {
namespace {

using nlohmann::json;

// One job: `method` on `clip`, whose perturbation put back on its top 1..3 components flips as `curve`
// says; the oracle flips from k = 1, random components flip at k with probability k / 4.
Record flip_job(const std::string& clip, const std::string& method, std::vector<double> curve, double positive_flip,
                int positive, json r2 = nullptr, json recall = nullptr) {
  Record r;
  r.job = clip + "-" + method;
  r.ok = true;
  r.config = {{"study", "adv"}, {"clip", clip}, {"factorization", "segments"}, {"method", method}};
  r.explanation = {{"r2", r2},
                   {"attack",
                    {{"domain", "waveform"},
                     {"success", true},
                     {"snr_db", clip == "a" ? 41.0 : 43.0},
                     {"iterations", clip == "a" ? 10 : 20}}}};
  json extra = {{"top_k", 3},
                {"oracle_curve", {1.0, 1.0, 1.0}},
                {"random_curve", {0.25, 0.5, 0.75}},
                {"oracle_top_k", 1.0},
                {"random_top_k", 0.75},
                {"positive_count", positive},
                {"flip_positive", positive_flip},
                {"oracle_flip_positive", 1}};
  if (!recall.is_null()) {
    extra["recall"] = recall;
    extra["oracle_recall"] = 1.0;
    extra["perturbed_count"] = 1;
  }
  r.metrics["adversarial_flip"] = {{"value", curve.back()}, {"curve", curve}, {"extra", extra}};
  return r;
}

TEST(AdversarialReport, DetectionTableRanksMethodsBesideTheOracleAndRandomComponents) {
  std::vector<Record> records{
      flip_job("a", "lime", {0, 0, 0}, 0, 4, 0.9, 0.0), flip_job("a", "occlusion", {0, 1, 1}, 1, 2, nullptr, 1.0),
      flip_job("b", "lime", {0, 1, 1}, 1, 3, 0.5, 1.0), flip_job("b", "occlusion", {1, 1, 1}, 1, 1, nullptr, 1.0),
      flip_job("c", "lime", {0, 0, 1}, 0, 5, 0.7, 0.0), flip_job("c", "occlusion", {1, 1, 1}, 1, 1, nullptr, 1.0)};
  const auto tables = adversarial_tables(records);
  ASSERT_EQ(tables.size(), 2u);
  const Table& detection = tables[0];
  EXPECT_EQ(detection.title, "adv, segments: adversarial-flip detection (Praher et al. 2021)");
  ASSERT_EQ(detection.rows.size(), 4u);
  // occlusion flips on all three clips, lime on two of three: occlusion first.
  EXPECT_EQ(detection.rows[0][0], "occlusion");
  EXPECT_EQ(detection.rows[0][1].substr(0, 4), "1.00");
  EXPECT_EQ(detection.rows[0][2], "3");
  EXPECT_EQ(detection.rows[1][0], "lime");
  EXPECT_EQ(detection.rows[1][1].substr(0, 4), "0.67");
  EXPECT_EQ(detection.rows[1][3], "0.33");  // all positive components flip on one clip of three
  EXPECT_EQ(detection.rows[1][4], "4.0");   // (4 + 3 + 5) / 3 positive components
  EXPECT_EQ(detection.rows[1][5], "1.00");  // as many by norm: always
  // corr(R², flip) over lime's clips: R² 0.9, 0.5, 0.7 against flips 0, 1, 1 → −0.866.
  EXPECT_EQ(detection.rows[1][6], "-0.87");
  EXPECT_EQ(detection.rows[0][6], "-");     // occlusion has no surrogate
  EXPECT_EQ(detection.rows[1][7], "0.33");  // partial recall
  EXPECT_EQ(detection.rows[2][0], "norm oracle");
  EXPECT_EQ(detection.rows[2][1].substr(0, 4), "1.00");
  EXPECT_EQ(detection.rows[3][0], "random components");
  EXPECT_EQ(detection.rows[3][1].substr(0, 4), "0.75");
  EXPECT_EQ(detection.rows[3][2], "3");  // one value per clip, not per method

  const Table& curve = tables[1];
  EXPECT_EQ(curve.header, (std::vector<std::string>{"method", "k=1", "k=2", "k=3"}));
  EXPECT_EQ(curve.rows[0], (std::vector<std::string>{"lime", "0.00", "0.33", "0.67"}));
  EXPECT_EQ(curve.rows[1], (std::vector<std::string>{"occlusion", "0.67", "1.00", "1.00"}));
  EXPECT_EQ(curve.rows[2], (std::vector<std::string>{"norm oracle", "1.00", "1.00", "1.00"}));
  EXPECT_EQ(curve.rows[3], (std::vector<std::string>{"random components", "0.25", "0.50", "0.75"}));
}

TEST(AdversarialReport, AttackLinesCountEachClipOnceAndNothingWithoutAttacks) {
  std::vector<Record> records{flip_job("a", "lime", {0, 0, 0}, 0, 4), flip_job("a", "occlusion", {0, 1, 1}, 1, 2),
                              flip_job("b", "lime", {0, 1, 1}, 1, 3)};
  records.back().explanation["attack"]["success"] = false;
  EXPECT_EQ(attack_lines(records),
            (std::vector<std::string>{"adv (waveform attack): the label changed on 1 of 2 clips; SNR 41.0 dB and 10 "
                                      "steps on average where it did"}));
  for (Record& r : records) {
    r.explanation.erase("attack");
    r.metrics.erase("adversarial_flip");
  }
  EXPECT_TRUE(attack_lines(records).empty());
  EXPECT_TRUE(adversarial_tables(records).empty());
}

}  // namespace
}  // namespace hearsay::bench
