#include "metrics/sanity.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "metrics/rank_correlation.h"
#include "models/white_box.h"

namespace hearsay::metrics {

void SanityOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, mode == "cascading" || mode == "independent", "sanity: option 'mode' is '", mode,
                   "'; valid: cascading, independent");
}

double global_ssim(const Matrix<float>& a, const Matrix<float>& b) {
  HEARSAY_CHECK_AS(ShapeError, a.rows() == b.rows() && a.cols() == b.cols() && a.size() > 0,
                   "sanity: maps of different shapes");
  const auto n = static_cast<double>(a.size());
  double ma = 0.0, mb = 0.0, lo = a.data()[0], hi = a.data()[0];
  for (int64_t i = 0; i < a.size(); ++i) {
    ma += a.data()[i] / n;
    mb += b.data()[i] / n;
    lo = std::min({lo, static_cast<double>(a.data()[i]), static_cast<double>(b.data()[i])});
    hi = std::max({hi, static_cast<double>(a.data()[i]), static_cast<double>(b.data()[i])});
  }
  double va = 0.0, vb = 0.0, cov = 0.0;
  for (int64_t i = 0; i < a.size(); ++i) {
    va += (a.data()[i] - ma) * (a.data()[i] - ma) / n;
    vb += (b.data()[i] - mb) * (b.data()[i] - mb) / n;
    cov += (a.data()[i] - ma) * (b.data()[i] - mb) / n;
  }
  const double range = std::max(hi - lo, 1e-12);
  const double c1 = (0.01 * range) * (0.01 * range);
  const double c2 = (0.03 * range) * (0.03 * range);
  return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
}

namespace {

double similarity(const std::vector<double>& a, const std::vector<double>& b) { return spearman(a, b).value_or(0.0); }

}  // namespace

MetricResult sanity_check(const methods::Explainer& explainer, const methods::Explanation& explanation,
                          const models::Model& model, const factorizations::Factorization& factorization,
                          const SanityOptions& options) {
  const models::WhiteBox* box = model.white_box();
  if (!box)
    return MetricResult::not_applicable(message("model '", model.name(), "' is a black box (", model.black_box_reason(),
                                                "): it cannot be copied with new weights"));
  std::vector<std::string> learnable;
  for (const auto& layer : box->layers())
    if (std::any_of(layer.tensors.begin(), layer.tensors.end(), [](const auto& t) { return t.learnable; }))
      learnable.push_back(layer.name);
  if (learnable.empty()) return MetricResult::not_applicable("the model has no learnable layer");
  std::reverse(learnable.begin(), learnable.end());  // from the top
  const size_t steps =
      options.layers > 0 ? std::min(learnable.size(), static_cast<size_t>(options.layers)) : learnable.size();

  int64_t evaluations = 0;
  auto explain_on = [&](const models::Model& m, int target) {
    methods::Evaluator evaluator(m, factorization);
    methods::ExplainRequest request;
    request.evaluator = &evaluator;
    request.target = target;
    request.output = explanation.output;
    request.seed = explanation.seed;
    const methods::Explanation e = explainer.explain(request);
    evaluations += e.evals + e.gradient_passes;
    return e;
  };

  MetricResult result;
  nlohmann::json layers = nlohmann::json::array(), ssim = nlohmann::json::array();
  for (size_t s = 0; s < steps; ++s) {
    std::vector<std::string> chosen;
    if (options.mode == "cascading")
      chosen.assign(learnable.begin(), learnable.begin() + static_cast<std::ptrdiff_t>(s + 1));
    else
      chosen = {learnable[s]};
    const auto copy = box->randomized(chosen, options.seed);
    const methods::Explanation r = explain_on(*copy, explanation.target);
    result.curve.push_back(similarity(explanation.scores, r.scores));
    layers.push_back(chosen);
    if (explanation.map && r.map) ssim.push_back(global_ssim(*explanation.map, *r.map));
  }
  double mean = 0.0;
  for (const double v : result.curve) mean += v / static_cast<double>(result.curve.size());
  result.value = mean;
  result.extra["layers"] = layers;
  if (!ssim.empty()) result.extra["ssim"] = ssim;
  if (model.num_classes() > 1) {
    Rng rng(options.seed);
    int other = static_cast<int>(rng.uniform_int(0, model.num_classes() - 2));
    if (other >= explanation.target) ++other;
    result.extra["random_logit"] = similarity(explanation.scores, explain_on(model, other).scores);
    result.extra["random_logit_class"] = model.class_names()[static_cast<size_t>(other)];
  }
  result.extra["evaluations"] = evaluations;
  return result;
}

MetricResult Sanity::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  const auto explainer = methods::explainer_registry().create(e.method, e.options);
  return sanity_check(*explainer, e, input.evaluator->model(), *input.factorization, settings());
}

}  // namespace hearsay::metrics
