// guided_backprop, guided_grad_cam and deeplift against closed forms on the polynomial and detector toys:
// guided backpropagation is the gradient where no ReLU intervenes, guided Grad-CAM is Grad-CAM's map
// times guided backpropagation's cell by cell, DeepLIFT sums to f(x) − f(x′) (on the quadratic toy its
// map is the Shapley values) and warns when a model's multipliers do not; the reference inputs.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "methods/explainer.h"
#include "methods/reference_input.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::DetectorToy;
using testing::EchoFactorization;
using testing::PolynomialToy;

const std::vector<double> kWeights{0.5, -1.0, 2.0, -0.25, 1.5, -0.75};
const std::vector<PolynomialToy::Pair> kPairs{{0, 2, 1.0}, {1, 3, -0.5}, {4, 5, 0.8}};
constexpr double kBias = -0.4;

Explanation explain(const std::string& method, const nlohmann::json& options, const models::Model& toy,
                    models::Output output = models::Output::logits, uint64_t seed = 1) {
  const EchoFactorization f(toy.input_frames());
  Evaluator evaluator(toy, f);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = output;
  request.seed = seed;
  return explainer_registry().create(method, options)->explain(request);
}

void expect_map(const Explanation& e, const std::vector<double>& expected, double tolerance = 1e-6) {
  ASSERT_TRUE(e.map.has_value());
  ASSERT_EQ(e.scores.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR((*e.map)(0, static_cast<int64_t>(i)), expected[i], tolerance) << e.method << " cell " << i;
    EXPECT_NEAR(e.scores[i], expected[i], tolerance) << e.method << " component " << i;
  }
}

TEST(GuidedBackprop, IsTheSignedGradientWhereNoReluIntervenes) {
  // With every component kept (x = 1): ∂f/∂x_i = w_i + Σ_{pairs ∋ i} γ.
  const PolynomialToy toy(kWeights, kPairs, kBias);
  std::vector<double> gradient(kWeights);
  for (const auto& p : kPairs) {
    gradient[static_cast<size_t>(p.a)] += p.gamma;
    gradient[static_cast<size_t>(p.b)] += p.gamma;
  }
  const Explanation e = explain("guided_backprop", {}, toy);
  expect_map(e, gradient);
  EXPECT_EQ(e.gradient_passes, 1);
  EXPECT_TRUE(explainer_registry().create("guided_backprop", {})->capabilities().dense_map);
}

TEST(GuidedGradCam, IsGradCamTimesGuidedBackpropCellByCell) {
  const DetectorToy toy(kWeights, kPairs, kBias);
  for (const models::Output output : {models::Output::logits, models::Output::probabilities})
    for (const bool relu : {true, false}) {
      const nlohmann::json options = {{"relu", relu}};
      const Explanation cam = explain("grad_cam", options, toy, output);
      const Explanation guided = explain("guided_backprop", {}, toy, output);
      const Explanation both = explain("guided_grad_cam", options, toy, output);
      ASSERT_TRUE(cam.map && guided.map && both.map);
      std::vector<double> product;
      for (int64_t k = 0; k < cam.map->size(); ++k)
        product.push_back(double{cam.map->data()[k]} * guided.map->data()[k]);
      expect_map(both, product);
      EXPECT_EQ(both.diagnostics["layer"], "detectors");
      EXPECT_EQ(both.gradient_passes, 2);
      // Grad-CAM's ReLU zeroes the negative weights' cells; without it every cell carries w_i².
      const int64_t negative = 1;
      EXPECT_EQ((*both.map)(0, negative) == 0.0f, relu) << "relu " << relu;
    }
}

TEST(GuidedGradCam, TakesGradCamsLayerOptionAndRefusesAnUnknownLayerByName) {
  const DetectorToy toy(kWeights, {}, kBias);
  EXPECT_THROW_WITH(explain("guided_grad_cam", {{"layer", "conv9"}}, toy), ConfigError, "no layer 'conv9'",
                    "detectors");
  EXPECT_THROW_WITH(explainer_registry().create("guided_grad_cam", {{"layers", "x"}}), ConfigError, "layers");
}

// A detector toy with a layer the modified backward pass cannot pass: it refuses, and counts the
// Grad-CAM passes that ran before.
class NoGuidedPass : public DetectorToy {
 public:
  using DetectorToy::DetectorToy;
  Matrix<float> modified_gradient(const Matrix<float>&, int, models::Output, models::BackwardRule,
                                  const Matrix<float>*) const override {
    throw UnsupportedModelError("guided backpropagation: layer 'act' has type 'Sigmoid'");
  }
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       models::Output output) const override {
    ++layer_passes;
    return DetectorToy::layer_gradient(features, layer, target, output);
  }
  mutable int layer_passes = 0;
};

TEST(GuidedGradCam, ALayerGuidedBackpropCannotPassIsRefusedBeforeGradCamRuns) {
  const NoGuidedPass toy(kWeights, {}, kBias);
  EXPECT_THROW_WITH(explain("guided_grad_cam", {}, toy), UnsupportedModelError, "layer 'act' has type 'Sigmoid'");
  EXPECT_EQ(toy.layer_passes, 0);
}

// On the quadratic toy the multipliers are the gradient at the midpoint of x and x′, so with x = 1 and
// x′ = 0 the map is w_i + Σ_{pairs ∋ i} γ/2: the Shapley values, summing to f(x) − f(x′) exactly.
TEST(DeepLift, OnAQuadraticIsTheShapleyValuesAndSumsToTheChange) {
  const PolynomialToy toy(kWeights, kPairs, kBias);
  for (const char* baseline : {"factorization", "zero"}) {
    const Explanation e = explain("deeplift", {{"baseline", baseline}}, toy);
    expect_map(e, toy.shapley());
    EXPECT_EQ(e.diagnostics["baseline"], baseline);
    EXPECT_NEAR(e.diagnostics["map_sum"].get<double>(), e.full_output - e.empty_output, 1e-5);
    EXPECT_LT(std::abs(e.diagnostics["delta_error"].get<double>()), 1e-5);
    EXPECT_LT(e.diagnostics["relative_delta_error"].get<double>(), 1e-5);
    EXPECT_TRUE(e.warnings.empty()) << e.warnings.front();
    EXPECT_EQ(e.gradient_passes, 1);
  }
}

TEST(DeepLift, TheMeanReferenceOfAConstantClipExplainsNothing) {
  // Every component kept: x is all ones, its mean too, so x − x′ = 0 and so is the change.
  const Explanation e = explain("deeplift", {{"baseline", "mean"}}, PolynomialToy(kWeights, kPairs, kBias));
  expect_map(e, std::vector<double>(kWeights.size(), 0.0));
  EXPECT_TRUE(e.diagnostics["relative_delta_error"].is_null());
}

TEST(DeepLift, TheNoiseReferenceIsSeeded) {
  const PolynomialToy toy(kWeights, kPairs, kBias);
  EXPECT_TRUE(explainer_registry().create("deeplift", {{"baseline", "noise"}})->capabilities().stochastic);
  EXPECT_FALSE(explainer_registry().create("deeplift", {})->capabilities().stochastic);
  const Explanation a = explain("deeplift", {{"baseline", "noise"}}, toy, models::Output::logits, 3);
  const Explanation b = explain("deeplift", {{"baseline", "noise"}}, toy, models::Output::logits, 3);
  const Explanation c = explain("deeplift", {{"baseline", "noise"}}, toy, models::Output::logits, 4);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_NE(a.scores, c.scores);
  EXPECT_LT(a.diagnostics["relative_delta_error"].get<double>(), 1e-4);
}

// A model whose multipliers are twice what they should be: the map sums to twice the change.
class DoubledMultipliers : public PolynomialToy {
 public:
  using PolynomialToy::PolynomialToy;
  Matrix<float> modified_gradient(const Matrix<float>& features, int target, models::Output output,
                                  models::BackwardRule rule, const Matrix<float>* baseline) const override {
    Matrix<float> m = PolynomialToy::modified_gradient(features, target, output, rule, baseline);
    for (auto& v : m.values()) v *= 2.0f;
    return m;
  }
};

TEST(DeepLift, WarnsWhenTheMapDoesNotSumToTheChange) {
  const DoubledMultipliers toy(kWeights, {}, kBias);
  const Explanation e = explain("deeplift", {}, toy);
  EXPECT_NEAR(e.diagnostics["relative_delta_error"].get<double>(), 1.0, 1e-5);
  ASSERT_EQ(e.warnings.size(), 1u);
  EXPECT_NE(e.warnings[0].find("summation-to-delta"), std::string::npos) << e.warnings[0];
  EXPECT_TRUE(explain("deeplift", {{"max_delta_error", 1.5}}, toy).warnings.empty());
}

TEST(DeepLift, RefusesAnUnknownReferenceNamingTheChoices) {
  EXPECT_THROW_WITH(explainer_registry().create("deeplift", {{"baseline", "silence"}}), ConfigError, "baseline",
                    "factorization", "zero", "mean", "noise");
}

TEST(GuidedAndDeepLift, BlackBoxesAreRefusedByName) {
  const PolynomialToy toy(kWeights, {}, kBias);
  const testing::BlackBox black(toy);
  for (const char* method : {"guided_backprop", "guided_grad_cam", "deeplift"})
    EXPECT_THROW_WITH(explain(method, {}, black), UnsupportedModelError,
                      std::string(method) + " needs a white-box model", "'black box'");
}

TEST(ReferenceInput, ZeroMeanAndSeededNoiseWithinTheClipsRange) {
  const EchoFactorization f(4);
  const Matrix<float> x(1, 4, {1.0f, 3.0f, -2.0f, 6.0f});
  const Matrix<float> zero = reference_input(ReferenceInput::zero, f, x, 1);
  const Matrix<float> mean = reference_input(ReferenceInput::mean, f, x, 1);
  const Matrix<float> removed = reference_input(ReferenceInput::factorization, f, x, 1);
  EXPECT_EQ(zero.values(), std::vector<float>(4, 0.0f));
  EXPECT_EQ(mean.values(), std::vector<float>(4, 2.0f));
  EXPECT_EQ(removed.values(), std::vector<float>(4, 0.0f));
  const Matrix<float> noise = reference_input(ReferenceInput::noise, f, x, 7);
  for (float v : noise.values()) {
    EXPECT_GE(v, -2.0f);
    EXPECT_LE(v, 6.0f);
  }
  const Matrix<float> again = reference_input(ReferenceInput::noise, f, x, 7);
  const Matrix<float> other = reference_input(ReferenceInput::noise, f, x, 8);
  EXPECT_EQ(noise.values(), again.values());
  EXPECT_NE(noise.values(), other.values());
}

}  // namespace
}  // namespace hearsay::methods
