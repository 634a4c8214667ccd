// The `stability` metric: LIME with few samples changes with its seed, occlusion never does, and the
// same seeds give the same value.
#include <gtest/gtest.h>

#include "metrics/stability.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

MetricResult stability(const std::string& method, const nlohmann::json& options, const PolynomialToy& toy,
                       const nlohmann::json& metric_options = nlohmann::json::object()) {
  const EchoFactorization f(static_cast<int64_t>(toy.input_frames()));
  methods::Evaluator evaluator(toy, f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.seed = 3;
  const methods::Explanation e = methods::explainer_registry().create(method, options)->explain(request);
  MetricInput input;
  input.explanation = &e;
  input.factorization = &f;
  input.evaluator = &evaluator;
  return metric_registry().create("stability", metric_options)->evaluate(input);
}

const PolynomialToy kToy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1}, {{0, 2, 1.0}, {3, 5, -0.8}}, 0.3);

TEST(Stability, FewSamplesMakeLimeDependOnItsSeed) {
  const MetricResult few = stability("lime", {{"num_samples", 12}}, kToy);
  ASSERT_TRUE(few.value);
  EXPECT_FALSE(few.extra.at("deterministic").get<bool>());
  EXPECT_LT(*few.value, 0.95);
  EXPECT_LE(few.extra.at("min_spearman").get<double>(), *few.value);
  EXPECT_GT(few.extra.at("evaluations").get<int64_t>(), 0);
  // Many samples: LIME settles (the same toy, the same seeds).
  const MetricResult many = stability("lime", {{"num_samples", 4000}}, kToy);
  EXPECT_GT(*many.value, *few.value);
  EXPECT_GT(*many.value, 0.95);
  EXPECT_GE(many.extra.at("top_k_jaccard").get<double>(), few.extra.at("top_k_jaccard").get<double>());
  // The same seeds give the same value.
  EXPECT_EQ(*stability("lime", {{"num_samples", 12}}, kToy).value, *few.value);
}

TEST(Stability, DeterministicMethodsAreNotRerun) {
  const MetricResult r = stability("occlusion", {}, kToy);
  EXPECT_EQ(*r.value, 1.0);
  EXPECT_TRUE(r.extra.at("deterministic").get<bool>());
  EXPECT_EQ(r.extra.at("evaluations"), 0);
  EXPECT_THROW_WITH(metric_registry().create("stability", {{"seeds", 1}}), ConfigError, "seeds");
}

}  // namespace
}  // namespace hearsay::metrics
