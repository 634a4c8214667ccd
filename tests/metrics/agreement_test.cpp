// Rank statistics and the `agreement` metric, on answers computed by hand.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "metrics/agreement.h"
#include "metrics/rank_correlation.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

TEST(RankCorrelation, TiesShareTheirAverageRank) {
  EXPECT_EQ(average_ranks({3.0, 1.0, 3.0}), (std::vector<double>{2.5, 1.0, 2.5}));
  EXPECT_EQ(average_ranks({10.0, 20.0, 20.0, 20.0, 5.0}), (std::vector<double>{2.0, 4.0, 4.0, 4.0, 1.0}));
  EXPECT_EQ(average_ranks({-1.0, 0.5}), (std::vector<double>{1.0, 2.0}));
}

// a = {1, 2, 2, 3} has ranks {1, 2.5, 2.5, 4}; b = {1, 3, 2, 4} has ranks {1, 3, 2, 4}. About the
// mean rank 2.5: a's deviations {-1.5, 0, 0, 1.5}, b's {-1.5, 0.5, -0.5, 1.5}; covariance sum 4.5,
// squares 4.5 and 5: rho = 4.5 / sqrt(22.5) = 3 / sqrt(10).
TEST(RankCorrelation, SpearmanWithTiesByHand) {
  const auto rho = spearman({1.0, 2.0, 2.0, 3.0}, {1.0, 3.0, 2.0, 4.0});
  ASSERT_TRUE(rho);
  EXPECT_NEAR(*rho, 3.0 / std::sqrt(10.0), 1e-12);
  // Only ranks matter: any increasing transform of a side gives the same value.
  EXPECT_NEAR(*spearman({1.0, 2.0, 2.0, 3.0}, {-7.0, 30.0, 0.0, 1e6}), 3.0 / std::sqrt(10.0), 1e-12);
  EXPECT_DOUBLE_EQ(*spearman({1.0, 2.0, 3.0}, {30.0, 20.0, 10.0}), -1.0);
  EXPECT_FALSE(spearman({1.0, 1.0, 1.0}, {1.0, 2.0, 3.0}));
  // Constant sides whose computed mean rounds away from the values: still no correlation.
  EXPECT_FALSE(spearman(std::vector<double>(12, 0.1), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_FALSE(pearson(std::vector<double>(7, 0.1), {1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(spearman({1.0}, {2.0}));
  EXPECT_THROW_WITH(spearman({1.0, 2.0}, {1.0}), ShapeError, "2 values against 1");
}

methods::Explanation explained(const std::string& method, std::vector<double> scores) {
  methods::Explanation e;
  e.method = method;
  for (size_t i = 0; i < scores.size(); ++i) e.names.push_back("c" + factorizations::index_label(int64_t(i), 4));
  e.scores = std::move(scores);
  return e;
}

TEST(Agreement, IsSpearmanAgainstTheReferenceWithTopOne) {
  const testing::EchoFactorization f(4);
  const auto metric = metric_registry().create("agreement");
  EXPECT_EQ(metric->reference_method(), "exact_shapley");
  const auto lime = explained("lime", {1.0, 2.0, 2.0, 3.0});
  const auto exact = explained("exact_shapley", {1.0, 3.0, 2.0, 4.0});
  const MetricResult r = metric->evaluate({&lime, &f, {}, &exact});
  ASSERT_TRUE(r.value);
  EXPECT_NEAR(*r.value, 3.0 / std::sqrt(10.0), 1e-12);
  EXPECT_EQ(r.extra.at("spearman").get<double>(), *r.value);
  EXPECT_EQ(r.extra.at("top1"), 1);  // both put c03 first
  EXPECT_EQ(r.extra.at("reference"), "exact_shapley");
  EXPECT_TRUE(r.curve.empty());
  // Another top component: c00 first for the method, c03 for the reference.
  const auto other = explained("occlusion", {5.0, 2.0, 2.0, 3.0});
  const MetricResult o = metric->evaluate({&other, &f, {}, &exact});
  EXPECT_EQ(o.extra.at("top1"), 0);
  ASSERT_TRUE(o.value);
  EXPECT_LT(*o.value, *r.value);
}

TEST(Agreement, AnyRegisteredMethodCanBeTheReference) {
  const testing::EchoFactorization f(4);
  const auto metric = metric_registry().create("agreement", {{"reference", "kernel_shap"}});
  EXPECT_EQ(metric->reference_method(), "kernel_shap");
  const auto lime = explained("lime", {4.0, 3.0, 2.0, 1.0});
  const auto shap = explained("kernel_shap", {1.0, 2.0, 3.0, 4.0});
  const MetricResult r = metric->evaluate({&lime, &f, {}, &shap});
  EXPECT_DOUBLE_EQ(*r.value, -1.0);
  EXPECT_EQ(r.extra.at("reference"), "kernel_shap");
  // A reference explanation by another method than the one configured is a mistake of the caller.
  const auto exact = explained("exact_shapley", {1.0, 2.0, 3.0, 4.0});
  EXPECT_THROW_WITH(metric->evaluate({&lime, &f, {}, &exact}), ConfigError, "'exact_shapley'", "'kernel_shap'");
  EXPECT_THROW_WITH(metric_registry().create("agreement", {{"reference", "shapley"}}), ConfigError, "'shapley'",
                    "exact_shapley", "lime");
}

TEST(Agreement, DoesNotApplyToTheReferenceItselfOrWithoutIt) {
  const testing::EchoFactorization f(4);
  const auto metric = metric_registry().create("agreement");
  const auto lime = explained("lime", {1.0, 2.0, 2.0, 3.0});
  const auto exact = explained("exact_shapley", {1.0, 3.0, 2.0, 4.0});
  const MetricResult self = metric->evaluate({&exact, &f, {}, &exact});
  EXPECT_FALSE(self.value);
  EXPECT_NE(self.reason.find("reference method itself"), std::string::npos) << self.reason;
  const MetricResult missing = metric->evaluate({&lime, &f, {}, nullptr});
  EXPECT_FALSE(missing.value);
  EXPECT_NE(missing.reason.find("'exact_shapley' has no explanation"), std::string::npos) << missing.reason;
  const auto flat = explained("grad_cam", {0.0, 0.0, 0.0, 0.0});
  const MetricResult undefined = metric->evaluate({&flat, &f, {}, &exact});
  EXPECT_FALSE(undefined.value);
  EXPECT_NE(undefined.reason.find("'grad_cam' gives every component the same score"), std::string::npos)
      << undefined.reason;
  EXPECT_TRUE(undefined.extra.at("spearman").is_null());
}

}  // namespace
}  // namespace hearsay::metrics
