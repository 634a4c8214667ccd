#include "metrics/sensitivity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "metrics/rank_correlation.h"
#include "metrics/reexplain.h"

namespace hearsay::metrics {

factorizations::FactorizationInput with_noise(const factorizations::FactorizationInput& input, double snr_db,
                                              uint64_t seed) {
  factorizations::FactorizationInput noisy = input;
  std::vector<float>& mix = noisy.audio.samples();
  const double sigma = input.audio.rms() * std::pow(10.0, -snr_db / 20.0);
  Rng rng(seed);
  if (noisy.stems.empty()) {
    for (float& x : mix) x += static_cast<float>(sigma * rng.normal());
    return noisy;
  }
  // Independent noise per stem, each 1/S of the power: the stems' noises sum to noise at snr_db.
  const double stem_sigma = sigma / std::sqrt(static_cast<double>(noisy.stems.size()));
  for (auto& [name, stem] : noisy.stems) {
    std::vector<float>& samples = stem.samples();
    for (size_t i = 0; i < mix.size(); ++i) {
      const auto n = static_cast<float>(stem_sigma * rng.normal());
      mix[i] += n;
      if (i < samples.size()) samples[i] += n;
    }
  }
  return noisy;
}

namespace {

double norm(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

}  // namespace

MetricResult Sensitivity::run(const MetricInput& input) const {
  if (!input.source || input.factorizer.empty())
    return MetricResult::not_applicable(
        "sensitivity factorizes the clip again with noise, but no source audio (or factorizer) was given");
  const methods::Explanation& e = *input.explanation;
  const int64_t planned = settings().samples * evaluations(e);
  if (settings().max_evaluations > 0 && planned > settings().max_evaluations)
    return MetricResult::not_applicable(message(settings().samples, " noisy re-explanations by '", e.method,
                                                "' would take about ", planned, " model evaluations (", evaluations(e),
                                                " each), above max_evaluations ", settings().max_evaluations));
  const double scale = norm(e.scores);
  if (scale == 0.0)
    return MetricResult::not_applicable("every score is 0: a change relative to the scores is undefined");
  const nlohmann::json options = factorizer_options(input.factorizer, *input.factorization);
  const models::Model& model = input.evaluator->model();
  double largest = 0.0, sum = 0.0, rho = 0.0;
  int64_t spent = 0;
  for (int k = 0; k < settings().samples; ++k) {
    const auto noisy = factorize(
        input.factorizer, options,
        with_noise(*input.source, settings().snr_db, derive_seed(settings().seed, static_cast<uint64_t>(k))), model);
    if (noisy->names() != e.names)
      return MetricResult::not_applicable(message("the clip with noise at ", settings().snr_db, " dB factorizes into ",
                                                  noisy->size(), " components against ", e.names.size(), " without (",
                                                  input.factorizer, ")"));
    const methods::Explanation again = reexplain(e, model, *noisy);
    spent += evaluations(again);
    std::vector<double> change(e.scores.size());
    for (size_t i = 0; i < change.size(); ++i) change[i] = again.scores[i] - e.scores[i];
    const double relative = norm(change) / scale;
    largest = std::max(largest, relative);
    sum += relative;
    rho += spearman(e.scores, again.scores).value_or(0.0);
  }
  MetricResult result;
  result.value = largest;
  result.extra = {{"mean", sum / settings().samples}, {"spearman", rho / settings().samples}, {"evaluations", spent}};
  return result;
}

}  // namespace hearsay::metrics
