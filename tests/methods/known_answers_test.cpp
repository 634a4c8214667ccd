// Every registered explainer solves the known-answer problems (known_answers.h) at its quick options
// and its declared bar; the harness rejects methods that do not know the answer: seeded random scores
// (the negative control the issue asks for), constant scores, and a method that throws.
#include <iostream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "methods/explainer.h"
#include "tests/methods/known_answers.h"
#include "tests/support/test_support.h"

namespace hearsay::methods {
namespace {

using testing::check_known_answers;
using testing::KnownAnswerReport;

class KnownAnswers : public ::testing::TestWithParam<std::string> {};

TEST_P(KnownAnswers, EveryRegisteredMethodPassesAtItsQuickOptions) {
  const KnownAnswerReport report = check_known_answers(GetParam());
  std::cout << report.summary();
  // 2 problems x 3 seeds, for the logit and the probability (the logit only for a logit-only method).
  const bool logit_only = methods::explainer_registry().create(GetParam())->capabilities().logit_only;
  EXPECT_EQ(report.checks.size(), logit_only ? 6u : 12u);
  EXPECT_TRUE(report.passed()) << report.reason();
}

// A method may lower its bar beside its code, with a comment saying why; it may not lower it so far
// that the harness stops telling it from random scores (their Spearman on 12 components has a standard
// deviation near 0.3), and a bar above 1 would fail every method.
TEST_P(KnownAnswers, TheDeclaredBarIsABarNotASkip) {
  const double bar = testing::test_profile(GetParam()).min_spearman;
  EXPECT_GE(bar, 0.5) << GetParam();
  EXPECT_LE(bar, 1.0) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Registry, KnownAnswers, ::testing::ValuesIn(explainer_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

// Test-only explainers that do not know the answers: scores from `score(i, rng)` for component i.
template <class Score>
class Pretender : public Explainer {
 public:
  Pretender(std::string name, Score score) : name_(std::move(name)), score_(std::move(score)) {}
  std::string name() const override { return name_; }
  nlohmann::json options() const override { return nlohmann::json::object(); }
  Capabilities capabilities() const override {
    Capabilities c;
    c.stochastic = true;
    return c;
  }

 protected:
  void run(const ExplainRequest& request, int, Explanation& out) const override {
    Rng rng(request.seed);
    for (int64_t i = 0; i < request.evaluator->components(); ++i) out.scores.push_back(score_(i, rng));
  }

 private:
  std::string name_;
  Score score_;
};

template <class Score>
Pretender<Score> pretender(std::string name, Score score) {
  return Pretender<Score>(std::move(name), std::move(score));
}

TEST(KnownAnswerHarness, RejectsSeededRandomScores) {
  const auto random = pretender("random_scores", [](int64_t, Rng& rng) { return rng.uniform(-1.0, 1.0); });
  const KnownAnswerReport report = check_known_answers(random, 0.9);
  std::cout << report.summary();
  EXPECT_FALSE(report.passed());
  const std::string why = report.reason();
  EXPECT_NE(why.find("random_scores: additive, logit, seed 1: Spearman "), std::string::npos) << why;
  EXPECT_NE(why.find(" < 0.900"), std::string::npos) << why;
  // Even at the lowest bar a method may declare.
  EXPECT_FALSE(check_known_answers(random, 0.5).passed());
}

TEST(KnownAnswerHarness, RejectsConstantScoresAndAMethodRankingByPosition) {
  const auto constant = pretender("constant", [](int64_t, Rng&) { return 1.0; });
  const KnownAnswerReport flat = check_known_answers(constant, 0.9);
  EXPECT_FALSE(flat.passed());
  EXPECT_NE(flat.reason().find("every score is the same"), std::string::npos) << flat.reason();
  EXPECT_NE(flat.reason().find("dominant, logit, seed 1: ranked c00 first, not the dominant c05"), std::string::npos)
      << flat.reason();
  const auto by_position = pretender("by_position", [](int64_t i, Rng&) { return -static_cast<double>(i); });
  EXPECT_FALSE(check_known_answers(by_position, 0.9).passed());
}

TEST(KnownAnswerHarness, AMethodThatThrowsFailsWithItsMessage) {
  const auto thrower =
      pretender("thrower", [](int64_t, Rng&) -> double { throw std::runtime_error("no idea what to say"); });
  const KnownAnswerReport report = check_known_answers(thrower, 0.9);
  EXPECT_FALSE(report.passed());
  EXPECT_EQ(report.checks.size(), 12u);
  EXPECT_NE(report.reason().find("thrower: additive, logit, seed 1: threw: no idea what to say"), std::string::npos)
      << report.reason();
}

}  // namespace
}  // namespace hearsay::methods
