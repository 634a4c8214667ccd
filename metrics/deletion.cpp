#include "metrics/deletion.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "core/error.h"
#include "core/random.h"
#include "metrics/road_imputation.h"

namespace hearsay::metrics {

double normalized_auc(const std::vector<double>& curve) {
  std::vector<double> x(curve.size());
  for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<double>(k) / static_cast<double>(x.size() - 1);
  return mean_height(x, curve);
}

double mean_height(const std::vector<double>& x, const std::vector<double>& curve) {
  HEARSAY_CHECK_AS(ShapeError, curve.size() >= 2, "deletion: a curve needs at least 2 points, got ", curve.size());
  HEARSAY_CHECK_AS(ShapeError, x.size() == curve.size(), "deletion: ", curve.size(), " curve points at ", x.size(),
                   " positions");
  double area = 0.0;
  for (size_t k = 0; k + 1 < curve.size(); ++k) {
    HEARSAY_CHECK_AS(ShapeError, x[k + 1] > x[k], "deletion: curve positions must increase, got ", x[k], " then ",
                     x[k + 1]);
    area += 0.5 * (curve[k] + curve[k + 1]) * (x[k + 1] - x[k]);
  }
  return area / (x.back() - x.front());
}

void DeletionOptions::validate() const {
  const auto& methods = methods::explainer_registry();
  if (ideal_reference.empty() || methods.contains(ideal_reference)) return;
  std::string valid;
  for (const auto& name : methods.names()) valid += ", " + name;
  throw ConfigError(message("deletion: 'ideal_reference' is '", ideal_reference,
                            "', not a method; valid: \"\" (no ideal curve)", valid));
}

namespace {

models::Output curve_output(const DeletionOptions& o, const methods::Explanation& e) {
  switch (o.output) {
    case CurveOutput::probability:
      return models::Output::probabilities;
    case CurveOutput::logit:
      return models::Output::logits;
    case CurveOutput::explained:
      break;
  }
  return e.output;
}

// The masks along `order`: row k keeps the components after the first k of the order (deletion) or
// only the first k (insertion); M + 1 rows.
Matrix<uint8_t> path_masks(const std::vector<int64_t>& order, bool deletion) {
  const auto m = static_cast<int64_t>(order.size());
  Matrix<uint8_t> masks(m + 1, m, deletion ? uint8_t{1} : uint8_t{0});
  for (int64_t k = 1; k <= m; ++k) {
    std::copy(masks.row(k - 1), masks.row(k - 1) + m, masks.row(k));
    masks(k, order[static_cast<size_t>(k - 1)]) = deletion ? 0 : 1;
  }
  return masks;
}

// The outputs along an order, deleting (true) or inserting (false).
using CurveOf = std::function<std::vector<double>(const std::vector<int64_t>&, bool)>;

// Mean, 2.5 % and 97.5 % quantiles (linear interpolation between order statistics).
nlohmann::json spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  auto quantile = [&](double q) {
    const double at = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<size_t>(at);
    const size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (at - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return {{"mean", mean}, {"low", quantile(0.025)}, {"high", quantile(0.975)}};
}

// The ideal curves: deletion and insertion in the order of the ideal reference method's explanation,
// or "ideal_reason" when there is none.
void add_ideal(const MetricInput& input, const std::string& reference, const CurveOf& curve, MetricResult& result) {
  if (reference.empty()) {
    result.extra["ideal_reason"] = "no ideal curve asked for ('ideal_reference' is empty)";
    return;
  }
  const int64_t m = input.factorization->size();
  if (!input.reference) {
    const bool too_many = reference == "exact_shapley" && m > 20;
    result.extra["ideal_reason"] =
        message("the ideal reference '", reference, "' has no explanation of this input (",
                too_many ? message("exact Shapley explains at most 20 components, this factorization has ", m)
                         : std::string("it failed or did not run"),
                ")");
    return;
  }
  const methods::Explanation& r = *input.reference;
  HEARSAY_CHECK_AS(ConfigError, r.method == reference, "deletion: the reference explanation is by '", r.method,
                   "', the ideal curve follows '", reference, "'");
  const std::vector<int64_t> order = r.ranking();
  const std::vector<double> deletion = curve(order, true);
  const std::vector<double> insertion = curve(order, false);
  result.extra["ideal_deletion_auc"] = normalized_auc(deletion);
  result.extra["ideal_insertion_auc"] = normalized_auc(insertion);
  result.extra["ideal_deletion_curve"] = deletion;
  result.extra["ideal_insertion_curve"] = insertion;
}

// Why ROAD does not run on `f` under `mode`, or "" when it does.
std::string road_refusal(RoadMode mode, const factorizations::Factorization& f) {
  if (mode == RoadMode::off) return "'road' is off";
  if (mode == RoadMode::automatic && f.domain() != "features")
    return message("ROAD imputes the cells of patch factorizations (domain 'features'), this one's domain is '",
                   f.domain(),
                   "' ('road': 'on' imputes the cells of any factorization whose components do not "
                   "share cells)");
  if (f.overlapping())
    return message("this '", f.domain(),
                   "' factorization's components share cells, so a removed component has no cells of its own "
                   "to impute");
  return {};
}

// ROAD (Rong et al. 2022) along `order`: the removed components' cells imputed from their neighbours,
// most relevant first (MoRF) and least relevant first (LeRF), at fractions k / steps of the components.
// `start` is the output with every component kept (the first point of both curves). Returns the model
// inputs it ran.
int64_t add_road(const MetricInput& input, const DeletionOptions& o, const std::vector<int64_t>& order, double start,
                 MetricResult& result) {
  const factorizations::Factorization& f = *input.factorization;
  const std::string refusal = road_refusal(o.road, f);
  if (!refusal.empty()) {
    result.extra["road_reason"] = refusal;
    return 0;
  }
  const int64_t m = f.size();
  std::vector<int64_t> counts;  // components removed at each point after the first
  for (int64_t k = 1; k < o.road_steps; ++k) {
    const int64_t n = (2 * k * m + o.road_steps) / (2 * o.road_steps);  // k·m / steps, rounded
    if (n > 0 && n < m && (counts.empty() || n != counts.back())) counts.push_back(n);
  }
  // Which component owns each cell (components of these factorizations do not share cells).
  const Matrix<float> x = f.compose(std::vector<uint8_t>(static_cast<size_t>(m), 1));
  std::vector<int64_t> owner(static_cast<size_t>(x.size()), -1);
  for (int64_t i = 0; i < m; ++i) {
    const Matrix<float> cells = f.indicator(i);
    for (int64_t c = 0; c < cells.size(); ++c)
      if (cells.data()[c] > 0.5f) owner[static_cast<size_t>(c)] = i;
  }
  double mean = 0.0;
  for (const float v : x.values()) mean += v;
  mean /= static_cast<double>(x.size());
  double variance = 0.0;
  for (const float v : x.values()) variance += (v - mean) * (v - mean);
  const double noise_sd = o.road_noise * std::sqrt(variance / static_cast<double>(x.size()));

  // Inputs 2s (MoRF) and 2s + 1 (LeRF) remove counts[s] components; both meet the noise of step s.
  const auto points = static_cast<int64_t>(counts.size());
  std::vector<float> inputs(static_cast<size_t>(2 * points * x.size()));
  std::vector<uint8_t> removed_component(static_cast<size_t>(m));
  std::vector<uint8_t> removed_cell(static_cast<size_t>(x.size()));
  for (int64_t s = 0; s < points; ++s)
    for (int lerf = 0; lerf < 2; ++lerf) {
      std::fill(removed_component.begin(), removed_component.end(), uint8_t{0});
      for (int64_t k = 0; k < counts[static_cast<size_t>(s)]; ++k)
        removed_component[static_cast<size_t>(order[static_cast<size_t>(lerf ? m - 1 - k : k)])] = 1;
      for (size_t c = 0; c < removed_cell.size(); ++c)
        removed_cell[c] = owner[c] >= 0 && removed_component[static_cast<size_t>(owner[c])];
      const Matrix<float> imputed =
          impute_from_neighbours(x, removed_cell, noise_sd, derive_seed(o.seed, static_cast<uint64_t>(s)));
      std::copy(imputed.values().begin(), imputed.values().end(),
                inputs.begin() + static_cast<std::ptrdiff_t>((2 * s + lerf) * x.size()));
    }
  const models::Model& model = input.evaluator->model();
  const Matrix<float> logits = model.logits_from_features(inputs.data(), 2 * points, f.frames());

  const methods::Explanation& e = *input.explanation;
  std::vector<double> fractions{0.0}, morf{start}, lerf{start};
  for (int64_t s = 0; s < points; ++s) {
    fractions.push_back(static_cast<double>(counts[static_cast<size_t>(s)]) / static_cast<double>(m));
    morf.push_back(methods::output_of(logits.row(2 * s), model.num_classes(), e.target, curve_output(o, e)));
    lerf.push_back(methods::output_of(logits.row(2 * s + 1), model.num_classes(), e.target, curve_output(o, e)));
  }
  result.extra["road_deletion_auc"] = mean_height(fractions, morf);
  result.extra["road_lerf_auc"] = mean_height(fractions, lerf);
  result.extra["road_deletion_curve"] = morf;
  result.extra["road_lerf_curve"] = lerf;
  result.extra["road_fractions"] = fractions;
  return 2 * points;
}

}  // namespace

MetricResult Deletion::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  methods::Evaluator& evaluator = *input.evaluator;
  const int64_t m = input.factorization->size();
  if (m < 2) return MetricResult::not_applicable("one component: no order to follow");
  const int64_t requests_before = evaluator.requests();
  const CurveOf curve = [&](const std::vector<int64_t>& order, bool deletion) {
    return evaluator.outputs(path_masks(order, deletion), e.target, curve_output(settings(), e));
  };

  MetricResult result;
  result.extra["output"] = curve_output(settings(), e) == models::Output::probabilities ? "probability" : "logit";
  const std::vector<int64_t> order = e.ranking();
  result.curve = curve(order, true);
  result.value = normalized_auc(result.curve);
  const std::vector<double> insertion = curve(order, false);
  result.extra["insertion_auc"] = normalized_auc(insertion);
  result.extra["insertion_curve"] = insertion;

  // The reference: the same number of random orders for every method on this input.
  Rng rng(settings().seed);
  std::vector<double> deletion_aucs, insertion_aucs;
  std::vector<double> deletion_mean(static_cast<size_t>(m + 1), 0.0), insertion_mean(static_cast<size_t>(m + 1), 0.0);
  std::vector<int64_t> random_order(static_cast<size_t>(m));
  for (int r = 0; r < settings().random_orders; ++r) {
    std::iota(random_order.begin(), random_order.end(), int64_t{0});
    rng.shuffle(random_order);
    const std::vector<double> d = curve(random_order, true);
    const std::vector<double> i = curve(random_order, false);
    deletion_aucs.push_back(normalized_auc(d));
    insertion_aucs.push_back(normalized_auc(i));
    for (size_t k = 0; k < d.size(); ++k) {
      deletion_mean[k] += d[k] / settings().random_orders;
      insertion_mean[k] += i[k] / settings().random_orders;
    }
  }
  result.extra["random_deletion_auc"] = spread(deletion_aucs);
  result.extra["random_insertion_auc"] = spread(insertion_aucs);
  result.extra["random_deletion_curve"] = deletion_mean;
  result.extra["random_insertion_curve"] = insertion_mean;
  add_ideal(input, settings().ideal_reference, curve, result);
  const int64_t road_inputs = add_road(input, settings(), order, result.curve.front(), result);
  if (road_inputs > 0) result.extra["road_evaluations"] = road_inputs;
  result.extra["evaluations"] = evaluator.requests() - requests_before + road_inputs;
  return result;
}

}  // namespace hearsay::metrics
