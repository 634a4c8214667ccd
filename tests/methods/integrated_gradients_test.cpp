#include <algorithm>
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "methods/integrated_gradients.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

// ∫₀¹ α^d dα = 1 / (d + 1) against the rule's sum.
double monomial_error(const Quadrature& q, int degree) {
  double sum = 0.0;
  for (size_t k = 0; k < q.alphas.size(); ++k) sum += q.weights[k] * std::pow(q.alphas[k], degree);
  return std::abs(sum - 1.0 / (degree + 1));
}

// Each rule integrates polynomials up to its degree of exactness and no further: left and right
// Riemann sums constants, the midpoint and trapezoid rules lines, Gauss–Legendre with n nodes degree
// 2n − 1 (the nodes must be the roots of P_n for that, so this checks the Newton iteration).
TEST(IntegratedGradients, QuadratureRulesAreExactToTheirDegree) {
  struct Case {
    IgMethod method;
    int steps;
    int exact_degree;
  };
  const Case cases[] = {
      {IgMethod::riemann_left, 7, 0},      {IgMethod::riemann_right, 7, 0},    {IgMethod::riemann_middle, 7, 1},
      {IgMethod::riemann_trapezoid, 7, 1}, {IgMethod::gauss_legendre, 1, 1},   {IgMethod::gauss_legendre, 2, 3},
      {IgMethod::gauss_legendre, 5, 9},    {IgMethod::gauss_legendre, 16, 31}, {IgMethod::gauss_legendre, 50, 99}};
  for (const Case& c : cases) {
    const Quadrature q = ig_quadrature(c.method, c.steps);
    ASSERT_EQ(q.alphas.size(), static_cast<size_t>(c.steps));
    EXPECT_NEAR(std::accumulate(q.weights.begin(), q.weights.end(), 0.0), 1.0, 1e-13);
    for (size_t k = 0; k < q.alphas.size(); ++k) {
      EXPECT_GE(q.alphas[k], 0.0);
      EXPECT_LE(q.alphas[k], 1.0);
      if (k > 0) {
        EXPECT_GT(q.alphas[k], q.alphas[k - 1]);
      }
    }
    for (int d = 0; d <= c.exact_degree; ++d)
      EXPECT_LT(monomial_error(q, d), 1e-12) << static_cast<int>(c.method) << " steps " << c.steps << " degree " << d;
    // (Past a few nodes Gauss–Legendre's error at degree 2n is below rounding: check the small rules.)
    if (c.steps <= 7) {
      EXPECT_GT(monomial_error(q, c.exact_degree + 1), 1e-6) << static_cast<int>(c.method) << " steps " << c.steps
                                                             << " should not be exact at degree " << c.exact_degree + 1;
    }
  }
  // Captum's placements: left starts at 0, right ends at 1, trapezoid holds both ends at half weight.
  EXPECT_EQ(ig_quadrature(IgMethod::riemann_left, 4).alphas.front(), 0.0);
  EXPECT_EQ(ig_quadrature(IgMethod::riemann_right, 4).alphas.back(), 1.0);
  const Quadrature t = ig_quadrature(IgMethod::riemann_trapezoid, 5);
  EXPECT_EQ(t.alphas.front(), 0.0);
  EXPECT_EQ(t.alphas.back(), 1.0);
  EXPECT_DOUBLE_EQ(t.weights.front(), 0.125);
}

// The base class may add its own baseline warnings (the toy's baseline is the target class); count ours.
int64_t completeness_warnings(const Explanation& e) {
  return std::count_if(e.warnings.begin(), e.warnings.end(),
                       [](const std::string& w) { return w.find("completeness") != std::string::npos; });
}

Explanation explain(const models::Model& model, const factorizations::Factorization& f, const nlohmann::json& options,
                    uint64_t seed = 0) {
  Evaluator evaluator(model, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = models::Output::logits;
  request.seed = seed;
  return explainer_registry().create("integrated_gradients", options)->explain(request);
}

// On the straight path from nothing kept (0) to everything kept (1), a pair term γ x_a x_b has
// gradient γα in x_a and in x_b, so each of a and b gets ∫₀¹ γα dα = γ/2 and each linear term its
// weight: IG equals the closed form w_i + Σ_{pairs ∋ i} γ/2 (here also the Shapley values). The
// integrand is linear in α, so any rule exact for lines gives it to rounding.
TEST(IntegratedGradients, PairTermsSplitHalfAndHalfOnThePolynomialToy) {
  const testing::PolynomialToy toy({0.5, -1.0, 2.0, 0.25, 1.5}, {{0, 1, 3.0}, {2, 4, -1.2}, {1, 3, 0.8}}, 0.7);
  const testing::EchoFactorization echo(5);
  const std::vector<double> expected = {0.5 + 1.5, -1.0 + 1.5 + 0.4, 2.0 - 0.6, 0.25 + 0.4, 1.5 - 0.6};
  for (const char* method : {"gauss_legendre", "riemann_trapezoid", "riemann_middle"}) {
    const Explanation e = explain(toy, echo, {{"method", method}, {"steps", 4}});
    ASSERT_EQ(e.scores.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(e.scores[i], expected[i], 1e-6) << method << " " << i;
    EXPECT_EQ(e.gradient_passes, 4);
    EXPECT_EQ(completeness_warnings(e), 0) << method;
  }
}

// Completeness: Σ map = f(x) − f(x′) within 1e-6 with 8 Gauss–Legendre nodes, reported in the
// diagnostics; a coarse left Riemann sum misses by 12 % and says so.
TEST(IntegratedGradients, ReportsCompletenessAndWarnsWhenTheRuleIsTooCoarse) {
  const testing::PolynomialToy toy({1.0, 2.0, 3.0, 0.5}, {{0, 1, 4.0}, {2, 3, -2.0}});
  const testing::EchoFactorization echo(4);
  const Explanation good = explain(toy, echo, {{"steps", 8}});
  const double change = toy.value({1, 1, 1, 1}) - toy.value({0, 0, 0, 0});
  EXPECT_NEAR(std::accumulate(good.scores.begin(), good.scores.end(), 0.0), change, 1e-6);
  EXPECT_LT(std::abs(good.diagnostics["completeness_error"].get<double>()), 1e-6);
  EXPECT_LT(good.diagnostics["relative_completeness_error"].get<double>(), 1e-6);
  EXPECT_EQ(good.diagnostics["method"], "gauss_legendre");
  EXPECT_EQ(good.diagnostics["steps"], 8);
  EXPECT_EQ(completeness_warnings(good), 0);

  // Left sum with 2 nodes: each pair term gets γ/4 instead of γ/2 per side, Σ misses Σγ/2 = 1 of 8.5.
  const Explanation coarse = explain(toy, echo, {{"steps", 2}, {"method", "riemann_left"}});
  EXPECT_NEAR(coarse.diagnostics["completeness_error"].get<double>(), -1.0, 1e-6);
  EXPECT_NEAR(coarse.diagnostics["relative_completeness_error"].get<double>(), 1.0 / change, 1e-6);
  ASSERT_EQ(completeness_warnings(coarse), 1);
  EXPECT_NE(coarse.warnings.back().find("increase steps"), std::string::npos) << coarse.warnings.back();
}

// The baselines: "zero" is the echo factorization's own removed input; "mean" of an all-ones input is
// the input itself (nothing to attribute); "noise" (uniform over [0, 1], the range of the input and
// the removed input) is seeded (same seed, same map; another seed, another map) and still complete.
TEST(IntegratedGradients, BaselinesAndTheirDeterminism) {
  const testing::PolynomialToy toy({1.0, -2.0, 0.5}, {{0, 2, 1.0}});
  const testing::EchoFactorization echo(3);
  const Explanation factorization = explain(toy, echo, {});
  const Explanation zero = explain(toy, echo, {{"baseline", "zero"}});
  EXPECT_EQ(factorization.scores, zero.scores);
  const Explanation mean = explain(toy, echo, {{"baseline", "mean"}});
  for (double s : mean.scores) EXPECT_EQ(s, 0.0);
  EXPECT_TRUE(explainer_registry().create("integrated_gradients", {{"baseline", "noise"}})->capabilities().stochastic);
  EXPECT_FALSE(explainer_registry().create("integrated_gradients")->capabilities().stochastic);
  const Explanation a = explain(toy, echo, {{"baseline", "noise"}}, 3);
  const Explanation b = explain(toy, echo, {{"baseline", "noise"}}, 3);
  const Explanation c = explain(toy, echo, {{"baseline", "noise"}}, 4);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_NE(a.scores, c.scores);
  EXPECT_LT(std::abs(a.diagnostics["completeness_error"].get<double>()), 1e-5);
}

TEST(IntegratedGradients, RefusesUnknownChoicesTooFewStepsAndBlackBoxesByName) {
  const auto& registry = explainer_registry();
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"method", "simpson"}}), ConfigError, "gauss_legendre");
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"method", "simpson"}}), ConfigError, "simpson");
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"baseline", "blur"}}), ConfigError, "factorization");
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"baseline", "blur"}}), ConfigError, "blur");
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"method", "riemann_trapezoid"}, {"steps", 1}}),
                    ConfigError, "riemann_trapezoid");
  EXPECT_THROW_WITH(registry.create("integrated_gradients", {{"steps", 0}}), ConfigError, "steps");
  const testing::PolynomialToy toy({1.0, 2.0}, {});
  const testing::BlackBox box(toy);
  const testing::EchoFactorization echo(2);
  EXPECT_THROW_WITH(explain(box, echo, {}), UnsupportedModelError, "black box");
}

}  // namespace
}  // namespace hearsay::methods
