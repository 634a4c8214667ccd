// Non-finite values never become scores. A model that answers NaN or Inf for some masks is an Error
// naming the model, the input and the mask, for every registered method; a clip too loud for the
// front-end's float power spectrum (the reproduction of issue #10: a 1 s float WAV at amplitude 1e17,
// where LIME's forward selection used to pick column -1 and corrupt the heap) is an Error too, never
// undefined behaviour (scripts/sanitize.sh runs this suite under ASan and UBSan).
#include <cmath>
#include <functional>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/audio.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "tests/methods/known_answers.h"
#include "tests/support/test_support.h"
#include "tests/support/toys.h"

namespace hearsay::methods {
namespace {

using testing::EchoFactorization;
using testing::PolynomialToy;

// A PolynomialToy whose class-0 logit becomes `bad` on the windows `poisoned` picks out (its input is
// the keep-mask, through an EchoFactorization), and whose layer gradients are `bad` everywhere.
class PoisonedToy : public models::Model, public models::WhiteBox {
 public:
  PoisonedToy(std::function<bool(const float*)> poisoned, float bad)
      : WhiteBox(static_cast<const models::Model&>(*this)),
        inner_({0.5, -1.0, 2.0, 0.0, 0.25, 1.5}, {{0, 2, 1.0}}, 0.3),
        poisoned_(std::move(poisoned)),
        bad_(bad) {}
  std::string name() const override { return "poisoned toy"; }
  const FrontEnd& front_end() const override { return inner_.front_end(); }
  const std::vector<std::string>& class_names() const override { return inner_.class_names(); }
  int64_t input_frames() const override { return inner_.input_frames(); }
  Matrix<float> window_logits(const float* windows, int64_t count) const override {
    Matrix<float> out = inner_.window_logits(windows, count);
    for (int64_t w = 0; w < count; ++w)
      if (poisoned_(windows + w * input_frames())) out(w, 0) = bad_;
    return out;
  }
  const models::WhiteBox* white_box() const override { return this; }
  std::vector<models::LayerInfo> layers() const override { return inner_.layers(); }
  models::Relevance lrp(const Matrix<float>& features, int target, const models::LrpSpec& spec) const override {
    models::Relevance r = inner_.lrp(features, target, spec);
    std::fill(r.map.values().begin(), r.map.values().end(), bad_);
    return r;
  }
  Matrix<float> modified_gradient(const Matrix<float>& features, int target, models::Output output,
                                  models::BackwardRule rule, const Matrix<float>* baseline) const override {
    Matrix<float> g = inner_.modified_gradient(features, target, output, rule, baseline);
    std::fill(g.values().begin(), g.values().end(), bad_);
    return g;
  }
  models::LayerGradient layer_gradient(const Matrix<float>& features, const std::string& layer, int target,
                                       models::Output output) const override {
    models::LayerGradient g = inner_.layer_gradient(features, layer, target, output);
    std::fill(g.gradients.begin(), g.gradients.end(), bad_);
    return g;
  }

 private:
  PolynomialToy inner_;
  std::function<bool(const float*)> poisoned_;
  float bad_;
};

Explanation explain(const std::string& method, const models::Model& model, const factorizations::Factorization& f) {
  EvaluatorOptions eo;
  eo.input_name = "clip-7.wav";
  Evaluator evaluator(model, f, eo);
  ExplainRequest request;
  request.evaluator = &evaluator;
  request.target = 0;
  request.output = testing::suite_output(method);
  return testing::quick_explainer(method)->explain(request);
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST(NonFinite, EveryMethodRefusesAModelAnsweringNaNForSomeMasks) {
  const EchoFactorization f(6);
  // NaN when component 0 is removed while component 1 is kept: occlusion, LIME, KernelSHAP and exact
  // Shapley all ask for such masks; Grad-CAM meets its NaN in the gradients.
  const PoisonedToy toy([](const float* x) { return x[0] == 0.0f && x[1] == 1.0f; }, kNaN);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    try {
      explain(method, toy, f);
      ADD_FAILURE() << method << " returned an explanation from NaN outputs";
    } catch (const Error& e) {
      const std::string text = e.what();
      EXPECT_NE(text.find("poisoned toy"), std::string::npos) << text;
      EXPECT_NE(text.find("clip-7.wav"), std::string::npos) << text;
      EXPECT_TRUE(text.find("NaN") != std::string::npos || text.find("non-finite") != std::string::npos) << text;
      // Either the evaluator names the mask, or the method names itself (a NaN gradient).
      EXPECT_TRUE(text.find("under the mask ") != std::string::npos || text.find(method) != std::string::npos) << text;
    }
  }
}

TEST(NonFinite, InfiniteLogitOnTheBaselineIsRefusedBeforeTheMethodRuns) {
  const EchoFactorization f(6);
  const PoisonedToy toy(
      [](const float* x) {
        for (int i = 0; i < 6; ++i)
          if (x[i] != 0.0f) return false;
        return true;
      },
      kInf);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    EXPECT_THROW_WITH(explain(method, toy, f), Error, "model 'poisoned toy' returned an infinite value",
                      "logit of class 'yes'", "clip-7.wav", "the mask removing every component (the baseline: 0)",
                      "its log-mel input is finite, so the network produced");
  }
}

TEST(NonFinite, AMethodNeverReturnsANonFiniteScore) {
  // Grad-CAM turns NaN gradients into a NaN map; the base class refuses it by the method's name.
  const EchoFactorization f(6);
  const PoisonedToy toy([](const float*) { return false; }, kNaN);
  for (const auto& method : explainer_registry().names()) {
    if (!explainer_registry().create(method)->capabilities().needs_gradients) continue;
    EXPECT_THROW_WITH(explain(method, toy, f), Error, method + " produced a non-finite", "poisoned toy", "clip-7.wav");
  }
}

// The reproduction of issue #10 at the library level: front-end -> factorization -> method.
TEST(NonFinite, AClipTooLoudForTheFrontEndIsAnErrorForEveryMethod) {
  const FrontEndOptions options;
  const int64_t frames = 20;
  Matrix<float> region(options.n_mels, frames, 0.0f);
  for (int64_t m = 0; m < options.n_mels / 2; ++m)
    for (int64_t t = 0; t < frames; ++t) region(m, t) = 1.0f;
  const testing::RegionToy toy(options, frames, region);
  std::vector<float> loud(static_cast<size_t>(options.sample_rate));
  for (size_t i = 0; i < loud.size(); ++i)
    loud[i] = 1e17f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * static_cast<double>(i) / options.sample_rate));
  const Audio clip = Audio::mono(loud, options.sample_rate);
  const FrontEnd front_end(options);
  const auto f = factorizations::factorizer_registry()
                     .create("segments", nlohmann::json{{"segments", 4}})
                     ->factorize(factorizations::FactorizationInput{clip, {}}, front_end);
  for (const auto& method : explainer_registry().names()) {
    SCOPED_TRACE(method);
    EXPECT_THROW_WITH(explain(method, toy, *f), Error, "model 'region toy'", "clip-7.wav",
                      "its log-mel input is already non-finite", "too loud");
  }
}

}  // namespace
}  // namespace hearsay::methods
