// Bit-identical explanations on a trained network, whatever the thread count and the batch size.
// The conformance suite (tests/methods) checks this on toy models, whose surrogate problems are too
// small for Eigen to parallelise; on the built-in network with 16 stem × segment components, LIME's
// and KernelSHAP's solves differed by 2e-16 between 1 and 2 threads, because Eigen, built with
// -fopenmp, split its matrix products by thread count (fixed by EIGEN_DONT_PARALLELIZE in
// cmake/HearsayDependencies.cmake).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/audio_io.h"
#include "core/parallel.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "models/load_model.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

struct Setting {
  int threads;
  int64_t batch;  // the evaluator's; 0: the model's preferred batch
};

methods::Explanation explain(const std::string& method, const nlohmann::json& options, const models::Model& model,
                             const factorizations::Factorization& f, Setting s) {
  set_num_threads(s.threads);
  models::set_torch_threads(s.threads);
  methods::EvaluatorOptions eo;
  eo.batch_size = s.batch;
  methods::Evaluator evaluator(model, f, eo);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  request.seed = 11;
  methods::Explanation e = methods::explainer_registry().create(method, options)->explain(request);
  set_num_threads(0);
  models::set_torch_threads(0);
  return e;
}

TEST(Determinism, LimeAndKernelShapAreBitIdenticalAcrossThreadsAndBatchSizesOnATrainedNetwork) {
  const auto planted = testing::data_dir() / "planted";
  const auto model = models::load_model((planted / "model").string());
  const auto clip = planted / "clips" / "church_organ_chords.00008";
  LoadOptions load;
  load.mono = true;
  load.sample_rate = model->front_end().sample_rate();
  load.duration_seconds = 3.0;  // one network window (130 frames): batch size 1 pads every call to 16
  factorizations::FactorizationInput input{load_audio((clip / "mix.flac").string(), load), {}};
  for (const char* stem : {"bass", "drums", "harmony", "lead"})
    input.stems[stem] = load_audio((clip / (std::string(stem) + ".flac")).string(), load);
  const auto f = factorizations::factorizer_registry()
                     .create("stems", nlohmann::json{{"segments", 4}})
                     ->factorize(input, model->front_end());
  ASSERT_GE(f->size(), 16);

  // Threads: 600 perturbations of 16 components, 16 × 16 × 600 multiply-adds in a normal matrix,
  // above the 100 000 where Eigen would give a product two threads. Batch size 1 pads every network
  // call to the model's batch (16), so it runs with fewer perturbations.
  struct Case {
    std::string method;
    int samples;
    Setting reference, other;
  };
  for (const Case& c : {Case{"lime", 600, {1, 0}, {2, 0}}, Case{"kernel_shap", 600, {1, 0}, {2, 0}},
                        Case{"lime", 150, {2, 0}, {2, 1}}, Case{"kernel_shap", 150, {2, 0}, {2, 1}}}) {
    SCOPED_TRACE(c.method + ", " + std::to_string(c.other.threads) + " threads, batch " +
                 std::to_string(c.other.batch));
    const nlohmann::json options{{"num_samples", c.samples}};
    const methods::Explanation reference = explain(c.method, options, *model, *f, c.reference);
    const methods::Explanation e = explain(c.method, options, *model, *f, c.other);
    // Doubles compared exactly: any change in the order of a sum shows here.
    EXPECT_EQ(e.scores, reference.scores);
    EXPECT_EQ(e.intercept, reference.intercept);
    EXPECT_EQ(e.full_output, reference.full_output);
    EXPECT_EQ(e.r2, reference.r2);
    EXPECT_EQ(e.diagnostics, reference.diagnostics);
  }
}

}  // namespace
}  // namespace hearsay
