#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "factorizations/factorization.h"
#include "methods/grad_cam.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

TEST(GradCam, BilinearResizeMatchesTorchInterpolate) {
  // torch.nn.functional.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False), torch 1.13.
  const Matrix<float> x(2, 3, std::vector<float>{1.0f, 2.0f, 4.0f, 3.0f, -1.0f, 0.5f});
  const float expected[5][7] = {{1.0f, 1.142857f, 1.571429f, 2.0f, 2.857143f, 3.714286f, 4.0f},
                                {1.2f, 1.271429f, 1.485714f, 1.7f, 2.535714f, 3.371429f, 3.65f},
                                {2.0f, 1.785714f, 1.142857f, 0.5f, 1.25f, 2.0f, 2.25f},
                                {2.8f, 2.3f, 0.8f, -0.7f, -0.035714f, 0.628571f, 0.85f},
                                {3.0f, 2.428571f, 0.714286f, -1.0f, -0.357143f, 0.285714f, 0.5f}};
  const Matrix<float> y = resize_bilinear(x, 5, 7);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 7; ++c) EXPECT_NEAR(y(r, c), expected[r][c], 1e-5f) << r << "," << c;
}

// A clip of 3 s under the default front-end (130 frames) explained by a model whose evidence lives in
// the lower half of the mel bands: Grad-CAM's map is max(x − silence, 0) there and zero elsewhere, for
// one window and for several overlapping windows.
TEST(GradCam, LocalisesTheRegionThatCarriesTheEvidence) {
  const FrontEndOptions options;
  const FrontEnd front_end(options);
  const auto clip = testing::stem_clip(3.0, 22050, 2);
  const auto f = factorizations::factorizer_registry()
                     .create("tf_grid", {{"time_segments", 5}, {"frequency_bands", 2}})
                     ->factorize({clip.mix, {}}, front_end);
  const Matrix<float> x = front_end.features(clip.mix);
  for (int64_t window : {x.cols(), int64_t{50}}) {
    Matrix<float> region(front_end.n_mels(), window, 0.0f);
    for (int64_t m = 0; m < front_end.n_mels() / 2; ++m)
      for (int64_t t = 0; t < window; ++t) region(m, t) = 1.0f;
    const testing::RegionToy toy(options, window, region);
    Evaluator evaluator(toy, *f);
    ExplainRequest request;
    request.evaluator = &evaluator;
    request.target = 0;
    const Explanation e = explainer_registry().create("grad_cam")->explain(request);
    ASSERT_TRUE(e.map.has_value());
    EXPECT_EQ(e.diagnostics["layer"], "conv");
    const float s = toy.silence_value();
    float worst = 0.0f;
    for (int64_t m = 0; m < x.rows(); ++m)
      for (int64_t t = 0; t < x.cols(); ++t) {
        // Grad-CAM's map is α0 · A0 with α0 = slope / cells, the same constant everywhere.
        const float expected = m < x.rows() / 2 ? std::max(0.0f, x(m, t) - s) : 0.0f;
        worst = std::max(worst, std::abs((*e.map)(m, t) / (*e.map)(0, 0) * std::max(0.0f, x(0, 0) - s) - expected));
      }
    EXPECT_LT(worst, 1e-3f) << "window " << window;
    // The pooled scores favour the low band (f00) of every time segment.
    for (int j = 0; j < 5; ++j)
      EXPECT_GT(e.scores[static_cast<size_t>(2 * j)], e.scores[static_cast<size_t>(2 * j + 1)]);
    EXPECT_EQ(e.gradient_passes, 1);
  }
}

TEST(GradCam, DefaultLayerOfTheToysAndBadLayersAreNamed) {
  const FrontEndOptions options;
  Matrix<float> region(96, 20, 1.0f);
  const testing::RegionToy toy(options, 20, region);
  EXPECT_EQ(default_cam_layer(toy), "conv");  // "pool" is skipped
  const testing::PolynomialToy flat({1, 2, 3}, {});
  EXPECT_EQ(default_cam_layer(flat), "x");
  const testing::BlackBox box(flat);
  EXPECT_THROW_WITH(default_cam_layer(box), UnsupportedModelError, "black box");
  const testing::EchoFactorization echo(3);
  Evaluator evaluator(flat, echo);
  ExplainRequest request;
  request.evaluator = &evaluator;
  EXPECT_THROW_WITH(explainer_registry().create("grad_cam", {{"layer", "fc9"}})->explain(request), ConfigError, "fc9");
}

// A model that only lists layers, shaped like a VGG block stack: conv → BatchNorm → ReLU → pool, twice.
class LayerList : public models::Model, public models::WhiteBox {
 public:
  explicit LayerList(std::vector<models::LayerInfo> layers)
      : WhiteBox(static_cast<const models::Model&>(*this)), layers_(std::move(layers)) {}
  std::string name() const override { return "layer list"; }
  const FrontEnd& front_end() const override { return front_end_; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  int64_t input_frames() const override { return 20; }
  Matrix<float> window_logits(const float*, int64_t count) const override { return Matrix<float>(count, 2, 0.0f); }
  const models::WhiteBox* white_box() const override { return this; }
  std::vector<models::LayerInfo> layers() const override { return layers_; }
  models::LayerGradient layer_gradient(const Matrix<float>&, const std::string& layer, int,
                                       models::Output) const override {
    throw UnsupportedModelError("layer list: no gradients (asked for '" + layer + "')");
  }

 private:
  std::vector<models::LayerInfo> layers_;
  FrontEnd front_end_{FrontEndOptions{}};
  std::vector<std::string> classes_{"a", "b"};
};

TEST(GradCam, DefaultLayerIsTheLastConvolutionAsCaptumUsersPickIt) {
  const LayerList vgg({{"block1.conv", "Conv2d", {8, 96, 20}, {}},
                       {"block1.bn", "BatchNorm2d", {8, 96, 20}, {}},
                       {"block1.relu", "ReLU", {8, 96, 20}, {}},
                       {"block1.pool", "MaxPool2d", {8, 48, 10}, {}},
                       {"block2.conv", "Conv2d", {16, 48, 10}, {}},
                       {"block2.bn", "BatchNorm2d", {16, 48, 10}, {}},
                       {"block2.relu", "ReLU", {16, 48, 10}, {}},
                       {"head.pool", "AdaptiveAvgPool2d", {16, 1, 1}, {}},
                       {"head.fc", "Linear", {2}, {}}});
  EXPECT_EQ(default_cam_layer(vgg), "block2.conv");  // not block2.relu, the last spatial layer
  // Untyped layers (a TorchScript module's own names): the last spatial layer that is not a pooling one.
  const LayerList untyped({{"a", "Module", {4, 8, 8}, {}}, {"b", "Module", {4, 8, 8}, {}}, {"c", "Module", {2}, {}}});
  EXPECT_EQ(default_cam_layer(untyped), "b");
}

// Gradient methods explain the logit (a probability's gradient is damped by the softmax where the
// model is sure, as Captum's users and the papers avoid); perturbation methods the probability.
// Methods with a dense map explain the logit, as Captum and the papers do; methods whose scores live on
// the components (perturbation methods, and component_ig on their scale) explain the probability.
TEST(GradCam, GradientMethodsExplainTheLogitByDefaultAndPerturbationMethodsTheProbability) {
  for (const auto& name : explainer_registry().names()) {
    const auto c = explainer_registry().create(name)->capabilities();
    EXPECT_EQ(c.default_output, c.dense_map ? models::Output::logits : models::Output::probabilities) << name;
    EXPECT_TRUE(!c.dense_map || c.needs_gradients) << name << " draws a dense map without the white box";
  }
}

}  // namespace
}  // namespace hearsay::methods
