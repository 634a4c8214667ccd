// The torch-free Model contract: the window rule, batching, padding, clip batches, black-box errors.
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "models/model.h"
#include "models/white_box.h"
#include "tests/models/toy_model.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

using testing::ToyModel;

TEST(WindowRule, CoversLongClipsWithALastWindowEndingAtTheEnd) {
  EXPECT_EQ(window_starts(10, 4), (std::vector<int64_t>{0, 4, 6}));
  EXPECT_EQ(window_starts(8, 4), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(window_starts(4, 4), (std::vector<int64_t>{0}));
  EXPECT_EQ(window_starts(3, 4), (std::vector<int64_t>{0}));
  EXPECT_THROW_WITH(window_starts(0, 4), ShapeError, "frames >= 1");
}

TEST(Model, ClipLogitsAreTheMeanOfWindowLogitsComputedInPreferredBatches) {
  const ToyModel model(/*batch=*/3);
  // Two clips of 10 frames: windows at 0, 4, 6 each, so 6 windows in calls of 3 and 3.
  const int64_t mels = 8;
  const int64_t frames = 10;
  std::vector<float> features(static_cast<size_t>(2 * mels * frames));
  for (size_t i = 0; i < features.size(); ++i) features[i] = static_cast<float>(i % frames);  // value = frame index
  const Matrix<float> logits = model.logits_from_features(features.data(), 2, frames);
  EXPECT_EQ(model.calls, (std::vector<int64_t>{3, 3}));
  // Window means: frames 0-3 → 1.5, 4-7 → 5.5, 6-9 → 7.5; their mean is 14.5 / 3.
  for (int64_t clip = 0; clip < 2; ++clip) {
    EXPECT_NEAR(logits(clip, 0), 14.5f / 3.0f + ToyModel::kOffset, 1e-5f);
    EXPECT_NEAR(logits(clip, 1), -14.5f / 3.0f - ToyModel::kOffset, 1e-5f);
  }
}

TEST(Model, ShortClipsArePaddedWithTheValueOfSilence) {
  const ToyModel model;
  const int64_t mels = 8;
  std::vector<float> features(static_cast<size_t>(mels * 2), 10.0f);  // 2 frames < 4
  const Matrix<float> logits = model.logits_from_features(features.data(), 1, 2);
  const float silence = model.silence_value();
  EXPECT_FLOAT_EQ(silence, -100.0f);  // 10·log10(amin = 1e-10)
  EXPECT_NEAR(logits(0, 0), (10.0f + silence) / 2.0f + ToyModel::kOffset, 1e-4f);
  const Matrix<float> p = model.probabilities_from_features(features.data(), 1, 2);
  EXPECT_NEAR(p(0, 0) + p(0, 1), 1.0f, 1e-6f);
  EXPECT_NEAR(p(0, 0), 1.0f / (1.0f + std::exp(-2.0f * logits(0, 0))), 1e-6f);
}

TEST(Model, ClipsOfAnyLengthsShareCallsAndMatchEachClipAlone) {
  const ToyModel model(/*batch=*/4);
  const Audio a = hearsay::testing::sine(440.0, 0.5, 8000);
  const Audio b = Audio::mono(hearsay::testing::noise(3000, 1, 0.3f), 8000);
  const Audio c = hearsay::testing::sine(1000.0, 0.1, 8000);  // shorter than the 4-frame input
  const Matrix<float> together = model.logits({a, b, c});
  const std::vector<Audio> clips = {a, b, c};
  for (size_t i = 0; i < clips.size(); ++i) {
    const Matrix<float> alone = model.logits(clips[i]);
    EXPECT_EQ(together(static_cast<int64_t>(i), 0), alone(0, 0)) << "clip " << i;
  }
  const Matrix<float> p = model.probabilities({a, b, c});
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_NEAR(p(r, 0) + p(r, 1), 1.0f, 1e-6f);
    EXPECT_NEAR(p(r, 0), 1.0f / (1.0f + std::exp(-2.0f * together(r, 0))), 1e-6f);
  }
}

TEST(Model, OtherRatesAreResampledAndChannelsAveraged) {
  const ToyModel model;
  const Audio at16k = hearsay::testing::sine(440.0, 0.5, 16000);
  EXPECT_EQ(model.logits(at16k), model.logits(at16k.resampled(8000)));
  Audio mono = at16k.resampled(8000);
  std::vector<float> stereo;
  for (float s : mono.samples()) stereo.insert(stereo.end(), {s, 0.0f});
  EXPECT_EQ(model.features(Audio(stereo, 2, 8000)), model.features(mono.scale(0.5f)));
}

TEST(Model, BlackBoxesRefuseWhiteBoxCallsByName) {
  const ToyModel model;
  const Matrix<float> features(8, 4, 0.0f);
  EXPECT_EQ(model.white_box(), nullptr);
  EXPECT_THROW_WITH(require_white_box(model, "saliency"), UnsupportedModelError, "saliency", "'toy'",
                    "exposes no layers", "perturbation methods work");
  EXPECT_THROW_WITH(model.class_index("jazz"), ConfigError, "'jazz'", "loud, quiet");
}

}  // namespace
}  // namespace hearsay::models
