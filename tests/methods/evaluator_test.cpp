#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/random.h"
#include "methods/evaluator.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

Matrix<uint8_t> random_masks(int64_t rows, int64_t m, uint64_t seed) {
  Rng rng(seed);
  Matrix<uint8_t> masks(rows, m);
  for (auto& v : masks.values()) v = rng.bernoulli(0.5);
  return masks;
}

testing::RegionToy region_toy(const FrontEndOptions& o, int64_t window) {
  Matrix<float> region(o.n_mels, window, 0.0f);
  for (int64_t m = 0; m < o.n_mels / 3; ++m)
    for (int64_t t = 0; t < window / 2; ++t) region(m, t) = 1.0f;
  return testing::RegionToy(o, window, region);
}

// The window cache runs far fewer network windows and gives exactly the logits of the plain path.
TEST(Evaluator, WindowCacheIsExactAndRunsFewerWindows) {
  const FrontEndOptions o;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(6.0, 22050, 3);  // 259 frames
  for (const char* name : {"stems", "tf_grid"}) {
    const auto f = factorizations::factorizer_registry()
                       .create(name, std::string(name) == "stems" ? nlohmann::json{{"segments", 6}}
                                                                  : nlohmann::json{{"time_segments", 6}})
                       ->factorize({clip.mix, clip.stems}, front_end);
    const auto toy = region_toy(o, 60);  // windows at 0, 60, 120, 180, 199
    const Matrix<uint8_t> masks = random_masks(200, f->size(), 1);
    EvaluatorOptions plain_options;
    plain_options.window_cache = false;
    Evaluator plain(toy, *f, plain_options);
    Evaluator cached(toy, *f);
    ASSERT_TRUE(cached.uses_window_cache());
    ASSERT_FALSE(plain.uses_window_cache());
    const Matrix<float> a = plain.logits(masks);
    const Matrix<float> b = cached.logits(masks);
    EXPECT_TRUE(a == b) << name;
    EXPECT_EQ(cached.windows_per_input(), 5);
    EXPECT_EQ(plain.windows_run(), 200 * 5);
    EXPECT_LT(cached.windows_run(), plain.windows_run()) << name;
    EXPECT_EQ(cached.forward_passes(), plain.forward_passes());
  }
}

// Without the window cache, frame-local factorizations are composed window by window into the
// network's batch: the logits must be those of composing the whole clip and running it by the window
// rule, bit for bit, for clips of several windows, of exactly one, and shorter than one.
TEST(Evaluator, WindowByWindowCompositionMatchesWholeClips) {
  const FrontEndOptions o;
  const FrontEnd front_end(o);
  for (const double seconds : {6.0, 1.4, 1.0}) {  // 259 frames (5 windows of 60), 61 (one of 60 + 1), 44 (< 60)
    const auto clip = testing::stem_clip(seconds, 22050, 3);
    for (const char* name : {"stems", "tf_grid"}) {
      const auto f = factorizations::factorizer_registry()
                         .create(name, std::string(name) == "stems" ? nlohmann::json{{"segments", 3}}
                                                                    : nlohmann::json{{"time_segments", 3}})
                         ->factorize({clip.mix, clip.stems}, front_end);
      ASSERT_TRUE(f->frame_local());
      const auto toy = region_toy(o, 60);
      const Matrix<uint8_t> masks = random_masks(40, f->size(), 4);
      EvaluatorOptions options;
      options.window_cache = false;
      options.batch_size = 7;  // batches that cut through clips
      Evaluator evaluator(toy, *f, options);
      const Matrix<float> got = evaluator.logits(masks);
      const auto windows = static_cast<int64_t>(models::window_starts(f->frames(), 60).size());
      EXPECT_EQ(evaluator.windows_run(), evaluator.forward_passes() * windows);  // every window of every distinct mask
      for (int64_t r = 0; r < masks.rows(); ++r) {
        const Matrix<float> input = f->compose(std::vector<uint8_t>(masks.row(r), masks.row(r) + f->size()));
        const Matrix<float> expected = toy.logits_from_features(input.data(), 1, f->frames());
        EXPECT_TRUE(std::equal(expected.row(0), expected.row(0) + expected.cols(), got.row(r)))
            << name << ", " << seconds << " s, mask " << r;
      }
    }
  }
}

// predicted_class evaluates the empty mask with the full one (cache on), so the ends every explanation
// asks for next cost no network call; with the cache off it evaluates the full mask alone.
TEST(Evaluator, PredictedClassAlsoEvaluatesTheEmptyMask) {
  const FrontEndOptions o;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(1.4, 22050, 3);
  const auto f = factorizations::factorizer_registry()
                     .create("tf_grid", {{"time_segments", 3}})
                     ->factorize({clip.mix, {}}, front_end);
  const auto toy = region_toy(o, 60);
  Evaluator evaluator(toy, *f);
  const int predicted = evaluator.predicted_class();
  EXPECT_EQ(evaluator.forward_passes(), 2);
  Matrix<uint8_t> ends(2, f->size(), uint8_t{0});
  std::fill(ends.row(0), ends.row(0) + f->size(), uint8_t{1});
  const Matrix<float> l = evaluator.logits(ends);
  EXPECT_EQ(evaluator.forward_passes(), 2);
  EXPECT_EQ(predicted, static_cast<int>(std::max_element(l.row(0), l.row(0) + l.cols()) - l.row(0)));
  EvaluatorOptions uncached;
  uncached.cache = false;
  Evaluator plain(toy, *f, uncached);
  EXPECT_EQ(plain.predicted_class(), predicted);
  EXPECT_EQ(plain.forward_passes(), 1);
}

// Masks that differ from the full clip in one component (occlusion, deletion curves) re-run only the
// windows that component reaches: exactly windows + Σ_i (windows reached by component i).
TEST(Evaluator, LeaveOneOutReRunsOnlyTheWindowsAComponentReaches) {
  const FrontEndOptions o;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(9.0, 22050, 3);  // 388 frames: windows of 130 at 0, 130, 258
  const auto f = factorizations::factorizer_registry()
                     .create("stems", {{"segments", 6}})
                     ->factorize({clip.mix, clip.stems}, front_end);
  const auto toy = region_toy(o, 130);
  Evaluator cached(toy, *f);
  const int64_t m = f->size();
  Matrix<uint8_t> masks(m + 1, m, uint8_t{1});
  for (int64_t i = 0; i < m; ++i) masks(i + 1, i) = 0;
  cached.logits(masks);
  const auto starts = models::window_starts(f->frames(), 130);
  int64_t expected = static_cast<int64_t>(starts.size());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t start : starts) expected += f->span(i).first < start + 130 && f->span(i).last > start;
  EXPECT_EQ(cached.windows_run(), expected);
  EXPECT_LT(expected, (m + 1) * static_cast<int64_t>(starts.size()));
}

TEST(Evaluator, WindowCacheStepsAsideForTopDbFrontEnds) {
  FrontEndOptions o;
  o.top_db = 60.0;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(4.0, 22050, 3);
  const auto f = factorizations::factorizer_registry()
                     .create("stems", {{"segments", 4}})
                     ->factorize({clip.mix, clip.stems}, front_end);
  EXPECT_FALSE(f->frame_local());
  const auto toy = region_toy(o, 60);
  Evaluator evaluator(toy, *f);
  EXPECT_FALSE(evaluator.uses_window_cache());
  const Matrix<float> l = evaluator.logits(random_masks(10, f->size(), 2));
  EXPECT_EQ(l.rows(), 10);
  std::vector<float> part(static_cast<size_t>(96 * 10));
  EXPECT_THROW_WITH(f->compose_frames(std::vector<uint8_t>(12, 1).data(), 5, 10, part.data()), ShapeError, "top_db");
}

TEST(Evaluator, ClipsShorterThanOneWindowArePaddedAlike) {
  const FrontEndOptions o;
  const FrontEnd front_end(o);
  const auto clip = testing::stem_clip(2.0, 22050, 5);  // 87 frames, window 100
  const auto f =
      factorizations::factorizer_registry().create("segments", {{"segments", 4}})->factorize({clip.mix, {}}, front_end);
  const auto toy = region_toy(o, 100);
  EvaluatorOptions plain_options;
  plain_options.window_cache = false;
  Evaluator plain(toy, *f, plain_options);
  Evaluator cached(toy, *f);
  const Matrix<uint8_t> masks = random_masks(16, 4, 3);
  EXPECT_TRUE(plain.logits(masks) == cached.logits(masks));
}

}  // namespace
}  // namespace hearsay::methods
