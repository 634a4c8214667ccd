// The Metric base class (validation before and after run) and the registry.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "metrics/metric.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

// A metric that returns what the test tells it to, to exercise the base class's checks.
class Probe : public Metric {
 public:
  explicit Probe(MetricResult answer, MetricNeeds needs = {}) : answer_(std::move(answer)), needs_(needs) {}
  std::string name() const override { return "probe"; }
  nlohmann::json options() const override { return nlohmann::json::object(); }
  MetricNeeds needs() const override { return needs_; }
  mutable int runs = 0;

 protected:
  MetricResult run(const MetricInput&) const override {
    ++runs;
    return answer_;
  }

 private:
  MetricResult answer_;
  MetricNeeds needs_;
};

MetricResult value(double v) {
  MetricResult r;
  r.value = v;
  return r;
}

methods::Explanation explanation_of(const factorizations::Factorization& f, const std::string& method) {
  methods::Explanation e;
  e.method = method;
  e.names = f.names();
  e.scores.assign(f.names().size(), 0.0);
  for (size_t i = 0; i < e.scores.size(); ++i) e.scores[i] = static_cast<double>(i);
  return e;
}

TEST(Metric, ValidInputReachesRunAndItsResultComesBack) {
  const testing::EchoFactorization f(3);
  const auto e = explanation_of(f, "lime");
  const auto r = explanation_of(f, "exact_shapley");
  const Probe probe(value(0.5));
  const MetricResult result = probe.evaluate({&e, &f, {}, &r, nullptr});
  EXPECT_EQ(probe.runs, 1);
  ASSERT_TRUE(result.value);
  EXPECT_EQ(*result.value, 0.5);
}

TEST(Metric, MissingOrMismatchedInputIsRefusedBeforeRun) {
  const testing::EchoFactorization f(3);
  const testing::EchoFactorization other(4);
  const Probe probe(value(0.5));
  const auto e = explanation_of(f, "lime");
  EXPECT_THROW_WITH(probe.evaluate({nullptr, &f}), ConfigError, "probe", "no explanation");
  EXPECT_THROW_WITH(probe.evaluate({&e, nullptr}), ConfigError, "probe", "no factorization", "'lime'");
  EXPECT_THROW_WITH(probe.evaluate({&e, &other}), ShapeError, "probe", "'lime'", "3 components against 4");
  auto renamed = e;
  renamed.names[1] = "x";
  EXPECT_THROW_WITH(probe.evaluate({&renamed, &f}), ShapeError, "component 1 is 'x' against 'c01'");
  auto short_scores = e;
  short_scores.scores.pop_back();
  EXPECT_THROW_WITH(probe.evaluate({&short_scores, &f}), ShapeError, "'lime'", "2 scores for 3 components");
  auto nan_score = e;
  nan_score.scores[2] = std::nan("");
  EXPECT_THROW_WITH(probe.evaluate({&nan_score, &f}), Error, "'lime'", "component 'c02'", "not finite");
  const auto wrong_reference = explanation_of(other, "exact_shapley");
  EXPECT_THROW_WITH(probe.evaluate({&e, &f, {}, &wrong_reference}), ShapeError, "reference method 'exact_shapley'",
                    "'lime'");
  const Probe needs_model(value(0.5), {false, true});
  EXPECT_THROW_WITH(needs_model.evaluate({&e, &f}), ConfigError, "probe", "evaluator");
  EXPECT_EQ(probe.runs, 0);
  EXPECT_EQ(needs_model.runs, 0);
}

TEST(Metric, WithoutGroundTruthAGroundTruthMetricDoesNotApply) {
  const testing::EchoFactorization f(3);
  const auto e = explanation_of(f, "lime");
  const Probe probe(value(0.5), {true, false});
  const MetricResult result = probe.evaluate({&e, &f});
  EXPECT_FALSE(result.value);
  EXPECT_NE(result.reason.find("no ground truth"), std::string::npos) << result.reason;
  EXPECT_EQ(probe.runs, 0);
}

TEST(Metric, NonFiniteResultsAndSilentAbsencesAreRefused) {
  const testing::EchoFactorization f(3);
  const auto e = explanation_of(f, "lime");
  EXPECT_THROW_WITH(Probe(value(std::numeric_limits<double>::infinity())).evaluate({&e, &f}), Error, "probe",
                    "non-finite value", "'lime'");
  MetricResult curve = value(0.5);
  curve.curve = {1.0, std::nan("")};
  EXPECT_THROW_WITH(Probe(curve).evaluate({&e, &f}), Error, "probe", "curve point 1");
  EXPECT_THROW_WITH(Probe(MetricResult{}).evaluate({&e, &f}), Error, "probe", "no value and no reason");
  const MetricResult absent = Probe(MetricResult::not_applicable("because")).evaluate({&e, &f});
  EXPECT_FALSE(absent.value);
  EXPECT_EQ(absent.reason, "because");
}

TEST(Registry, ListsTheBuiltInMetrics) {
  EXPECT_EQ(
      metric_registry().names(),
      (std::vector<std::string>{"adversarial_flip", "agreement", "complexity", "deletion", "fidelity", "granularity",
                                "ground_truth_rank", "localisation", "sanity", "sensitivity", "stability"}));
  EXPECT_THROW_WITH(metric_registry().create("fidelty"), ConfigError, "unknown metric 'fidelty'",
                    "adversarial_flip, agreement, complexity, deletion, fidelity, granularity, ground_truth_rank, "
                    "localisation, sanity, "
                    "sensitivity, stability");
}

class EveryMetric : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryMetric, UnknownOptionsAreRefusedByNameAndEveryOptionIsDocumented) {
  EXPECT_THROW_WITH(metric_registry().create(GetParam(), {{"referense", 1}}), ConfigError, GetParam(), "'referense'");
  const auto metric = metric_registry().create(GetParam());
  EXPECT_EQ(metric->name(), GetParam());
  const auto& docs = metric_registry().option_docs(GetParam());
  EXPECT_EQ(docs.size(), metric->options().size());
  // Options written back are read again to the same metric.
  EXPECT_EQ(metric_registry().create(GetParam(), metric->options())->options(), metric->options());
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryMetric, ::testing::ValuesIn(metric_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace hearsay::metrics
