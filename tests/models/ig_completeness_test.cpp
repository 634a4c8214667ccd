// The acceptance for integrated gradients on the built-in network: with 256 steps the map's
// sum meets completeness, |Σ map − (f(x) − f(x′))| ≤ 1 % of |f(x) − f(x′)|, for the class logit, with
// the default baseline (the factorization's input with every component removed) checked against the
// evaluator's own f(all) and f(none), not the method's diagnostics. Both a trained vgg_small (the
// planted fixture) and an untrained one with seeded weights, whose ReLUs switch at other places.
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/audio_io.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "tests/support/signals.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

void expect_complete(const models::Model& model, const Audio& clip) {
  const auto f = factorizations::factorizer_registry()
                     .create("tf_grid", {{"time_segments", 4}, {"frequency_bands", 2}})
                     ->factorize({clip, {}}, model.front_end());
  methods::Evaluator evaluator(model, *f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.output = models::Output::logits;
  const auto start = std::chrono::steady_clock::now();
  const methods::Explanation e =
      methods::explainer_registry().create("integrated_gradients", {{"steps", 256}})->explain(request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(e.map.has_value());
  double sum = 0.0;
  for (float v : e.map->values()) sum += v;
  const double change = e.full_output - e.empty_output;
  std::cout << model.name() << ": sum " << sum << ", f(x) - f(x') " << change << ", relative error "
            << std::abs(sum - change) / std::abs(change) << ", " << seconds << " s for 256 steps\n";
  ASSERT_GT(std::abs(change), 1e-3) << "the baseline does not move the logit: nothing to check";
  EXPECT_LE(std::abs(sum - change), 0.01 * std::abs(change)) << model.name();
  EXPECT_LE(e.diagnostics["relative_completeness_error"].get<double>(), 0.01);
  EXPECT_NEAR(std::accumulate(e.scores.begin(), e.scores.end(), 0.0), sum, 1e-3 * std::abs(change) + 1e-6);
  EXPECT_EQ(e.gradient_passes, 256);
}

TEST(IntegratedGradientsOnTheBuiltInNetwork, TrainedVggSmallMeetsCompletenessWith256Steps) {
  const auto planted = testing::data_dir() / "planted";
  const auto model = models::load_model((planted / "model").string());
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  load.duration_seconds = 3.0;
  const Audio clip = load_audio((planted / "clips" / "church_organ_chords.00008" / "mix.flac").string(), load);
  expect_complete(*model, clip);
}

TEST(IntegratedGradientsOnTheBuiltInNetwork, UntrainedVggSmallMeetsCompletenessWith256Steps) {
  const FrontEndOptions front_end;
  const auto model = models::create_model("vgg_small", front_end, {"a", "b", "c"}, 130, 7);
  expect_complete(*model, testing::stem_clip(3.0, front_end.sample_rate, 5).mix);
}

}  // namespace
}  // namespace hearsay
