// The white-box facet of LibTorch models (models/white_box.h): batched input gradients against
// layer_gradient, randomised copies, and black boxes refused with the reason.
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/load_model.h"
#include "models/white_box.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

using testing::path;
using testing::random_windows;
using testing::small_network;

const nlohmann::json kTinyVgg = {{"channels", {4, 8, 8, 8}}};

std::unique_ptr<Model> load_model_fixture(const std::string& name) {
  return load_model((hearsay::testing::data_dir() / "models" / name).string());
}

// Per-clip gradients by layer_gradient at "input", summed over the windows containing each cell.
Matrix<float> one_clip_gradient(const WhiteBox& box, const Matrix<float>& features, int target, Output output) {
  const LayerGradient g = box.layer_gradient(features, "input", target, output);
  return sum_windows(g.gradients.data(), g.window_starts, features.rows(), g.window_frames, features.cols());
}

TEST(WhiteBox, BatchedInputGradientsEqualOneClipAtATimeForAnyBatch) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 51);
  // 70 frames: windows at 0 and 30, overlapping over frames 30..39.
  const int64_t clips = 5;
  const int64_t cells = 32 * 70;
  const auto values = random_windows(clips, cells, 52);
  for (const Output output : {Output::logits, Output::probabilities}) {
    std::vector<Matrix<float>> expected;
    std::vector<std::vector<float>> expected_output;
    {
      const NetworkModel model(config, network, path(InferencePath::eager, 4));
      for (int64_t c = 0; c < clips; ++c) {
        const Matrix<float> clip(32, 70, {values.begin() + c * cells, values.begin() + (c + 1) * cells});
        expected.push_back(one_clip_gradient(model, clip, 1, output));
        expected_output.push_back(model.layer_gradient(clip, "input", 1, output).output);
      }
    }
    for (const int64_t batch : {int64_t{3}, int64_t{16}}) {
      const NetworkModel model(config, network, path(InferencePath::frozen, batch));
      const InputGradients g = model.input_gradients(values.data(), clips, 70, 1, output);
      ASSERT_EQ(g.gradients.rows(), clips);
      ASSERT_EQ(g.gradients.cols(), cells);
      for (int64_t c = 0; c < clips; ++c) {
        double scale = 0.0;
        for (const float v : expected[static_cast<size_t>(c)].values()) scale = std::max(scale, std::fabs(double{v}));
        ASSERT_GT(scale, 0.0);
        for (int64_t k = 0; k < cells; ++k)
          ASSERT_NEAR(g.gradients(c, k), expected[static_cast<size_t>(c)].data()[k], 1e-5 * scale)
              << "clip " << c << " cell " << k << " batch " << batch;
        for (int64_t k = 0; k < 3; ++k)
          EXPECT_NEAR(g.outputs(c, k), expected_output[static_cast<size_t>(c)][static_cast<size_t>(k)], 1e-4);
      }
      // A clip's gradients do not depend on the clips it came with.
      const InputGradients alone = model.input_gradients(values.data() + 3 * cells, 1, 70, 1, output);
      for (int64_t k = 0; k < cells; ++k) ASSERT_EQ(alone.gradients(0, k), g.gradients(3, k)) << "cell " << k;
    }
  }
  const NetworkModel model(config, network, path(InferencePath::eager));
  EXPECT_THROW_WITH(model.input_gradients(values.data(), 1, 70, 3, Output::logits), ConfigError, "target class 3");
}

// Largest |a − b| over two models' logits on the same windows.
float logit_difference(const Model& a, const Model& b, const std::vector<float>& windows, int64_t count) {
  return testing::max_difference(a.window_logits(windows.data(), count), b.window_logits(windows.data(), count));
}

TEST(WhiteBox, RandomisedCopiesRedrawOnlyTheChosenLayersFromTheSeed) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 61);
  const NetworkModel model(config, network, path(InferencePath::eager));
  const auto windows = random_windows(4, 32 * 40, 62);
  const Matrix<float> before = model.window_logits(windows.data(), 4);

  const auto fc = model.randomized({"fc"}, 7);
  const auto fc_again = model.randomized({"fc"}, 7);
  const auto fc_other = model.randomized({"fc"}, 8);
  EXPECT_NE(fc->name().find("randomised [fc] seed 7"), std::string::npos) << fc->name();
  EXPECT_GT(logit_difference(*fc, model, windows, 4), 1e-3f);
  EXPECT_EQ(logit_difference(*fc, *fc_again, windows, 4), 0.0f);
  EXPECT_GT(logit_difference(*fc, *fc_other, windows, 4), 1e-3f);
  // The original is untouched.
  EXPECT_EQ(testing::max_difference(model.window_logits(windows.data(), 4), before), 0.0f);

  // Layers before "fc" are the same in the copy: the activations at "dropout" agree; after a
  // randomised "block4.conv" they differ from that layer on and agree before it.
  const WhiteBox& copy = *fc->white_box();
  EXPECT_EQ(copy.run_to_layer(windows.data(), 4, "dropout").values(),
            model.run_to_layer(windows.data(), 4, "dropout").values());
  const auto conv = model.randomized({"block4.conv"}, 7);
  EXPECT_EQ(conv->white_box()->run_to_layer(windows.data(), 4, "block3.pool").values(),
            model.run_to_layer(windows.data(), 4, "block3.pool").values());
  EXPECT_NE(conv->white_box()->run_to_layer(windows.data(), 4, "block4.conv").values(),
            model.run_to_layer(windows.data(), 4, "block4.conv").values());
  // Drawn like PyTorch's reset_parameters: uniform within ±1/√fan_in (fan_in = 8 · 3 · 3).
  const Matrix<float> w = conv->white_box()->run_to_layer(windows.data(), 1, "block4.conv");
  EXPECT_EQ(w.cols(), 8 * 4 * 5);

  EXPECT_THROW_WITH(model.randomized({"fc9"}, 1), ConfigError, "'fc9'", "block4.conv");
  EXPECT_THROW_WITH(model.randomized({"input"}, 1), ConfigError, "'input' has no weights");
}

TEST(WhiteBox, TorchScriptCopiesAreRandomisedToo) {
  const auto model = load_model_fixture("vgg4");
  const auto windows = random_windows(2, 96 * 130, 63);
  const auto copy = model->white_box()->randomized({"block4.conv", "fc"}, 3);
  EXPECT_GT(logit_difference(*copy, *model, windows, 2), 1e-3f);
  EXPECT_EQ(logit_difference(*copy, *model->white_box()->randomized({"block4.conv", "fc"}, 3), windows, 2), 0.0f);
  EXPECT_EQ(copy->white_box()->run_to_layer(windows.data(), 2, "block3.pool").values(),
            model->white_box()->run_to_layer(windows.data(), 2, "block3.pool").values());
}

TEST(WhiteBox, ANonSequentialContainerIsRefusedByItsTypeBeforeAnyWork) {
  // block (ResBlock) holds a submodule and adds its input back: no chain of layers can say that.
  torch::jit::Module inner("Doubler");
  inner.define("def forward(self, x):\n  return x * 2.0\n");
  torch::jit::Module block("ResBlock");
  block.register_module("inner", inner);
  block.define("def forward(self, x):\n  return x + self.inner.forward(x)\n");
  torch::jit::Module net("ResNet");
  net.register_module("block", block);
  net.define("def forward(self, x):\n  return self.block.forward(x).mean([2, 3]).repeat([1, 3])\n");
  ModelConfig config;
  config.architecture = kTorchScript;
  config.front_end = testing::small_front_end();
  config.classes = {"a", "b", "c"};
  config.input_frames = 40;
  const NetworkModel model(config, net, "res.pt", path(InferencePath::eager));
  EXPECT_EQ(model.white_box(), nullptr);
  EXPECT_THROW_WITH(require_white_box(model, "lrp"), UnsupportedModelError, "lrp needs a white-box model",
                    "torchscript: res.pt", "'block' (ResBlock)", "container other than nn.Sequential");
  // Perturbation access still works.
  const auto windows = random_windows(2, 32 * 40, 64);
  EXPECT_EQ(model.window_logits(windows.data(), 2).rows(), 2);
}

}  // namespace
}  // namespace hearsay::models

namespace hearsay::models {
namespace {

// The wrappers' window rule: over a clip of two overlapping windows and a padded one, a plain
// backward pass through modified_gradient is the input gradient, for logits and probabilities.
TEST(WhiteBox, AModifiedBackwardPassWithThePlainRuleIsTheInputGradient) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 71);
  const NetworkModel model(config, network, path(InferencePath::frozen));
  for (const int64_t frames : {int64_t{70}, int64_t{25}}) {
    const Matrix<float> features(32, frames, random_windows(1, 32 * frames, 72));
    for (const Output output : {Output::logits, Output::probabilities}) {
      const Matrix<float> plain = model.modified_gradient(features, 2, output, BackwardRule::gradient, nullptr);
      const InputGradients g = model.input_gradients(features.data(), 1, frames, 2, output);
      double scale = 0.0;
      for (int64_t k = 0; k < features.size(); ++k) scale = std::max(scale, std::fabs(double{g.gradients(0, k)}));
      ASSERT_GT(scale, 0.0);
      for (int64_t k = 0; k < features.size(); ++k)
        ASSERT_NEAR(plain.data()[k], g.gradients(0, k), 1e-5 * scale) << "frames " << frames << " cell " << k;
    }
  }
  const Matrix<float> features(32, 70, random_windows(1, 32 * 70, 73));
  EXPECT_THROW_WITH(model.modified_gradient(features, 0, Output::logits, BackwardRule::rescale, nullptr), ShapeError,
                    "needs a baseline shaped like the features [32 x 70]");
  EXPECT_THROW_WITH(
      model.modified_gradient(Matrix<float>(31, 70, 0.0f), 0, Output::logits, BackwardRule::gradient, nullptr),
      ShapeError, "[32 x frames]");
}

// LRP over windows: each window starts from its share of the clip's logit, so the relevance in the
// clip, on the padding and absorbed by biases adds up to the clip's logit.
TEST(WhiteBox, LrpRelevanceOfAClipAddsUpToItsLogit) {
  auto [config, network] = small_network("vgg_small", kTinyVgg, 40, 74);
  const NetworkModel model(config, network, path(InferencePath::frozen));
  LrpSpec spec;
  spec.rules.assign(model.layers().size(), LrpRule{});
  for (const int64_t frames : {int64_t{70}, int64_t{25}}) {
    const Matrix<float> features(32, frames, random_windows(1, 32 * frames, 75));
    const Relevance r = model.lrp(features, 1, spec);
    const Matrix<float> clip = model.logits_from_features(features.data(), 1, frames);
    EXPECT_NEAR(r.start, clip(0, 1), 1e-4 * (1.0 + std::fabs(clip(0, 1))));
    ASSERT_EQ(r.output.size(), 3u);
    EXPECT_NEAR(r.output[1], clip(0, 1), 1e-4 * (1.0 + std::fabs(clip(0, 1))));
    double sum = 0.0;
    for (const float v : r.map.values()) sum += v;
    EXPECT_NEAR(sum + r.padding + r.absorbed, r.start, 1e-5 * (1.0 + std::fabs(r.start)));
    // 70 frames: windows 0..39 and 30..69, no padding; 25 frames: one window padded past frame 25.
    if (frames == 70) {
      EXPECT_NEAR(r.padding, 0.0, 1e-6 * (1.0 + std::fabs(r.start)));
    } else {
      EXPECT_GT(std::fabs(r.padding), 1e-4);
    }
  }
}

}  // namespace
}  // namespace hearsay::models
