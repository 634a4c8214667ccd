// Warnings beside the scores, each tested where it fires and where it does not: a degenerate baseline
// (f(none) close to f(all), or the baseline itself classified as the target) for every registered
// method, LIME's poor surrogate fit (R² below min_r2), and KernelSHAP's unconverged estimate.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "methods/explainer.h"
#include "tests/methods/known_answers.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

Explanation explain(const std::string& method, const models::Model& model, int64_t m, nlohmann::json options,
                    models::Output output = models::Output::probabilities) {
  const EchoFactorization f(m);
  Evaluator evaluator(model, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = output;
  request.seed = 3;
  return explainer_registry().create(method, options)->explain(request);
}

size_t count_containing(const std::vector<std::string>& warnings, const std::string& part) {
  return static_cast<size_t>(std::count_if(warnings.begin(), warnings.end(),
                                           [&](const std::string& w) { return w.find(part) != std::string::npos; }));
}

TEST(DegenerateBaseline, EveryMethodWarnsWhenRemovingEverythingBarelyMovesTheOutput) {
  // f(all) = σ(0.008) ≈ 0.502 and f(none) = σ(0) = 0.5 for class "yes": 0.002 apart.
  const PolynomialToy flat(std::vector<double>(8, 0.001), {}, 0.0);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    // The probability's 0.05 bar (the base class warns the same for every method; the logit's bar is
    // DegenerateBaseline.LogitToleranceIsRelativeToTheSpreadOfTheLogits): logit-only methods (LRP) skip it.
    if (testing::suite_output(method) != models::Output::probabilities) continue;
    const Explanation e = explain(method, flat, 8, testing::test_profile(method).quick_options);
    EXPECT_EQ(count_containing(e.warnings, "degenerate baseline: f(none) = 0.5 on the baseline (0) is within 0.05"), 1u)
        << ::testing::PrintToString(e.warnings);
    EXPECT_EQ(e.to_json()["warnings"], nlohmann::json(e.warnings));
  }
}

TEST(DegenerateBaseline, EveryMethodWarnsWhenTheBaselineIsClassifiedAsTheTarget) {
  // The baseline's logits are (0.3, 0): it is "yes", the class explained, though f moves 0.37.
  const PolynomialToy toy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1}, {}, 0.3);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    const Explanation e =
        explain(method, toy, 8, testing::test_profile(method).quick_options, testing::suite_output(method));
    EXPECT_EQ(count_containing(e.warnings, "is itself classified as 'yes' (p = 0.57)"), 1u)
        << ::testing::PrintToString(e.warnings);
    EXPECT_EQ(count_containing(e.warnings, "is within"), 0u);
  }
}

TEST(DegenerateBaseline, NoWarningWhenTheBaselineIsAnotherClassFarFromTheOutput) {
  // f(all) = σ(2.1) = 0.89, f(none) = σ(-0.5) = 0.38, and the baseline is "no".
  const PolynomialToy toy({0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1}, {}, -0.5);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    const Explanation e =
        explain(method, toy, 8, testing::test_profile(method).quick_options, testing::suite_output(method));
    EXPECT_EQ(count_containing(e.warnings, "degenerate baseline"), 0u) << ::testing::PrintToString(e.warnings);
    EXPECT_EQ(e.to_json()["warnings"], nlohmann::json(e.warnings));
  }
}

TEST(DegenerateBaseline, LogitToleranceIsRelativeToTheSpreadOfTheLogits) {
  const std::vector<std::string> classes{"a", "b", "c"};
  const std::string baseline = "silence";
  // Target "a": logit 10 with everything kept, 9.6 on the baseline; the logits spread over 10.
  const float all[] = {10.0f, 0.0f, 5.0f};
  const float none_close[] = {9.6f, 9.7f, 5.0f};
  const float none_far[] = {9.0f, 9.7f, 5.0f};
  auto warnings = [&](const float* none, models::Output output) {
    return degenerate_baseline_warnings(all, none, classes, 0, output, baseline);
  };
  // 0.4 <= 0.05 × 10: degenerate in logits (the baseline is "b", so only the closeness warning).
  EXPECT_EQ(warnings(none_close, models::Output::logits).size(), 1u);
  EXPECT_EQ(count_containing(warnings(none_close, models::Output::logits), "within 0.5 of f(all) = 10"), 1u);
  // 1.0 > 0.5: not degenerate.
  EXPECT_TRUE(warnings(none_far, models::Output::logits).empty());
  // In probability, p(a) goes from 0.993 to 0.40 and 0.33: far apart either way.
  EXPECT_TRUE(warnings(none_close, models::Output::probabilities).empty());
  // The baseline classified as the target, whatever the output explained.
  const float none_same[] = {12.0f, 0.0f, 0.0f};
  for (auto output : {models::Output::logits, models::Output::probabilities})
    EXPECT_EQ(count_containing(warnings(none_same, output), "is itself classified as 'a' (p = 1.00)"), 1u);
}

TEST(LimeFit, WarnsWhenTheSurrogateExplainsLittle) {
  // Class 0's logit is x0 XOR x1 = x0 + x1 − 2 x0 x1: orthogonal to every linear function of the mask
  // under Bernoulli(1/2) masks, so the linear surrogate's R² is near 0.
  const PolynomialToy xor_toy({1.0, 1.0, 0, 0, 0, 0}, {{0, 1, -2.0}}, 0.0);
  const Explanation e = explain("lime", xor_toy, 6, {{"num_samples", 2000}}, models::Output::logits);
  ASSERT_TRUE(e.r2.has_value());
  EXPECT_LT(*e.r2, 0.3);
  EXPECT_EQ(count_containing(e.warnings, "poor surrogate fit: lime's weighted R^2 is"), 1u)
      << ::testing::PrintToString(e.warnings);
  EXPECT_EQ(count_containing(e.warnings, "below min_r2 = 0.3"), 1u);
  // The threshold is the option: at 0 nothing fires.
  const Explanation lenient =
      explain("lime", xor_toy, 6, {{"num_samples", 2000}, {"min_r2", 0.0}}, models::Output::logits);
  EXPECT_EQ(count_containing(lenient.warnings, "poor surrogate fit"), 0u);
}

TEST(LimeFit, NoWarningWhenTheModelIsAdditive) {
  const PolynomialToy additive({0.5, -1.0, 2.0, 0.0, 0.25, 1.5}, {}, 0.0);
  const Explanation e = explain("lime", additive, 6, {{"num_samples", 500}}, models::Output::logits);
  EXPECT_GT(*e.r2, 0.9);
  EXPECT_EQ(count_containing(e.warnings, "poor surrogate fit"), 0u) << ::testing::PrintToString(e.warnings);
}

// 12 components, 2^12 − 2 = 4094 coalitions, 150 evaluated: the rest is sampled.
const std::vector<double> kWeights{0.5, -1.0, 2.0, 0.0, 0.25, 1.5, -0.75, 0.1, 1.0, -0.5, 0.3, 0.8};

TEST(KernelShapConvergence, WarnsWhenTheSampledEstimateIsStillNoisy) {
  const PolynomialToy interacting(kWeights, {{0, 2, 3.0}, {3, 5, -2.5}, {1, 7, 2.0}, {4, 9, -3.0}}, -0.5);
  // shap's sampler: the leverage sampler's paired rows fit this quadratic logit exactly (no noise to warn of).
  const Explanation e =
      explain("kernel_shap", interacting, 12, {{"num_samples", 150}, {"sampler", "shap"}}, models::Output::logits);
  EXPECT_FALSE(e.diagnostics.at("converged").get<bool>());
  EXPECT_GT(e.diagnostics.at("convergence_ratio").get<double>(), 0.01);
  EXPECT_EQ(e.diagnostics.at("standard_errors").size(), 12u);
  EXPECT_EQ(e.diagnostics.at("bootstrap_replicates"), 32);
  EXPECT_EQ(count_containing(e.warnings, "kernel_shap has not converged"), 1u) << ::testing::PrintToString(e.warnings);
  EXPECT_EQ(count_containing(e.warnings, "convergence_threshold = 0.01"), 1u);
  // With every coalition the values are exact: σ = 0 and no warning.
  const Explanation exact = explain("kernel_shap", interacting, 12, {{"num_samples", 5000}}, models::Output::logits);
  EXPECT_TRUE(exact.diagnostics.at("converged").get<bool>());
  EXPECT_EQ(exact.diagnostics.at("bootstrap_replicates"), 0);
  EXPECT_EQ(count_containing(exact.warnings, "has not converged"), 0u);
}

TEST(KernelShapConvergence, NoWarningWhenTheSampledEstimateIsStable) {
  // An additive game is fitted exactly by any set of coalitions: the bootstrap finds no spread.
  const PolynomialToy additive(kWeights, {}, -0.5);
  const Explanation e = explain("kernel_shap", additive, 12, {{"num_samples", 150}}, models::Output::logits);
  EXPECT_GT(e.diagnostics.at("bootstrap_replicates").get<int>(), 0);
  EXPECT_TRUE(e.diagnostics.at("converged").get<bool>());
  EXPECT_LT(e.diagnostics.at("convergence_ratio").get<double>(), 1e-6);  // the toy's float logits round
  EXPECT_EQ(count_containing(e.warnings, "has not converged"), 0u) << ::testing::PrintToString(e.warnings);
}

}  // namespace
}  // namespace hearsay::methods
