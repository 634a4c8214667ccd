// Methods against mathematics: models whose attributions are known in closed form.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "methods/exact_shapley.h"
#include "methods/explainer.h"
#include "methods/kernel_shap.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

Explanation explain(const std::string& method, const nlohmann::json& options, const models::Model& model,
                    Evaluator& evaluator, models::Output output = models::Output::logits, uint64_t seed = 1) {
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = output;
  request.seed = seed;
  request.target = 0;
  (void)model;
  return explainer_registry().create(method, options)->explain(request);
}

// Shapley values by the permutation definition: the average marginal contribution over all M!
// orders. Independent of the subset formula the method uses.
std::vector<double> brute_force_shapley(const PolynomialToy& toy, int m) {
  std::vector<int> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> phi(static_cast<size_t>(m), 0.0);
  double count = 0.0;
  do {
    std::vector<uint8_t> keep(static_cast<size_t>(m), 0);
    double before = toy.value(keep);
    for (int i : order) {
      keep[static_cast<size_t>(i)] = 1;
      const double after = toy.value(keep);
      phi[static_cast<size_t>(i)] += after - before;
      before = after;
    }
    count += 1.0;
  } while (std::next_permutation(order.begin(), order.end()));
  for (auto& v : phi) v /= count;
  return phi;
}

PolynomialToy interacting6() {
  return PolynomialToy({0.7, -1.2, 0.4, 2.0, -0.3, 0.9}, {{0, 1, 1.5}, {2, 5, -0.6}, {1, 4, 0.8}}, 0.2);
}

TEST(ExactShapley, EqualsBruteForcePermutationsTo1e9) {
  const PolynomialToy toy = interacting6();
  const EchoFactorization f(6);
  Evaluator evaluator(toy, f);
  const Explanation e = explain("exact_shapley", {}, toy, evaluator);
  const auto reference = brute_force_shapley(toy, 6);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(e.scores[static_cast<size_t>(i)], reference[static_cast<size_t>(i)], 1e-9);
  EXPECT_EQ(e.evals, 64);
  // The closed form w_i + Σγ/2 agrees too (to float rounding of the model's output).
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(e.scores[static_cast<size_t>(i)], toy.shapley()[static_cast<size_t>(i)], 1e-6);
}

TEST(ExactShapley, RefusesTooManyComponentsWithAClearMessage) {
  const PolynomialToy toy(std::vector<double>(21, 1.0), {});
  const EchoFactorization f(21);
  Evaluator evaluator(toy, f);
  EXPECT_THROW_WITH(explain("exact_shapley", {}, toy, evaluator), ConfigError, "21 components", "at most",
                    "kernel_shap");
  // and the limit cannot be raised past 20
  EXPECT_THROW_WITH(explainer_registry().create("exact_shapley", {{"max_components", 21}}), ConfigError,
                    "max_components", "[1, 20]");
}

TEST(ShapleyMethods, EfficiencyHoldsForLogitsAndProbabilities) {
  const PolynomialToy toy = interacting6();
  const EchoFactorization f(6);
  for (auto output : {models::Output::logits, models::Output::probabilities}) {
    for (const char* method : {"exact_shapley", "kernel_shap"}) {
      Evaluator evaluator(toy, f);
      const Explanation e = explain(
          method, method == std::string("kernel_shap") ? nlohmann::json{{"num_samples", 20}} : nlohmann::json::object(),
          toy, evaluator, output);
      const double sum = std::accumulate(e.scores.begin(), e.scores.end(), 0.0);
      EXPECT_NEAR(sum, e.full_output - e.empty_output, 1e-6) << method;
    }
  }
}

TEST(KernelShap, WithTheBudgetForEveryCoalitionEqualsExactShapley) {
  const PolynomialToy toy({0.7, -1.2, 0.4, 2.0, -0.3, 0.9, 0.05, -0.5}, {{0, 1, 1.5}, {2, 5, -0.6}, {6, 7, 0.9}}, 0.2);
  const EchoFactorization f(8);
  for (auto output : {models::Output::logits, models::Output::probabilities}) {
    Evaluator evaluator(toy, f);
    const Explanation exact = explain("exact_shapley", {}, toy, evaluator, output);
    for (const char* sampler : {"shap", "leverage"}) {
      const Explanation shap =
          explain("kernel_shap", {{"num_samples", 254}, {"sampler", sampler}}, toy, evaluator, output);
      for (int i = 0; i < 8; ++i)
        EXPECT_NEAR(shap.scores[static_cast<size_t>(i)], exact.scores[static_cast<size_t>(i)], 1e-6) << sampler;
      EXPECT_EQ(shap.diagnostics["coalitions"], 254);
    }
  }
}

TEST(KernelShap, SamplerFollowsShap) {
  // Full budget: every coalition but the empty and full ones, kernel weights summing to one.
  const Coalitions all = sample_coalitions(6, 1000, 1);
  EXPECT_EQ(all.masks.rows(), 62);
  EXPECT_EQ(all.full_sizes, 3);
  EXPECT_NEAR(std::accumulate(all.weights.begin(), all.weights.end(), 0.0), 1.0, 1e-12);
  // Partial budget for 12 components: sizes 1 and 11 enumerated (24 masks), then paired samples.
  const Coalitions some = sample_coalitions(12, 100, 3);
  EXPECT_EQ(some.full_sizes, 1);
  EXPECT_EQ(some.masks.rows(), 100);
  EXPECT_NEAR(std::accumulate(some.weights.begin(), some.weights.end(), 0.0), 1.0, 1e-12);
  // After the enumerated sizes, each drawn coalition is followed by its complement, except those of
  // size M/2 = 6, whose complement has the same size and is drawn on its own.
  for (int64_t r = 24; r < 100;) {
    int size = 0;
    for (int64_t i = 0; i < 12; ++i) size += some.masks(r, i);
    if (size == 6 || r + 1 == 100) {
      ++r;
      continue;
    }
    for (int64_t i = 0; i < 12; ++i)
      ASSERT_EQ(some.masks(r, i) + some.masks(r + 1, i), 1) << "rows " << r << ", " << r + 1;
    r += 2;
  }
  // The same seed gives the same coalitions; another seed others.
  EXPECT_TRUE(sample_coalitions(12, 100, 3).masks == some.masks);
  EXPECT_FALSE(sample_coalitions(12, 100, 4).masks == some.masks);
}

TEST(Lime, RecoversTheAdditiveToysWeights) {
  const std::vector<double> w{0.9, -1.3, 2.1, 0.2, -0.6, 1.4, 0.45, -2.2, 1.1, 0.7};
  const PolynomialToy toy(w, {}, 0.5);
  const EchoFactorization f(10);
  Evaluator evaluator(toy, f);
  const Explanation e = explain("lime", {{"num_samples", 2048}}, toy, evaluator);
  // Rank correlation 1 and every weight within 5 %.
  std::vector<int> by_true(10), by_lime(10);
  std::iota(by_true.begin(), by_true.end(), 0);
  std::iota(by_lime.begin(), by_lime.end(), 0);
  std::sort(by_true.begin(), by_true.end(),
            [&](int a, int b) { return w[static_cast<size_t>(a)] > w[static_cast<size_t>(b)]; });
  std::sort(by_lime.begin(), by_lime.end(),
            [&](int a, int b) { return e.scores[static_cast<size_t>(a)] > e.scores[static_cast<size_t>(b)]; });
  EXPECT_EQ(by_lime, by_true);
  for (int i = 0; i < 10; ++i)
    EXPECT_NEAR(e.scores[static_cast<size_t>(i)], w[static_cast<size_t>(i)],
                0.05 * std::abs(w[static_cast<size_t>(i)]));
  EXPECT_GT(*e.r2, 0.999);
  EXPECT_GT(*e.r2_held_out, 0.999);
  // 2048 + 205 held-out draws of 10 components repeat masks: only distinct ones are evaluated.
  EXPECT_LE(e.evals, 1024);
  EXPECT_GT(e.evals, 800);
}

TEST(Lime, ExhaustiveSamplingAndFeatureSelections) {
  const std::vector<double> w{3.0, 0.01, -2.0, 0.02, 0.0, 1.0};
  const PolynomialToy toy(w, {{1, 3, 0.05}});
  const EchoFactorization f(6);
  Evaluator evaluator(toy, f);
  const Explanation ex = explain("lime", {{"sampling", "exhaustive"}, {"feature_selection", "none"}}, toy, evaluator);
  EXPECT_EQ(ex.evals, 64);
  for (const char* selection : {"forward_selection", "highest_weights", "lasso_path", "auto"}) {
    const Explanation e =
        explain("lime", {{"num_samples", 500}, {"feature_selection", selection}, {"num_features", 3}}, toy, evaluator);
    std::vector<std::string> used = e.diagnostics["used_components"];
    std::sort(used.begin(), used.end());
    EXPECT_EQ(used, (std::vector<std::string>{"c00", "c02", "c05"})) << selection;
    EXPECT_EQ(e.scores[1], 0.0) << selection;
  }
  const PolynomialToy big(std::vector<double>(21, 1.0), {});
  const EchoFactorization f21(21);
  Evaluator e21(big, f21);
  EXPECT_THROW_WITH(explain("lime", {{"sampling", "exhaustive"}}, big, e21), ConfigError, "at most 20");
}

// With num_features at its default every component is kept, so highest_weights (auto's choice above
// 6 components) selects nothing: the answer is the unselected fit's, bit for bit. Keeping one fewer
// drops the weakest.
TEST(Lime, HighestWeightsKeepingEveryComponentIsTheUnselectedFit) {
  const std::vector<double> w{0.9, -1.3, 2.1, 0.05, -0.6, 1.4, 0.45, -2.2, 1.1, 0.7};
  const PolynomialToy toy(w, {{0, 1, 0.3}}, 0.5);
  const EchoFactorization f(10);
  Evaluator evaluator(toy, f);
  const Explanation none = explain("lime", {{"num_samples", 300}, {"feature_selection", "none"}}, toy, evaluator);
  for (const char* selection : {"auto", "highest_weights"}) {
    const Explanation all = explain("lime", {{"num_samples", 300}, {"feature_selection", selection}}, toy, evaluator);
    EXPECT_EQ(all.scores, none.scores) << selection;
    EXPECT_EQ(all.intercept, none.intercept) << selection;
  }
  const Explanation nine = explain(
      "lime", {{"num_samples", 300}, {"feature_selection", "highest_weights"}, {"num_features", 9}}, toy, evaluator);
  EXPECT_EQ(nine.scores[3], 0.0);
  EXPECT_EQ(nine.diagnostics["used_components"].size(), 9u);
}

TEST(Occlusion, EqualsTheAdditiveToysWeightsExactly) {
  const std::vector<double> w{0.5, -1.0, 2.0, 0.25};
  const PolynomialToy toy(w, {}, 1.0);
  const EchoFactorization f(4);
  for (const char* variant : {"leave_one_out", "keep_one_in"}) {
    Evaluator evaluator(toy, f);
    const Explanation e = explain("occlusion", {{"variant", variant}}, toy, evaluator);
    for (int i = 0; i < 4; ++i)
      EXPECT_FLOAT_EQ(static_cast<float>(e.scores[static_cast<size_t>(i)]),
                      static_cast<float>(w[static_cast<size_t>(i)]))
          << variant;
    EXPECT_EQ(e.evals, 6);  // M masks + the full and empty inputs
  }
  // With an interaction the two variants differ by the interaction term.
  const PolynomialToy pair({1.0, 1.0}, {{0, 1, 2.0}});
  const EchoFactorization f2(2);
  Evaluator ev(pair, f2);
  EXPECT_DOUBLE_EQ(explain("occlusion", {}, pair, ev).scores[0], 3.0);
  EXPECT_DOUBLE_EQ(explain("occlusion", {{"variant", "keep_one_in"}}, pair, ev).scores[0], 1.0);
}

TEST(Evaluator, CachesSharesAndStreamsInBatches) {
  const PolynomialToy toy({1, 2, 3, 4, 5, 6}, {});
  const EchoFactorization f(6);
  EvaluatorOptions o;
  o.batch_size = 4;
  Evaluator evaluator(toy, f, o);
  explain("exact_shapley", {}, toy, evaluator);
  EXPECT_EQ(evaluator.forward_passes(), 64);
  EXPECT_EQ(evaluator.peak_inputs_held(), 4);
  const Explanation occlusion = explain("occlusion", {}, toy, evaluator);
  EXPECT_EQ(occlusion.evals, 8);
  EXPECT_EQ(occlusion.model_runs, 0);  // every mask was among exact Shapley's
  EXPECT_EQ(evaluator.forward_passes(), 64);
  EXPECT_THROW_WITH(evaluator.logits(Matrix<uint8_t>(2, 5, uint8_t{1})), ShapeError, "5 columns", "6 components");
}

}  // namespace
}  // namespace hearsay::methods
