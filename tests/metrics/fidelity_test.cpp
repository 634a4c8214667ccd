// The `fidelity` metric's known answers (issue 13): on an additive toy exact Shapley's faithfulness
// correlation is 1 and the infidelity of a linear model's exact attribution is 0; comprehensiveness and
// sufficiency by hand.
#include <cmath>

#include <gtest/gtest.h>

#include "core/random.h"
#include "metrics/fidelity.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

const std::vector<double> kWeights{0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1};

MetricResult fidelity(std::vector<double> scores, const PolynomialToy& toy, models::Output output,
                      nlohmann::json options = nlohmann::json::object()) {
  const EchoFactorization f(static_cast<int64_t>(scores.size()));
  methods::Explanation e;
  e.method = "toy";
  e.names = f.names();
  e.scores = std::move(scores);
  e.target = 0;
  e.output = output;
  methods::Evaluator evaluator(toy, f);
  MetricInput input;
  input.explanation = &e;
  input.factorization = &f;
  input.evaluator = &evaluator;
  return metric_registry().create("fidelity", options)->evaluate(input);
}

TEST(Fidelity, ExactAttributionOfALinearModelIsPerfectlyFaithful) {
  const PolynomialToy linear(kWeights, {}, 0.3);
  const MetricResult r = fidelity(linear.shapley(), linear, models::Output::logits);
  ASSERT_TRUE(r.value);
  EXPECT_NEAR(*r.value, 1.0, 1e-9);
  EXPECT_NEAR(r.extra.at("infidelity").get<double>(), 0.0, 1e-10);
  // Comprehensiveness at k = 1: removing the top component (w = 2) drops the logit by 2; sufficiency
  // at k = 1: keeping only it leaves bias + 2, so f(x) − that = Σw − 2 = 0.6. At k = 3 (2, 1.5, 0.5):
  // comprehensiveness 4, sufficiency 2.6 − 4 = −1.4.
  EXPECT_NEAR(r.extra.at("comprehensiveness").at("1").get<double>(), 2.0, 1e-5);
  EXPECT_NEAR(r.extra.at("sufficiency").at("1").get<double>(), 0.6, 1e-5);
  EXPECT_NEAR(r.extra.at("comprehensiveness").at("3").get<double>(), 4.0, 1e-5);
  EXPECT_NEAR(r.extra.at("sufficiency").at("3").get<double>(), -1.4, 1e-5);
  EXPECT_EQ(r.extra.at("evaluations").get<int64_t>(), 1 + 64 + 4);
}

TEST(Fidelity, WrongScoresAreLessFaithful) {
  const PolynomialToy linear(kWeights, {}, 0.3);
  std::vector<double> reversed(kWeights);
  for (auto& w : reversed) w = -w;
  const MetricResult bad = fidelity(reversed, linear, models::Output::logits);
  EXPECT_NEAR(*bad.value, -1.0, 1e-9);
  EXPECT_GT(bad.extra.at("infidelity").get<double>(), 1.0);
  // Random scores: a correlation near 0 and a large infidelity, from the same subsets as above.
  Rng rng(5);
  std::vector<double> noise(8);
  for (auto& s : noise) s = rng.uniform(-1, 1);
  const MetricResult random = fidelity(noise, linear, models::Output::logits, {{"subsets", 400}});
  EXPECT_LT(std::fabs(*random.value), 0.6);
  // Fixed subset sizes work too; a size that keeps nothing is not applicable.
  EXPECT_NEAR(*fidelity(linear.shapley(), linear, models::Output::logits, {{"subset_size", 3}}).value, 1.0, 1e-9);
  EXPECT_FALSE(fidelity(linear.shapley(), linear, models::Output::logits, {{"subset_size", 8}}).value);
  EXPECT_THROW_WITH(metric_registry().create("fidelity", {{"subsets", 2}}), ConfigError, "subsets");
}

// With pair terms, Shapley values split each interaction evenly: no longer exact on every subset, so
// the infidelity is positive while the correlation stays high.
TEST(Fidelity, InteractionsMakeShapleyImperfectButStillFaithful) {
  const PolynomialToy interacting(kWeights, {{0, 2, 1.0}, {3, 5, -0.8}}, 0.3);
  const MetricResult r = fidelity(interacting.shapley(), interacting, models::Output::logits);
  EXPECT_GT(r.extra.at("infidelity").get<double>(), 1e-4);
  EXPECT_GT(*r.value, 0.8);
}

}  // namespace
}  // namespace hearsay::metrics
