// The `deletion` metric's known answers on an additive toy (issue 13): the true ordering's deletion
// curve is the lowest possible, and a random explanation's AUC falls inside the random reference.
#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>

#include "core/random.h"
#include "metrics/deletion.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

const std::vector<double> kWeights{0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1};

methods::Explanation explained(std::vector<double> scores, const EchoFactorization& f) {
  methods::Explanation e;
  e.method = "toy";
  e.names = f.names();
  e.scores = std::move(scores);
  e.target = 0;
  e.output = models::Output::logits;
  return e;
}

MetricResult deletion(const methods::Explanation& e, const EchoFactorization& f, const PolynomialToy& toy,
                      nlohmann::json options = nlohmann::json::object()) {
  methods::Evaluator evaluator(toy, f);
  MetricInput input;
  input.explanation = &e;
  input.factorization = &f;
  input.evaluator = &evaluator;
  return metric_registry().create("deletion", options)->evaluate(input);
}

TEST(Deletion, TrapezoidAreaByHand) {
  EXPECT_DOUBLE_EQ(normalized_auc({1.0, 0.0}), 0.5);
  EXPECT_DOUBLE_EQ(normalized_auc({2.0, 1.0, 1.0}), 1.25);  // (1.5 + 1) / 2
  EXPECT_THROW_WITH(normalized_auc({1.0}), ShapeError, "at least 2 points");
}

// On f(S) = bias + Σ_{i∈S} w_i, removing in decreasing w leaves the least at every step: no order's
// deletion curve lies below it anywhere, so its AUC is the least of all 8! orders; insertion mirrors it.
TEST(Deletion, TheTrueOrderingIsTheLowestDeletionCurveOnAnAdditiveToy) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const MetricResult truth = deletion(explained(kWeights, f), f, toy);
  ASSERT_TRUE(truth.value);
  ASSERT_EQ(truth.curve.size(), 9u);
  EXPECT_NEAR(truth.curve.front(), 0.3 + 2.6, 1e-5);  // every component kept: bias + Σ w
  EXPECT_NEAR(truth.curve.back(), 0.3, 1e-6);         // none kept
  std::vector<int64_t> order(8);
  std::iota(order.begin(), order.end(), 0);
  double least = 1e9;
  do {
    std::vector<double> curve{0.3};
    for (const double w : kWeights) curve.front() += w;
    for (const int64_t i : order) curve.push_back(curve.back() - kWeights[static_cast<size_t>(i)]);
    least = std::min(least, normalized_auc(curve));
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_NEAR(*truth.value, least, 1e-5);
  // The reversed ranking is the worst: its deletion AUC is the highest, above the random interval.
  std::vector<double> reversed(kWeights);
  for (auto& w : reversed) w = -w;
  const MetricResult worst = deletion(explained(reversed, f), f, toy);
  const auto& random = truth.extra.at("random_deletion_auc");
  EXPECT_LT(*truth.value, random.at("low").get<double>());
  EXPECT_GT(*worst.value, random.at("high").get<double>());
  EXPECT_GT(truth.extra.at("insertion_auc").get<double>(),
            truth.extra.at("random_insertion_auc").at("high").get<double>());
  EXPECT_EQ(truth.extra.at("insertion_curve").size(), 9u);
  EXPECT_EQ(truth.extra.at("random_deletion_curve").size(), 9u);
  EXPECT_GT(truth.extra.at("evaluations").get<int64_t>(), 0);
}

// Random scores carry no information: their AUC lies inside the reference's 95 % interval (checked
// for 20 seeds of scores: at least 18 inside, as a 95 % interval allows).
TEST(Deletion, ARandomExplanationFallsInsideTheRandomReference) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  int inside = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    std::vector<double> scores(8);
    for (auto& s : scores) s = rng.uniform();
    const MetricResult r = deletion(explained(scores, f), f, toy, {{"random_orders", 200}});
    const auto& random = r.extra.at("random_deletion_auc");
    inside += *r.value >= random.at("low").get<double>() && *r.value <= random.at("high").get<double>();
  }
  EXPECT_GE(inside, 18);
}

TEST(Deletion, TheReferenceDependsOnTheSeedAloneAndOptionsAreChecked) {
  const PolynomialToy toy(kWeights, {}, 0.3);
  const EchoFactorization f(8);
  const MetricResult a = deletion(explained(kWeights, f), f, toy);
  const MetricResult b = deletion(explained({1, 2, 3, 4, 5, 6, 7, 8}, f), f, toy);
  EXPECT_EQ(a.extra.at("random_deletion_auc"), b.extra.at("random_deletion_auc"));
  const MetricResult c = deletion(explained(kWeights, f), f, toy, {{"seed", 2}});
  EXPECT_NE(a.extra.at("random_deletion_auc"), c.extra.at("random_deletion_auc"));
  EXPECT_THROW_WITH(metric_registry().create("deletion", {{"random_orders", 1}}), ConfigError, "random_orders");
  // Without a model the metric is refused by the base class, naming it.
  MetricInput input;
  const auto e = explained(kWeights, f);
  input.explanation = &e;
  input.factorization = &f;
  EXPECT_THROW(metric_registry().create("deletion")->evaluate(input), Error);
}

}  // namespace
}  // namespace hearsay::metrics
