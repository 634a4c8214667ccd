// The fixture of the metrics that factorize the clip again (sensitivity, granularity): a 3 s clip of
// three stems (tests/support/signals.h) explained on the region toy, whose class-0 logit is a sum over
// the log-mel cells (the upper half of the bands counts +1, the rest −½): additive over any partition
// of the cells, so occlusion and exact Shapley of the logit are the sums of their cells' shares. Its
// twin on mel magnitudes without the log (`magnitudes_`) is also close to linear in the audio: a little
// noise changes it a little, where the log of a near-silent cell jumps.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "factorizations/factorization.h"
#include "metrics/metric.h"
#include "tests/support/signals.h"
#include "tests/support/toys.h"

namespace hearsay::metrics::testing {

/// One explanation with the factorization it explains, the name of its factorizer and its model.
struct Explained {
  const models::Model* model = nullptr;
  std::string factorizer;
  std::unique_ptr<factorizations::Factorization> factorization;
  methods::Explanation explanation;
};

class RegionClip : public ::testing::Test {
 protected:
  static Matrix<float> upper_half(int64_t n_mels, int64_t frames) {
    Matrix<float> region(n_mels, frames, 0.0f);
    for (int64_t m = n_mels / 2; m < n_mels; ++m)
      for (int64_t t = 0; t < frames; ++t) region(m, t) = 1.0f;
    return region;
  }

  /// `method` (with `options`) explaining class 0's logit of `model` over `factorizer` (with
  /// `factorizer_options`).
  Explained explain(const std::string& factorizer, const nlohmann::json& factorizer_options, const std::string& method,
                    const nlohmann::json& options = nlohmann::json::object(),
                    const models::Model* model = nullptr) const {
    Explained out;
    out.model = model ? model : &model_;
    out.factorizer = factorizer;
    out.factorization = factorizations::factorizer_registry()
                            .create(factorizer, factorizer_options)
                            ->factorize(source_, out.model->front_end());
    methods::Evaluator evaluator(*out.model, *out.factorization);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.target = 0;
    request.output = models::Output::logits;
    request.seed = 5;
    out.explanation = methods::explainer_registry().create(method, options)->explain(request);
    return out;
  }

  /// `metric` (with `options`) on `e`, given the clip as its source unless `with_source` is false.
  MetricResult evaluate(const std::string& metric, const nlohmann::json& options, const Explained& e,
                        bool with_source = true) const {
    methods::Evaluator evaluator(*e.model, *e.factorization);
    MetricInput input;
    input.explanation = &e.explanation;
    input.factorization = e.factorization.get();
    input.evaluator = &evaluator;
    if (with_source) {
      input.source = &source_;
      input.factorizer = e.factorizer;
    }
    return metric_registry().create(metric, options)->evaluate(input);
  }

  const hearsay::testing::StemClip clip_ = hearsay::testing::stem_clip(3.0, 22050, 7);
  const factorizations::FactorizationInput source_{clip_.mix, clip_.stems};
  static FrontEndOptions mel_magnitudes() {
    FrontEndOptions o;
    o.power = 1.0;
    o.log = LogMode::none;
    return o;
  }

  const int64_t n_mels_ = FrontEndOptions{}.n_mels;
  const hearsay::testing::RegionToy model_{FrontEndOptions{}, 43, upper_half(n_mels_, 43)};
  const hearsay::testing::RegionToy magnitudes_{mel_magnitudes(), 43, upper_half(n_mels_, 43)};
};

}  // namespace hearsay::metrics::testing
