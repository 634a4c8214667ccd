// Tests of num_samples: "auto" (issue 16): the top-k confidence by hand, the round driver with a fake
// fit, the bootstrap's determinism, LIME's options, and LIME's adaptive runs on toys whose limit is known
// (exhaustive sampling).
#include "methods/auto_samples.h"

#include <cmath>
#include <map>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "core/random.h"
#include "methods/lime.h"
#include "tests/methods/known_answers.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

TEST(AutoSamples, TopKSetIsBySignedScoreWithTiesByIndex) {
  EXPECT_EQ(top_k_set({0.1, 3.0, -5.0, 2.0}, 2), (std::vector<int64_t>{1, 3}));
  // Signed, not by magnitude: -5 is the lowest score.
  EXPECT_EQ(top_k_set({-1.0, -5.0, -2.0}, 1), (std::vector<int64_t>{0}));
  // Equal scores: the lower index first.
  EXPECT_EQ(top_k_set({1.0, 2.0, 2.0, 2.0}, 2), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(top_k_set({1.0, 2.0}, 0), (std::vector<int64_t>{}));
  EXPECT_EQ(top_k_set({1.0, 2.0}, 5), (std::vector<int64_t>{0, 1}));
}

TEST(AutoSamples, TopKConfidenceCountsReplicatesWithTheSameSet) {
  const std::vector<double> estimate{3.0, 1.0, 2.0, 0.0};  // top 2: {0, 2}
  const std::vector<std::vector<double>> replicates{
      {3.0, 1.0, 2.0, 0.0},  // same scores: agrees
      {2.0, 0.0, 3.0, 1.0},  // {2, 0} in the other order: the same set, agrees
      {1.0, 3.0, 2.0, 0.0},  // {1, 2}: disagrees
      {5.0, 5.0, 5.0, 0.0},  // a three-way tie resolved by index: {0, 1}, disagrees
  };
  EXPECT_DOUBLE_EQ(top_k_confidence(estimate, replicates, 2), 0.5);
  // Top 1: component 0 in the first and last replicates only.
  EXPECT_DOUBLE_EQ(top_k_confidence(estimate, replicates, 1), 0.5);
  // Top 3 = all but component 3 = all but the lowest; the third replicate's lowest is 3, the second's is 1.
  EXPECT_DOUBLE_EQ(top_k_confidence(estimate, replicates, 3), 0.75);
  // Nothing to be unsure of: k = 0, k >= M.
  EXPECT_DOUBLE_EQ(top_k_confidence(estimate, replicates, 0), 1.0);
  EXPECT_DOUBLE_EQ(top_k_confidence(estimate, replicates, 4), 1.0);
  EXPECT_THROW_WITH(top_k_confidence(estimate, {{1.0, 2.0}}, 1), ShapeError, "2 scores", "4");
}

TEST(AutoSamples, BootstrapIsAResampleAndDependsOnTheSeedOnly) {
  const std::vector<double> counts = bootstrap_multiplicities(1000, 7);
  double total = 0.0;
  int64_t left_out = 0;
  for (double c : counts) {
    total += c;
    left_out += c == 0.0 ? 1 : 0;
  }
  EXPECT_EQ(total, 1000.0);
  // About (1 − 1/n)^n ≈ e^-1 of the rows are left out of a resample of n.
  EXPECT_NEAR(static_cast<double>(left_out) / 1000.0, std::exp(-1.0), 0.05);
  EXPECT_EQ(bootstrap_multiplicities(1000, 7), counts);
  EXPECT_NE(bootstrap_multiplicities(1000, 8), counts);

  // The replicates of a weighted mean, on one thread and on two: the same numbers.
  const auto mean_of_rows = [](const std::vector<double>& multiplicities) {
    double s = 0.0;
    for (size_t i = 0; i < multiplicities.size(); ++i) s += multiplicities[i] * static_cast<double>(i);
    return std::vector<double>{s / static_cast<double>(multiplicities.size())};
  };
  const int threads = num_threads();
  set_num_threads(1);
  const auto one = bootstrap_replicates(50, 40, 3, mean_of_rows);
  set_num_threads(2);
  const auto two = bootstrap_replicates(50, 40, 3, mean_of_rows);
  set_num_threads(threads);
  ASSERT_EQ(one.size(), 40u);
  EXPECT_EQ(one, two);
  EXPECT_NE(one.front(), one.back());
  // Replicate r is resample derive_seed(seed, r).
  EXPECT_EQ(one[5], mean_of_rows(bootstrap_multiplicities(50, derive_seed(3, 5))));
  // An exception in a refit reaches the caller.
  EXPECT_THROW(bootstrap_replicates(
                   10, 4, 1,
                   [](const std::vector<double>&) -> std::vector<double> { throw std::runtime_error("refit failed"); }),
               std::runtime_error);
}

// A fake fit whose replicates agree with the estimate in `agreeing(n)` of kAutoReplicates cases, and
// whose estimate's top-1 is component `top(n)` of 10.
struct FakeFit {
  std::map<int64_t, int> agreeing;  // by round size; absent: none agree
  std::map<int64_t, int> top;       // by round size; absent: component 0
  std::vector<int64_t> calls;

  AutoFit operator()(int64_t n) {
    calls.push_back(n);
    const int best = top.count(n) ? top.at(n) : 0;
    AutoFit f;
    f.estimate.assign(10, 0.0);
    f.estimate[static_cast<size_t>(best)] = 1.0;
    const int agree = agreeing.count(n) ? agreeing.at(n) : 0;
    for (int r = 0; r < kAutoReplicates; ++r) {
      std::vector<double> replicate(10, 0.0);
      replicate[static_cast<size_t>(r < agree ? best : (best + 1) % 10)] = 1.0;
      f.replicates.push_back(std::move(replicate));
    }
    return f;
  }
};

AutoSampling auto_settings(int top_k, double confidence, int cap) {
  AutoSampling s(cap);
  s.top_k = top_k;
  s.confidence = confidence;
  return s;
}

TEST(AutoSamples, RoundsDoubleFromTheFirstAndStopAfterTwoConfidentRoundsThatAgree) {
  EXPECT_EQ(first_round_samples(10), 80);
  EXPECT_EQ(first_round_samples(3), 64);
  FakeFit fake;
  // Agreement a, confidence 2a − 1: confident (>= 0.95) at 160 alone, then at 640 and 1280 in a row;
  // at 640, a = 0.96 would not have done (0.92).
  fake.agreeing = {{80, 100}, {160, 196}, {320, 150}, {640, 198}, {1280, 200}};
  Explanation out;
  const AutoOutcome outcome = sample_until_stable(auto_settings(1, 0.95, 100000), 10, "lime", std::ref(fake), out);
  EXPECT_EQ(fake.calls, (std::vector<int64_t>{80, 160, 320, 640, 1280}));
  EXPECT_TRUE(outcome.confident);
  EXPECT_EQ(outcome.samples, 1280);
  EXPECT_DOUBLE_EQ(outcome.confidence, 1.0);
  EXPECT_EQ(outcome.estimate[0], 1.0);
  EXPECT_EQ(out.diagnostics["samples_used"], 1280);
  EXPECT_EQ(out.diagnostics["achieved_confidence"], 1.0);
  EXPECT_EQ(out.diagnostics["auto_stopped"], "confident");
  EXPECT_EQ(out.diagnostics["auto_top_k"], 1);
  ASSERT_EQ(out.diagnostics["auto_rounds"].size(), 5u);
  EXPECT_EQ(out.diagnostics["auto_rounds"][1]["samples"], 160);
  EXPECT_DOUBLE_EQ(out.diagnostics["auto_rounds"][1]["agreement"].get<double>(), 0.98);
  EXPECT_NEAR(out.diagnostics["auto_rounds"][1]["confidence"].get<double>(), 0.96, 1e-12);
  EXPECT_DOUBLE_EQ(out.diagnostics["auto_rounds"][2]["agreement"].get<double>(), 0.75);
  EXPECT_NEAR(out.diagnostics["auto_rounds"][2]["confidence"].get<double>(), 0.5, 1e-12);
  // Below half agreeing, the confidence is 0.
  EXPECT_EQ(out.diagnostics["auto_rounds"][0]["confidence"], 0.0);
  EXPECT_EQ(confidence_from_agreement(0.3), 0.0);
  EXPECT_EQ(confidence_from_agreement(1.0), 1.0);
  EXPECT_TRUE(out.warnings.empty());
}

TEST(AutoSamples, TwoConfidentRoundsMustAgreeOnTheSet) {
  FakeFit fake;
  fake.agreeing = {{80, 200}, {160, 200}, {320, 200}, {640, 200}};
  fake.top = {{80, 3}, {160, 4}};  // confident every time, but about another component until 320
  Explanation out;
  const AutoOutcome outcome = sample_until_stable(auto_settings(1, 0.95, 100000), 10, "lime", std::ref(fake), out);
  EXPECT_EQ(fake.calls, (std::vector<int64_t>{80, 160, 320, 640}));
  EXPECT_TRUE(outcome.confident);
  EXPECT_EQ(outcome.estimate[0], 1.0);
}

TEST(AutoSamples, TheCapStopsItWithAWarningAndIsNeverPassed) {
  FakeFit fake;  // never agrees
  Explanation out;
  const AutoOutcome outcome = sample_until_stable(auto_settings(1, 0.9, 1000), 10, "lime", std::ref(fake), out);
  EXPECT_EQ(fake.calls, (std::vector<int64_t>{80, 160, 320, 640, 1000}));
  EXPECT_FALSE(outcome.confident);
  EXPECT_EQ(out.diagnostics["samples_used"], 1000);
  EXPECT_EQ(out.diagnostics["auto_stopped"], "cap");
  EXPECT_EQ(out.diagnostics["achieved_confidence"], 0.0);
  ASSERT_EQ(out.warnings.size(), 1u);
  for (const char* part : {"lime", "auto_max_samples = 1000", "with confidence 0 in the top 1",
                           "same set in 0 of bootstrap refits", "auto_confidence = 0.9", "top-1"})
    EXPECT_NE(out.warnings[0].find(part), std::string::npos) << out.warnings[0];

  // A cap below the first round is the only round; top_k is clipped to M − 1.
  FakeFit small;
  Explanation out2;
  sample_until_stable(auto_settings(50, 0.9, 30), 10, "kernel_shap", std::ref(small), out2);
  EXPECT_EQ(small.calls, (std::vector<int64_t>{30}));
  EXPECT_EQ(out2.diagnostics["auto_top_k"], 9);
  EXPECT_EQ(out2.diagnostics["auto_stopped"], "cap");
}

TEST(LimeAuto, OptionsTakeAutoOrACountAndRefuseTheRest) {
  EXPECT_EQ(explainer_registry().create("lime")->options()["num_samples"], 1000);
  const auto automatic = explainer_registry().create("lime", {{"num_samples", "auto"}});
  EXPECT_EQ(automatic->options()["num_samples"], "auto");
  EXPECT_EQ(automatic->options()["auto_top_k"], 5);
  EXPECT_EQ(automatic->options()["auto_confidence"], 0.95);
  EXPECT_EQ(automatic->options()["auto_max_samples"], 16384);
  EXPECT_EQ(explainer_registry().create("lime", {{"num_samples", 4096}})->options()["num_samples"], 4096);
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"num_samples", "sometimes"}}), ConfigError, "lime",
                    "'num_samples'", "must be an integer or \"auto\"", "sometimes");
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"num_samples", 1}}), ConfigError, "'num_samples'",
                    "[2, 1e+07]");
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"num_samples", "auto"}, {"sampling", "exhaustive"}}),
                    ConfigError, "num_samples \"auto\"", "bernoulli", "exhaustive");
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"auto_confidence", 1.0}}), ConfigError, "'auto_confidence'",
                    "(0, 1)");
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"auto_top_k", 0}}), ConfigError, "'auto_top_k'", ">= 1");
  EXPECT_THROW_WITH(explainer_registry().create("lime", {{"auto_max_samples", 1}}), ConfigError, "'auto_max_samples'");
}

Explanation explain_lime(const nlohmann::json& options, const models::Model& toy, uint64_t seed) {
  return testing::explain_toy(*explainer_registry().create("lime", options), toy, models::Output::probabilities, seed);
}

nlohmann::json auto_options(int top_k, int cap) {
  return {{"num_samples", "auto"}, {"auto_top_k", top_k}, {"auto_max_samples", cap}};
}

TEST(LimeAuto, StopsEarlyOnAnEasyToyAndRunsLongerOnAHardOneNeverPastTheCap) {
  const auto easy = testing::auto_sampling_easy_toy();
  const auto hard = testing::auto_sampling_hard_toy();
  for (uint64_t seed : {1, 2, 3}) {
    // The dominant component is the top 1 in the first two rounds (80 and 160): the least a run can use.
    const Explanation e = explain_lime(auto_options(1, 16384), *easy, seed);
    EXPECT_EQ(e.diagnostics["samples_used"], 160) << seed;
    EXPECT_EQ(e.diagnostics["auto_stopped"], "confident");
    EXPECT_GE(e.diagnostics["achieved_confidence"].get<double>(), 0.95);
    EXPECT_EQ(e.ranking().front(), 0);
    EXPECT_TRUE(e.warnings.empty());
    // Near-equal components 0 and 2: at least three more doublings.
    const Explanation h = explain_lime(auto_options(1, 16384), *hard, seed);
    EXPECT_GE(h.diagnostics["samples_used"].get<int64_t>(), 1280) << seed;
    EXPECT_GT(h.diagnostics["auto_rounds"].size(), 4u);
  }
  // With a cap the hard toy cannot settle below, the last round is the cap; what was evaluated is
  // the cap's perturbations (fewer: repeated masks cost nothing) and the held-out ones.
  const Explanation capped = explain_lime(auto_options(1, 1000), *hard, 1);
  EXPECT_EQ(capped.diagnostics["samples_used"], 1000);
  EXPECT_EQ(capped.diagnostics["auto_stopped"], "cap");
  EXPECT_EQ(capped.diagnostics["auto_rounds"].back()["samples"], 1000);
  for (const auto& round : capped.diagnostics["auto_rounds"]) EXPECT_LE(round["samples"].get<int64_t>(), 1000);
  EXPECT_LE(capped.evals, 1000 + 100);
  ASSERT_EQ(capped.warnings.size(), 1u);
  EXPECT_NE(capped.warnings[0].find("auto_max_samples = 1000"), std::string::npos) << capped.warnings[0];
}

TEST(LimeAuto, EqualsTheFixedRunWithTheSamplesItUsed) {
  // Rounds extend one perturbation stream and the bootstrap draws from its own, so the answer is
  // the fixed-count run's, bit for bit, held-out R² included.
  const auto hard = testing::auto_sampling_hard_toy();
  const Explanation adaptive = explain_lime(auto_options(1, 16384), *hard, 4);
  const int64_t used = adaptive.diagnostics["samples_used"];
  const Explanation fixed = explain_lime({{"num_samples", used}}, *hard, 4);
  EXPECT_EQ(adaptive.scores, fixed.scores);
  EXPECT_EQ(adaptive.intercept, fixed.intercept);
  EXPECT_EQ(*adaptive.r2, *fixed.r2);
  EXPECT_EQ(*adaptive.r2_held_out, *fixed.r2_held_out);
  EXPECT_EQ(adaptive.evals, fixed.evals);
}

TEST(LimeAuto, SameSeedSameAnswerOnAnyNumberOfThreads) {
  const auto hard = testing::auto_sampling_hard_toy();
  const int threads = num_threads();
  set_num_threads(1);
  const Explanation one = explain_lime(auto_options(1, 16384), *hard, 9);
  set_num_threads(2);
  const Explanation two = explain_lime(auto_options(1, 16384), *hard, 9);
  set_num_threads(threads);
  EXPECT_EQ(one.scores, two.scores);
  EXPECT_EQ(one.diagnostics["auto_rounds"], two.diagnostics["auto_rounds"]);
  const Explanation other = explain_lime(auto_options(1, 16384), *hard, 10);
  EXPECT_NE(other.diagnostics["auto_rounds"], one.diagnostics["auto_rounds"]);
}

TEST(LimeAuto, ConfidenceHoldsOverSeeds) {
  // LIME's limit is exhaustive sampling (every mask weighted once). Over 50 seeds, the share of runs
  // whose top-1 is the limit's must be at least the mean reported confidence less two binomial
  // standard errors at that confidence (the share's own noise over 50 runs). Reporting the bootstrap
  // agreement itself and stopping at its first confident round fails this (0.977 reported, 0.920
  // found); methods/auto_samples.h gives the figures of each rule.
  const auto hard = testing::auto_sampling_hard_toy();
  const std::vector<int64_t> limit = top_k_set(explain_lime({{"sampling", "exhaustive"}}, *hard, 1).scores, 1);
  constexpr int kSeeds = 50;
  double reported = 0.0;
  double found = 0.0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const Explanation e = explain_lime(auto_options(1, 16384), *hard, static_cast<uint64_t>(seed));
    reported += e.diagnostics["achieved_confidence"].get<double>() / kSeeds;
    found += (top_k_set(e.scores, 1) == limit ? 1.0 : 0.0) / kSeeds;
  }
  const double tolerance = 2.0 * std::sqrt(reported * (1.0 - reported) / kSeeds);
  RecordProperty("mean_reported_confidence", std::to_string(reported));
  RecordProperty("share_found", std::to_string(found));
  EXPECT_GE(found, reported - tolerance) << "mean reported confidence " << reported << ", share found " << found;
  EXPECT_GE(reported, 0.95);
}

}  // namespace
}  // namespace hearsay::methods
