// On planted-cause clips and a model trained on that data (tests/data/planted, made by
// scripts/make_planted_fixture.sh), exact Shapley and KernelSHAP over stems x segments put a
// component holding the planted cue first; so does Grad-CAM on the real network.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/audio_io.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "metrics/cue_regions.h"
#include "metrics/metric.h"
#include "models/load_model.h"
#include "tests/support/test_support.h"

namespace hearsay::bench {
namespace {

namespace fs = std::filesystem;

class PlantedCause : public ::testing::TestWithParam<std::string> {};

TEST_P(PlantedCause, ShapleyMethodsPutThePlantedStemSegmentFirst) {
  const fs::path fixture = testing::data_dir() / "planted";
  const auto model = models::load_model((fixture / "model").string());
  const fs::path clip = fixture / "clips" / GetParam();
  std::ifstream meta_file(clip / "meta.json");
  const auto meta = nlohmann::json::parse(meta_file);
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  factorizations::FactorizationInput input;
  input.audio = load_audio((clip / "mix.flac").string(), load);
  for (const char* stem : {"bass", "drums", "harmony", "lead"})
    input.stems[stem] = load_audio((clip / (std::string(stem) + ".flac")).string(), load);
  const auto f =
      factorizations::factorizer_registry().create("stems", {{"segments", 4}})->factorize(input, model->front_end());
  ASSERT_EQ(f->size(), 16);

  const auto& cue = meta["ground_truth"][0];
  ASSERT_EQ(cue["kind"], "planted");
  datasets::GroundTruth truth;
  truth.kind = cue["kind"];
  truth.stem = cue["stem"];
  truth.start_seconds = cue["start_seconds"];
  truth.end_seconds = cue["end_seconds"];
  truth.low_hz = cue.value("low_hz", 0.0);
  truth.high_hz = cue.value("high_hz", 0.0);
  // The cue is found through the factorization's geometry by the ground_truth_rank metric: rank 0
  // means the method's top component holds it.
  const auto rank = metrics::metric_registry().create("ground_truth_rank");
  metrics::MetricInput scored;
  scored.factorization = f.get();
  scored.ground_truth = metrics::cue_regions({truth});
  auto rank_of = [&](const methods::Explanation& e) {
    scored.explanation = &e;
    const metrics::MetricResult result = rank->evaluate(scored);
    EXPECT_TRUE(result.value.has_value()) << result.reason;
    return result.value.value_or(-1.0);
  };

  methods::Evaluator evaluator(*model, *f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.seed = 1;
  EXPECT_EQ(model->class_names()[static_cast<size_t>(evaluator.predicted_class())], meta["class"]);
  for (const auto& [method, options] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"exact_shapley", nlohmann::json::object()}, {"kernel_shap", {{"num_samples", 2048}}}}) {
    const methods::Explanation e = methods::explainer_registry().create(method, options)->explain(request);
    EXPECT_EQ(rank_of(e), 0.0) << method << " put " << e.names[static_cast<size_t>(e.ranking()[0])]
                               << " first; the cue is in " << cue["stem"] << ", " << cue["start_seconds"] << "-"
                               << cue["end_seconds"] << " s";
  }
  // Grad-CAM on the real network: its default layer exists, its map covers the input, is finite and
  // non-negative (ReLU), and here it too points at the cue.
  const methods::Explanation cam = methods::explainer_registry().create("grad_cam")->explain(request);
  ASSERT_TRUE(cam.map.has_value());
  EXPECT_EQ(cam.map->rows(), f->n_mels());
  EXPECT_EQ(cam.map->cols(), f->frames());
  for (float v : cam.map->values()) ASSERT_TRUE(std::isfinite(v) && v >= 0.0f);
  EXPECT_EQ(cam.diagnostics["windows"], 2);
  EXPECT_EQ(rank_of(cam), 0.0) << "grad_cam put " << cam.names[static_cast<size_t>(cam.ranking()[0])] << " first";
}

INSTANTIATE_TEST_SUITE_P(Fixture, PlantedCause,
                         ::testing::Values("glockenspiel_arpeggio.00000", "church_organ_chords.00008"));

}  // namespace
}  // namespace hearsay::bench
