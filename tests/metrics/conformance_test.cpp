// Every registered metric, through the registry: on a real factorization (three stems cut at 1 s and
// 2 s) explained by occlusion on a model of the log-mel features, with exact Shapley as the reference
// and a planted cue (and the clip itself, for the metrics that factorize it again), its result is
// identical for 1 and 2 threads, and a metric that queries the model says how many evaluations it spent.
#include <iostream>

#include <gtest/gtest.h>

#include "core/parallel.h"
#include "metrics/metric.h"
#include "tests/metrics/three_stems.h"
#include "tests/support/toys.h"

namespace hearsay::metrics {
namespace {

class EveryMetricOnStems : public testing::ThreeStems, public ::testing::WithParamInterface<std::string> {
 protected:
  nlohmann::json evaluate(int threads) {
    set_num_threads(threads);
    // Class 0 reads the upper half of the mel bands of each 1 s window.
    const int64_t window = 43;
    Matrix<float> region(front_end_.n_mels(), window, 0.0f);
    for (int64_t m = front_end_.n_mels() / 2; m < front_end_.n_mels(); ++m)
      for (int64_t t = 0; t < window; ++t) region(m, t) = 1.0f;
    const hearsay::testing::RegionToy model(FrontEndOptions{}, window, region);
    methods::Evaluator evaluator(model, *factorization_);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.target = 0;
    const methods::Explanation e = methods::explainer_registry().create("occlusion")->explain(request);
    const methods::Explanation reference = methods::explainer_registry().create("exact_shapley")->explain(request);
    const auto metric = metric_registry().create(GetParam());
    MetricInput input;
    input.explanation = &e;
    input.factorization = factorization_.get();
    input.ground_truth = {{"tones", 0.5, 1.5}};
    input.reference = metric->reference_method().empty() ? nullptr : &reference;
    input.evaluator = &evaluator;
    // The clip the fixture factorized, for the metrics that factorize it again.
    const auto clip = hearsay::testing::stem_clip(3.0, 22050, 7);
    const factorizations::FactorizationInput source{clip.mix, clip.stems};
    input.source = &source;
    input.factorizer = "stems";
    const MetricResult r = metric->evaluate(input);
    set_num_threads(0);
    EXPECT_TRUE(!metric->needs().model || !r.value || r.extra.contains("evaluations")) << GetParam();
    return {{"value", r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr)},
            {"curve", r.curve},
            {"extra", r.extra},
            {"reason", r.reason}};
  }
};

TEST_P(EveryMetricOnStems, TheSameResultForOneAndTwoThreads) {
  const nlohmann::json one = evaluate(1);
  const nlohmann::json two = evaluate(2);
  EXPECT_EQ(one, two);
  std::cout << GetParam() << ": " << one["value"] << (one["reason"].get<std::string>().empty() ? "" : " (")
            << one["reason"].get<std::string>() << (one["reason"].get<std::string>().empty() ? "" : ")") << "\n";
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryMetricOnStems, ::testing::ValuesIn(metric_registry().names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace hearsay::metrics
