// The `sanity` metric's acceptance (issue 13): on the built-in network, re-initialising the last layer
// changes Grad-CAM (similarity < 0.5), while an explanation that ignores the model (an edge detector
// over the log-mel features) keeps similarity 1 at every step; black boxes are not applicable.
#include <cmath>
#include <iostream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/audio_io.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "metrics/sanity.h"
#include "models/load_model.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay {
namespace {

// A "method" that never asks the model: the magnitude of the features' change from one frame to the
// next, pooled onto the components. Any sanity check must call it model-independent.
class EdgeDetector : public methods::Explainer {
 public:
  std::string name() const override { return "edge_detector"; }
  nlohmann::json options() const override { return nlohmann::json::object(); }
  methods::Capabilities capabilities() const override {
    methods::Capabilities c;
    c.dense_map = true;
    return c;
  }

 protected:
  void run(const methods::ExplainRequest& request, int, methods::Explanation& out) const override {
    const auto& f = request.evaluator->factorization();
    const Matrix<float> x = f.compose(std::vector<uint8_t>(static_cast<size_t>(f.size()), 1));
    Matrix<float> map(x.rows(), x.cols(), 0.0f);
    for (int64_t m = 0; m < x.rows(); ++m)
      for (int64_t t = 1; t < x.cols(); ++t) map(m, t) = std::fabs(x(m, t) - x(m, t - 1));
    out.scores = f.pool(map);
    out.map = std::move(map);
  }
};

class SanityOnTheBuiltInNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto planted = testing::data_dir() / "planted";
    model_ = models::load_model((planted / "model").string());
    LoadOptions load;
    load.mono = true;
    load.sample_rate = model_->front_end().sample_rate();
    load.duration_seconds = 3.0;
    const Audio clip = load_audio((planted / "clips" / "church_organ_chords.00008" / "mix.flac").string(), load);
    factorization_ = factorizations::factorizer_registry()
                         .create("tf_grid", {{"time_segments", 4}, {"frequency_bands", 4}})
                         ->factorize({clip, {}}, model_->front_end());
  }
  methods::Explanation explain(const methods::Explainer& explainer) const {
    methods::Evaluator evaluator(*model_, *factorization_);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.output = explainer.capabilities().default_output;
    return explainer.explain(request);
  }

  std::unique_ptr<models::Model> model_;
  std::unique_ptr<factorizations::Factorization> factorization_;
};

TEST_F(SanityOnTheBuiltInNetwork, RandomisingTheLastLayerChangesGradCam) {
  const auto grad_cam = methods::explainer_registry().create("grad_cam");
  const methods::Explanation e = explain(*grad_cam);
  metrics::SanityOptions options;
  options.layers = 3;
  const metrics::MetricResult r = metrics::sanity_check(*grad_cam, e, *model_, *factorization_, options);
  ASSERT_TRUE(r.value) << r.reason;
  ASSERT_EQ(r.curve.size(), 3u);
  std::cout << "grad_cam: similarity after re-initialising the top 1, 2, 3 learnable layers: " << r.curve[0] << ", "
            << r.curve[1] << ", " << r.curve[2] << "; ssim " << r.extra.at("ssim") << "; random logit "
            << r.extra.at("random_logit") << "\n";
  EXPECT_LT(r.curve[0], 0.5);
  EXPECT_EQ(r.extra.at("layers")[0], nlohmann::json::array({"fc"}));
  EXPECT_EQ(r.extra.at("layers")[1], nlohmann::json::array({"fc", "block4.bn"}));
  EXPECT_EQ(r.extra.at("ssim").size(), 3u);
  EXPECT_GT(r.extra.at("evaluations").get<int64_t>(), 0);
  // Independent: one layer at a time.
  options.mode = "independent";
  const metrics::MetricResult one = metrics::sanity_check(*grad_cam, e, *model_, *factorization_, options);
  EXPECT_EQ(one.extra.at("layers")[1], nlohmann::json::array({"block4.bn"}));
}

TEST_F(SanityOnTheBuiltInNetwork, AnExplanationThatIgnoresTheModelKeepsSimilarityOne) {
  const EdgeDetector edges;
  const methods::Explanation e = explain(edges);
  metrics::SanityOptions options;
  options.layers = 4;
  const metrics::MetricResult r = metrics::sanity_check(edges, e, *model_, *factorization_, options);
  ASSERT_TRUE(r.value) << r.reason;
  EXPECT_DOUBLE_EQ(*r.value, 1.0);
  for (const double s : r.curve) EXPECT_DOUBLE_EQ(s, 1.0);
  for (const auto& s : r.extra.at("ssim")) EXPECT_NEAR(s.get<double>(), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.extra.at("random_logit").get<double>(), 1.0);
}

TEST(Sanity, BlackBoxesAreNotApplicableAndOptionsAreChecked) {
  const testing::PolynomialToy toy({1.0, 2.0, 3.0}, {});
  const testing::BlackBox box(toy);
  const testing::EchoFactorization f(3);
  methods::Evaluator evaluator(box, f);
  methods::ExplainRequest request;
  request.evaluator = &evaluator;
  const auto occlusion = methods::explainer_registry().create("occlusion");
  const methods::Explanation e = occlusion->explain(request);
  const metrics::MetricResult r = metrics::sanity_check(*occlusion, e, box, f, {});
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.reason.find("black box"), std::string::npos) << r.reason;
  EXPECT_THROW_WITH(metrics::metric_registry().create("sanity", {{"mode", "sideways"}}), ConfigError, "'sideways'",
                    "cascading, independent");
  // The polynomial toy's white box has no learnable layer to re-initialise.
  EXPECT_FALSE(metrics::sanity_check(*occlusion, e, toy, f, {}).value);
}

}  // namespace
}  // namespace hearsay
