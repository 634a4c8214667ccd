// The `complexity` metric on vectors whose answers are known by hand.
#include <cmath>

#include <gtest/gtest.h>

#include "metrics/complexity.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

MetricResult complexity_of(std::vector<double> scores) {
  const testing::EchoFactorization f(static_cast<int64_t>(scores.size()));
  methods::Explanation e;
  e.method = "toy";
  for (int64_t i = 0; i < f.size(); ++i) e.names.push_back(f.names()[static_cast<size_t>(i)]);
  e.scores = std::move(scores);
  return metric_registry().create("complexity")->evaluate({&e, &f});
}

TEST(Complexity, GiniIsOneForOneHotAndZeroForConstant) {
  const MetricResult one_hot = complexity_of({0.0, 0.0, 3.0, 0.0});
  ASSERT_TRUE(one_hot.value);
  EXPECT_NEAR(*one_hot.value, 1.0, 1e-12);
  EXPECT_NEAR(one_hot.extra.at("entropy").get<double>(), 0.0, 1e-12);
  EXPECT_NEAR(one_hot.extra.at("effective_components").get<double>(), 1.0, 1e-12);
  const MetricResult constant = complexity_of({-2.0, 2.0, 2.0, -2.0});  // magnitudes count, not signs
  ASSERT_TRUE(constant.value);
  EXPECT_NEAR(*constant.value, 0.0, 1e-12);
  EXPECT_NEAR(constant.extra.at("entropy").get<double>(), std::log(4.0), 1e-12);
  EXPECT_NEAR(constant.extra.at("normalized_entropy").get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(constant.extra.at("effective_components").get<double>(), 4.0, 1e-9);
}

// |φ| = {1, 1, 2}: sorted ascending with weights 2i − n − 1 = {−2, 0, 2}: Σ = 2, n Σ|φ| = 12, so the
// Gini index is 1/6, scaled by 3/2 to 1/4. p = {1/4, 1/4, 1/2}: entropy = 1.5 ln 2.
TEST(Complexity, ByHandOnThreeValues) {
  const MetricResult r = complexity_of({1.0, -2.0, 1.0});
  ASSERT_TRUE(r.value);
  EXPECT_NEAR(*r.value, 0.25, 1e-12);
  EXPECT_NEAR(r.extra.at("entropy").get<double>(), 1.5 * std::log(2.0), 1e-12);
  EXPECT_NEAR(r.extra.at("effective_components").get<double>(), std::pow(2.0, 1.5), 1e-9);
  // More concentrated, higher Gini: moving mass to the largest component raises it.
  EXPECT_GT(*complexity_of({0.5, -2.5, 1.0}).value, *r.value);
}

TEST(Complexity, NotApplicableWithoutAnythingToDistribute) {
  const MetricResult zeros = complexity_of({0.0, 0.0, 0.0});
  EXPECT_FALSE(zeros.value);
  EXPECT_NE(zeros.reason.find("scores every component 0"), std::string::npos) << zeros.reason;
  EXPECT_FALSE(complexity_of({4.0}).value);
  EXPECT_THROW_WITH(normalized_gini({1.0}), ShapeError, "at least 2 values");
  EXPECT_THROW_WITH(metric_registry().create("complexity", {{"bins", 3}}), ConfigError, "'bins'");
}

}  // namespace
}  // namespace hearsay::metrics
