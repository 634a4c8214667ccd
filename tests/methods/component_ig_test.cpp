// Integrated gradients over components (component_ig) on closed forms: with an EchoFactorization the
// PolynomialToy's logit is multilinear in the gains, so the Aumann–Shapley values equal exact Shapley
// (and exact_shapley's scores); completeness on the probability; batching changes nothing; refusals
// by name.
#include <cmath>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

const std::vector<double> kWeights{0.5, -1.0, 2.0, -0.25, 1.5, 0.75};
const std::vector<PolynomialToy::Pair> kPairs{{0, 2, 1.0}, {1, 3, -0.5}, {4, 5, 0.8}};

Explanation explain(const std::string& method, const nlohmann::json& options, const models::Model& model,
                    const factorizations::Factorization& f, models::Output output = models::Output::logits) {
  Evaluator evaluator(model, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = output;
  return explainer_registry().create(method, options)->explain(request);
}

// v(S) = bias + Σ w + Σ γ over S is multilinear in the gains, so ∂F/∂g_i along the diagonal is
// w_i + Σ_{pairs ∋ i} γ α, whose integral is the Shapley value w_i + Σ γ / 2; a rule exact for
// degree-1 polynomials gets it to rounding.
TEST(ComponentIg, EqualsExactShapleyOnAMultilinearToy) {
  const PolynomialToy toy(kWeights, kPairs, 0.3);
  const EchoFactorization f(static_cast<int64_t>(kWeights.size()));
  const std::vector<double> shapley = toy.shapley();
  const Explanation exact = explain("exact_shapley", {}, toy, f);
  for (const nlohmann::json& options :
       {nlohmann::json::object(), nlohmann::json{{"steps", 1}}, nlohmann::json{{"method", "riemann_middle"}},
        nlohmann::json{{"method", "riemann_trapezoid"}, {"steps", 2}}}) {
    const Explanation e = explain("component_ig", options, toy, f);
    ASSERT_EQ(e.scores.size(), shapley.size());
    for (size_t i = 0; i < shapley.size(); ++i) {
      EXPECT_NEAR(e.scores[i], shapley[i], 1e-6) << options.dump() << ", component " << i;
      EXPECT_NEAR(e.scores[i], exact.scores[i], 1e-6) << options.dump() << ", component " << i;
    }
    EXPECT_FALSE(e.map.has_value());
    EXPECT_EQ(e.gradient_passes, e.options["steps"].get<int>());
    EXPECT_NEAR(e.diagnostics["completeness_error"].get<double>(), 0.0, 1e-6);
    for (const std::string& w : e.warnings) EXPECT_EQ(w.find("completeness"), std::string::npos) << w;
  }
}

// A left Riemann sum with one node reads the gradient at "nothing kept" only: the pair terms are
// lost, which the quadrature (not the composition) decides.
TEST(ComponentIg, TheQuadratureRuleIsTheOneAsked) {
  const PolynomialToy toy(kWeights, kPairs, 0.3);
  const EchoFactorization f(static_cast<int64_t>(kWeights.size()));
  const Explanation e = explain("component_ig", {{"method", "riemann_left"}, {"steps", 1}}, toy, f);
  for (size_t i = 0; i < kWeights.size(); ++i) EXPECT_NEAR(e.scores[i], kWeights[i], 1e-6) << "component " << i;
  EXPECT_NEAR(e.diagnostics["completeness_error"].get<double>(), -(1.0 + -0.5 + 0.8), 1e-6);
}

// On the probability (not multilinear in the gains) the scores still add up to f(all) − f(none), to
// the quadrature's error, and a one-node rule is warned about.
TEST(ComponentIg, MeetsCompletenessOnTheProbabilityAndWarnsWhenItDoesNot) {
  const PolynomialToy toy(kWeights, kPairs, -0.5);
  const EchoFactorization f(static_cast<int64_t>(kWeights.size()));
  const Explanation e = explain("component_ig", {}, toy, f, models::Output::probabilities);
  const double sum = std::accumulate(e.scores.begin(), e.scores.end(), 0.0);
  const double change = e.full_output - e.empty_output;
  ASSERT_GT(std::abs(change), 0.1);
  // The toy's outputs are floats: 1e-6 is their rounding, far below the 1 % the warning starts at.
  EXPECT_NEAR(sum, change, 1e-6);
  EXPECT_LT(e.diagnostics["relative_completeness_error"].get<double>(), 1e-5);
  EXPECT_DOUBLE_EQ(e.intercept, e.empty_output);
  for (const std::string& w : e.warnings) EXPECT_EQ(w.find("completeness"), std::string::npos) << w;
  const Explanation rough =
      explain("component_ig", {{"method", "riemann_left"}, {"steps", 1}}, toy, f, models::Output::probabilities);
  EXPECT_GT(rough.diagnostics["relative_completeness_error"].get<double>(), 0.01);
  ASSERT_EQ(rough.warnings.size(), 1u);
  EXPECT_NE(rough.warnings[0].find("component_ig"), std::string::npos) << rough.warnings[0];
  EXPECT_NE(rough.warnings[0].find("completeness"), std::string::npos) << rough.warnings[0];
}

// An EchoFactorization that says its components add up as signals, as waveform ones do.
class AdditiveEcho : public EchoFactorization {
 public:
  using EchoFactorization::EchoFactorization;
  bool additive() const override { return true; }
};

// The geometric spacing (g = min_gain^(1 − s), and one node below min_gain) is chosen for additive
// factorizations and is a change of variable of the same integral: still exact Shapley here.
TEST(ComponentIg, GeometricSpacingForAdditiveComponentsIsTheSameIntegral) {
  const PolynomialToy toy(kWeights, kPairs, 0.3);
  const std::vector<double> shapley = toy.shapley();
  const AdditiveEcho additive(static_cast<int64_t>(kWeights.size()));
  const EchoFactorization cells(static_cast<int64_t>(kWeights.size()));
  const Explanation automatic = explain("component_ig", {}, toy, additive);
  const Explanation geometric = explain("component_ig", {{"spacing", "geometric"}}, toy, cells);
  const Explanation linear = explain("component_ig", {{"spacing", "linear"}}, toy, additive);
  EXPECT_EQ(automatic.gradient_passes, 129);  // the steps, and one node for [0, min_gain]
  EXPECT_EQ(geometric.gradient_passes, 129);
  EXPECT_EQ(linear.gradient_passes, 128);
  EXPECT_EQ(automatic.diagnostics["spacing"], "geometric");
  EXPECT_EQ(linear.diagnostics["spacing"], "linear");
  EXPECT_EQ(explain("component_ig", {}, toy, cells).diagnostics["spacing"], "linear");
  for (size_t i = 0; i < shapley.size(); ++i) {
    EXPECT_NEAR(automatic.scores[i], shapley[i], 1e-6) << "component " << i;
    EXPECT_EQ(geometric.scores[i], automatic.scores[i]) << "component " << i;
    EXPECT_NEAR(linear.scores[i], shapley[i], 1e-6) << "component " << i;
  }
  // Two nodes of a geometric rule cannot integrate the pair terms' g · ln(1/min_gain) · g exactly.
  const Explanation coarse = explain("component_ig", {{"spacing", "geometric"}, {"steps", 2}}, toy, cells);
  EXPECT_GT(std::abs(coarse.scores[0] - shapley[0]), 1e-3);
}

// Real waveform components (stems × segments of a synthetic clip, one mel band) under a smooth model
// of the log-mel features: with the geometric spacing the scores converge to completeness (1.7 % off
// at 32 steps, 0.28 % at 256; linear spacing is 78 % off at 32: the path's change in dB happens at
// gains far below its first node), and the parallel composition gives the same scores for any thread
// count.
TEST(ComponentIg, StemsUnderASmoothModelAreCompleteAndThreadCountFree) {
  FrontEndOptions o;
  o.n_mels = 1;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(2.0, o.sample_rate, 3);
  const auto f = factorizations::factorizer_registry()
                     .create("stems", {{"segments", 3}})
                     ->factorize({clip.mix, clip.stems}, front_end);
  std::vector<double> weights(static_cast<size_t>(f->frames()));
  for (size_t t = 0; t < weights.size(); ++t) weights[t] = 0.01 * (static_cast<double>(t % 7) - 3.0);
  const PolynomialToy toy(weights, {{1, 40, 0.001}, {10, 70, -0.002}}, 0.0);
  set_num_threads(1);
  const Explanation one = explain("component_ig", {{"steps", 32}}, toy, *f);
  set_num_threads(3);
  const Explanation three = explain("component_ig", {{"steps", 32}}, toy, *f);
  set_num_threads(0);
  EXPECT_EQ(one.scores, three.scores);
  EXPECT_EQ(one.diagnostics["spacing"], "geometric");
  const double change = one.full_output - one.empty_output;
  ASSERT_GT(std::abs(change), 0.1);
  std::cout << "stems under a quadratic of the dB features: relative completeness error "
            << one.diagnostics["relative_completeness_error"] << " (32 steps, geometric), "
            << explain("component_ig", {{"spacing", "linear"}, {"steps", 32}}, toy, *f)
                   .diagnostics["relative_completeness_error"]
            << " (linear), min_gain " << one.diagnostics["min_gain"] << "\n";
  const Explanation fine = explain("component_ig", {{"steps", 256}}, toy, *f);
  std::cout << "  with 256 steps: " << fine.diagnostics["relative_completeness_error"] << "\n";
  EXPECT_LT(fine.diagnostics["relative_completeness_error"].get<double>(), 0.01);
}

TEST(ComponentIg, TheBatchChangesNothing) {
  const PolynomialToy toy(kWeights, kPairs, -0.5);
  const EchoFactorization f(static_cast<int64_t>(kWeights.size()));
  const Explanation one = explain("component_ig", {{"batch", 1}, {"steps", 7}}, toy, f, models::Output::probabilities);
  for (int batch : {3, 7, 64}) {
    const Explanation e =
        explain("component_ig", {{"batch", batch}, {"steps", 7}}, toy, f, models::Output::probabilities);
    EXPECT_EQ(e.scores, one.scores) << "batch " << batch;
  }
}

TEST(ComponentIg, DefaultsAndCapabilities) {
  const auto method = explainer_registry().create("component_ig");
  EXPECT_EQ(method->options()["steps"], 128);
  EXPECT_EQ(method->options()["method"], "gauss_legendre");
  EXPECT_EQ(method->options()["batch"], 8);
  EXPECT_EQ(method->options()["spacing"], "auto");
  EXPECT_EQ(method->options()["min_gain"], 0.0);
  const Capabilities c = method->capabilities();
  EXPECT_TRUE(c.needs_gradients);
  EXPECT_FALSE(c.dense_map);
  EXPECT_FALSE(c.stochastic);
  EXPECT_EQ(c.default_output, models::Output::probabilities);
}

// An EchoFactorization that composes keep-masks only (the Factorization defaults for gains).
class MaskOnlyEcho : public EchoFactorization {
 public:
  using EchoFactorization::EchoFactorization;
  void compose_gains(const double* gains, float* features) const override {
    Factorization::compose_gains(gains, features);
  }
  using EchoFactorization::compose_gains;
  std::vector<double> gains_vjp(const double* gains, const Matrix<float>& upstream) const override {
    return Factorization::gains_vjp(gains, upstream);
  }
};

TEST(ComponentIg, RefusesBadOptionsBlackBoxesAndFactorizationsWithoutGainsByName) {
  const auto& registry = explainer_registry();
  EXPECT_THROW_WITH(registry.create("component_ig", {{"method", "simpson"}}), ConfigError, "simpson", "gauss_legendre");
  EXPECT_THROW_WITH(registry.create("component_ig", {{"method", "riemann_trapezoid"}, {"steps", 1}}), ConfigError,
                    "component_ig", "riemann_trapezoid");
  EXPECT_THROW_WITH(registry.create("component_ig", {{"steps", 0}}), ConfigError, "steps");
  EXPECT_THROW_WITH(registry.create("component_ig", {{"batch", 0}}), ConfigError, "batch");
  EXPECT_THROW_WITH(registry.create("component_ig", {{"spacing", "log"}}), ConfigError, "log", "geometric");
  EXPECT_THROW_WITH(registry.create("component_ig", {{"min_gain", 0.6}}), ConfigError, "min_gain");
  const PolynomialToy toy({1.0, 2.0}, {});
  const testing::BlackBox box(toy);
  const EchoFactorization echo(2);
  EXPECT_THROW_WITH(explain("component_ig", {}, box, echo), UnsupportedModelError, "component_ig");
  const MaskOnlyEcho mask_only(2);
  EXPECT_THROW_WITH(explain("component_ig", {}, toy, mask_only), ConfigError, "'echo' factorization", "component_ig",
                    "stems");
}

}  // namespace
}  // namespace hearsay::methods
