// The gradient family (saliency, gradient_x_input, smoothgrad) against closed forms on PolynomialToy,
// and methods/input_gradient on a model seen through overlapping windows.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/parallel.h"
#include "methods/explainer.h"
#include "methods/input_gradient.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

// An EchoFactorization whose kept component i reads `kept[i]` and removed one `removed[i]`, so that
// x and the factorization's baseline are neither 1 nor 0 and differ per component: gradient × input
// and its baselines are then told apart.
class ScaledEcho : public EchoFactorization {
 public:
  ScaledEcho(std::vector<float> kept, std::vector<float> removed)
      : EchoFactorization(static_cast<int64_t>(kept.size())), kept_(std::move(kept)), removed_(std::move(removed)) {}
  void compose(const uint8_t* keep, float* features) const override {
    for (int64_t i = 0; i < size(); ++i)
      features[i] = keep[i] ? kept_[static_cast<size_t>(i)] : removed_[static_cast<size_t>(i)];
  }
  using EchoFactorization::compose;
  using EchoFactorization::compose_gains;
  void compose_gains(const double* gains, float* features) const override {
    for (int64_t i = 0; i < size(); ++i)
      features[i] = static_cast<float>(gains[i] * kept_[static_cast<size_t>(i)] +
                                       (1.0 - gains[i]) * removed_[static_cast<size_t>(i)]);
  }
  std::vector<double> gains_vjp(const double*, const Matrix<float>& upstream) const override {
    std::vector<double> out(static_cast<size_t>(size()));
    for (int64_t i = 0; i < size(); ++i)
      out[static_cast<size_t>(i)] =
          upstream.data()[i] * (kept_[static_cast<size_t>(i)] - removed_[static_cast<size_t>(i)]);
    return out;
  }

 private:
  std::vector<float> kept_, removed_;
};

const std::vector<double> kWeights{0.5, -1.0, 2.0, -0.25, 1.5};
const std::vector<float> kKept{0.5f, 1.5f, 1.0f, 2.0f, -0.5f};
const std::vector<float> kRemoved{-0.2f, 0.3f, 0.1f, -0.4f, 0.6f};
const std::vector<PolynomialToy::Pair> kPairs{{0, 2, 1.0}, {1, 3, -0.5}};

Explanation explain(const std::string& method, const nlohmann::json& options, const models::Model& toy,
                    const factorizations::Factorization& f, uint64_t seed = 0) {
  Evaluator evaluator(toy, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = models::Output::logits;
  request.seed = seed;
  return explainer_registry().create(method, options)->explain(request);
}

// ∂f/∂x_i of the toy at the kept input: w_i + Σ_{pairs ∋ i} γ x_other.
std::vector<double> gradient(const std::vector<PolynomialToy::Pair>& pairs) {
  std::vector<double> g(kWeights);
  for (const auto& p : pairs) {
    g[static_cast<size_t>(p.a)] += p.gamma * kKept[static_cast<size_t>(p.b)];
    g[static_cast<size_t>(p.b)] += p.gamma * kKept[static_cast<size_t>(p.a)];
  }
  return g;
}

void expect_scores(const Explanation& e, const std::vector<double>& expected, double tolerance = 1e-6) {
  ASSERT_TRUE(e.map.has_value());
  ASSERT_EQ(e.scores.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(e.scores[i], expected[i], tolerance) << e.method << " component " << i;
    EXPECT_NEAR((*e.map)(0, static_cast<int64_t>(i)), expected[i], tolerance) << e.method << " map cell " << i;
  }
}

TEST(Saliency, IsTheAbsoluteGradientOrTheSignedOne) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy additive(kWeights, {}, 0.3);
  std::vector<double> magnitude;
  for (double w : kWeights) magnitude.push_back(std::fabs(w));
  expect_scores(explain("saliency", {}, additive, f), magnitude);
  expect_scores(explain("saliency", {{"abs", false}}, additive, f), kWeights);
  // With pairs the gradient at x carries γ times the partner's value.
  const PolynomialToy interacting(kWeights, kPairs, 0.3);
  const Explanation e = explain("saliency", {{"abs", false}}, interacting, f);
  expect_scores(e, gradient(kPairs));
  EXPECT_EQ(e.gradient_passes, 1);
}

TEST(GradientXInput, IsTheGradientTimesTheInputOrItsDistanceFromTheBaseline) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy additive(kWeights, {}, 0.3);
  std::vector<double> zero, from_baseline;
  for (size_t i = 0; i < kWeights.size(); ++i) {
    zero.push_back(kWeights[i] * kKept[i]);
    from_baseline.push_back(kWeights[i] * (kKept[i] - kRemoved[i]));
  }
  expect_scores(explain("gradient_x_input", {}, additive, f), zero);
  const Explanation e = explain("gradient_x_input", {{"baseline", "factorization"}}, additive, f);
  expect_scores(e, from_baseline);
  // On a model linear in its input the first-order term is the whole difference f(all) − f(none).
  double sum = 0.0;
  for (double s : e.scores) sum += s;
  EXPECT_NEAR(sum, e.full_output - e.empty_output, 1e-5);
  EXPECT_NEAR(e.diagnostics["map_sum"].get<double>(), sum, 1e-6);
  // Not so with the zero baseline: x̄ = 0 is not the input with every component removed.
  double zero_sum = 0.0;
  for (double s : zero) zero_sum += s;
  EXPECT_GT(std::fabs(zero_sum - (e.full_output - e.empty_output)), 0.1);
}

// Over components the path runs from the removed values to the kept ones: on a linear model each
// component gets w_i (kept_i − removed_i), as gradient × input against the factorization's baseline.
TEST(ComponentIgOnScaledInputs, IsTheWeightTimesTheComponentsChange) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy additive(kWeights, {}, 0.3);
  const Explanation e = explain("component_ig", {{"steps", 3}}, additive, f);
  ASSERT_EQ(e.scores.size(), kWeights.size());
  for (size_t i = 0; i < kWeights.size(); ++i) EXPECT_NEAR(e.scores[i], kWeights[i] * (kKept[i] - kRemoved[i]), 1e-5);
}

TEST(GradientXInput, RefusesAnUnknownBaselineNamingTheChoices) {
  EXPECT_THROW(explainer_registry().create("gradient_x_input", {{"baseline", "mean"}}), ConfigError);
  try {
    explainer_registry().create("gradient_x_input", {{"baseline", "mean"}});
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("factorization"), std::string::npos) << e.what();
  }
}

TEST(SmoothGrad, WithoutNoiseIsTheGradientAndGradientTimesInput) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy interacting(kWeights, kPairs, 0.3);
  const Explanation plain = explain("smoothgrad", {{"noise_level", 0.0}, {"samples", 3}}, interacting, f, 7);
  expect_scores(plain, explain("saliency", {{"abs", false}}, interacting, f).scores);
  EXPECT_EQ(plain.gradient_passes, 3);
  const Explanation times_input =
      explain("smoothgrad", {{"noise_level", 0.0}, {"samples", 2}, {"multiply_by_input", true}}, interacting, f, 7);
  expect_scores(times_input, explain("gradient_x_input", {}, interacting, f).scores);
}

// NoiseTunnel around IntegratedGradients: without noise each copy is x, so the map is IG's; with noise
// on a quadratic toy IG at x + ε is exact, and its mean over copies is IG at x plus the pair terms'
// γ ε_a ε_b, whose mean is 0.
TEST(SmoothGrad, OverIntegratedGradientsIsIntegratedGradientsAtEachNoisyCopy) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy interacting(kWeights, kPairs, 0.3);
  const Explanation ig = explain("integrated_gradients", {{"steps", 4}}, interacting, f);
  const Explanation quiet =
      explain("smoothgrad", {{"noise_level", 0.0}, {"samples", 3}, {"base", "integrated_gradients"}, {"ig_steps", 4}},
              interacting, f, 5);
  expect_scores(quiet, ig.scores);
  EXPECT_EQ(quiet.gradient_passes, 12);
  const Explanation noisy = explain(
      "smoothgrad", {{"noise_level", 0.1}, {"samples", 3000}, {"base", "integrated_gradients"}, {"ig_steps", 2}},
      interacting, f, 5);
  expect_scores(noisy, ig.scores, 0.03);
  // Few samples: the noise shows.
  const Explanation few =
      explain("smoothgrad", {{"noise_level", 0.1}, {"samples", 2}, {"base", "integrated_gradients"}, {"ig_steps", 2}},
              interacting, f, 5);
  EXPECT_GT(std::fabs(few.scores[0] - ig.scores[0]), 1e-4);
  EXPECT_THROW_WITH(
      explainer_registry().create("smoothgrad", {{"base", "integrated_gradients"}, {"multiply_by_input", true}}),
      ConfigError, "multiply_by_input applies to base gradient only");
}

// The noise has the stated σ: with pair γ between i and j, ∂f/∂x_i at the noisy copy is g_i + γ ε_j,
// so its mean is g_i and the mean of its square g_i² + γ² σ², σ = noise_level × (max − min of x).
TEST(SmoothGrad, MatchesTheExpectationsOfTheNoisyGradient) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy interacting(kWeights, kPairs, 0.3);
  const double noise_level = 0.2;
  const double sigma = noise_level * (2.0 - (-0.5));
  const nlohmann::json options{{"noise_level", noise_level}, {"samples", 4000}};
  const Explanation mean = explain("smoothgrad", options, interacting, f, 3);
  EXPECT_NEAR(mean.diagnostics["sigma"].get<double>(), sigma, 1e-6);
  const std::vector<double> g = gradient(kPairs);
  expect_scores(mean, g, 0.03);
  nlohmann::json squared_options = options;
  squared_options["squared"] = true;
  const Explanation squared = explain("smoothgrad", squared_options, interacting, f, 3);
  std::vector<double> expected(g.size());
  for (size_t i = 0; i < g.size(); ++i) expected[i] = g[i] * g[i];
  for (const auto& p : kPairs) {
    expected[static_cast<size_t>(p.a)] += p.gamma * p.gamma * sigma * sigma;
    expected[static_cast<size_t>(p.b)] += p.gamma * p.gamma * sigma * sigma;
  }
  expect_scores(squared, expected, 0.05);
  // The noise really moved the gradient: with few samples the mean is not the plain gradient.
  const Explanation few = explain("smoothgrad", {{"noise_level", noise_level}, {"samples", 2}}, interacting, f, 3);
  EXPECT_GT(std::fabs(few.scores[0] - g[0]), 1e-4);
}

TEST(SmoothGrad, TheSameSeedGivesTheSameMapForAnyThreadCount) {
  const ScaledEcho f(kKept, kRemoved);
  const PolynomialToy interacting(kWeights, kPairs, 0.3);
  const nlohmann::json options{{"samples", 16}};
  const int threads = num_threads();
  set_num_threads(1);
  const Explanation one = explain("smoothgrad", options, interacting, f, 11);
  set_num_threads(2);
  const Explanation two = explain("smoothgrad", options, interacting, f, 11);
  const Explanation again = explain("smoothgrad", options, interacting, f, 11);
  const Explanation other = explain("smoothgrad", options, interacting, f, 12);
  set_num_threads(threads);
  EXPECT_EQ(one.scores, two.scores);
  EXPECT_EQ(two.scores, again.scores);
  EXPECT_NE(two.scores, other.scores);
}

TEST(SmoothGrad, WarnsWhenAConstantInputLeavesNoRoomForNoise) {
  const EchoFactorization f(5);  // every component kept: every cell is 1
  const PolynomialToy additive(kWeights, {}, 0.3);
  const Explanation e = explain("smoothgrad", {{"samples", 2}}, additive, f);
  bool warned = false;
  for (const auto& w : e.warnings) warned = warned || w.find("adds no noise") != std::string::npos;
  EXPECT_TRUE(warned) << e.warnings.size() << " warnings, none about the noise";
}

// A model seen through windows of 6 frames over a 10-frame input (window starts 0 and 4, so frames 4
// and 5 lie in both): window logit Σ (m + 1)(t + 1) x(m, t) over its cells, the clip's output their
// mean, so window w's input gradient at cell (m, t) is (m + 1)(t + 1) / 2.
class TwoWindowToy : public models::Model, public models::WhiteBox {
 public:
  TwoWindowToy() : WhiteBox(static_cast<const models::Model&>(*this)), front_end_(two_bands()) {}
  const models::WhiteBox* white_box() const override { return this; }
  std::string name() const override { return "two-window toy"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return kWindow; }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    Matrix<float> out(count, 2, 0.0f);
    for (int64_t w = 0; w < count; ++w)
      for (int64_t m = 0; m < 2; ++m)
        for (int64_t t = 0; t < kWindow; ++t)
          out(w, 0) += static_cast<float>((m + 1) * (t + 1)) * windows[w * 2 * kWindow + m * kWindow + t];
    return out;
  }
  std::vector<models::LayerInfo> layers() const override { return {{"input", "Identity", {1, 2, kWindow}, {}}}; }
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string&, int,
                                       models::Output) const override {
    models::LayerGradient g;
    g.layer = "input";
    g.shape = {1, 2, kWindow};
    g.window_starts = models::window_starts(features.cols(), kWindow);
    g.window_frames = kWindow;
    const auto windows = static_cast<int64_t>(g.window_starts.size());
    for (int64_t w = 0; w < windows; ++w)
      for (int64_t m = 0; m < 2; ++m)
        for (int64_t t = 0; t < kWindow; ++t)
          g.gradients.push_back(static_cast<float>((m + 1) * (t + 1)) / static_cast<float>(windows));
    g.activations.assign(g.gradients.size(), 0.0f);
    g.output = {0.0f, 0.0f};
    return g;
  }

 private:
  static constexpr int64_t kWindow = 6;
  static FrontEndOptions two_bands() {
    FrontEndOptions o;
    o.n_mels = 2;
    return o;
  }
  FrontEnd front_end_;
  std::vector<std::string> classes_{"yes", "no"};
};

TEST(InputGradient, ACellInTwoWindowsGetsTheSumOfBothWindowsGradients) {
  const TwoWindowToy toy;
  const Matrix<float> features(2, 10, 0.5f);
  const InputGradient g = input_gradient(toy, "test", features, 0, models::Output::logits);
  ASSERT_EQ(g.gradient.rows(), 2);
  ASSERT_EQ(g.gradient.cols(), 10);
  for (int64_t m = 0; m < 2; ++m) {
    const double band = static_cast<double>(m + 1);
    // Frame 2: window 0 only, at t = 2.  Frame 8: window 1 only, at t = 4.
    EXPECT_NEAR(g.gradient(m, 2), band * 3 / 2, 1e-6);
    EXPECT_NEAR(g.gradient(m, 8), band * 5 / 2, 1e-6);
    // Frame 4: window 0 at t = 4 and window 1 at t = 0; frame 5: t = 5 and t = 1.
    EXPECT_NEAR(g.gradient(m, 4), band * (5 + 1) / 2, 1e-6);
    EXPECT_NEAR(g.gradient(m, 5), band * (6 + 2) / 2, 1e-6);
  }
}

}  // namespace
}  // namespace hearsay::methods
