#include "metrics/deletion.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/random.h"

namespace hearsay::metrics {

double normalized_auc(const std::vector<double>& curve) {
  HEARSAY_CHECK_AS(ShapeError, curve.size() >= 2, "deletion: a curve needs at least 2 points, got ", curve.size());
  double area = 0.0;
  for (size_t k = 0; k + 1 < curve.size(); ++k) area += 0.5 * (curve[k] + curve[k + 1]);
  return area / static_cast<double>(curve.size() - 1);
}

namespace {

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

}  // namespace

MetricResult Deletion::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  methods::Evaluator& evaluator = *input.evaluator;
  const int64_t m = input.factorization->size();
  if (m < 2) return MetricResult::not_applicable("one component: no order to follow");
  const int64_t requests_before = evaluator.requests();
  auto curve = [&](const std::vector<int64_t>& order, bool deletion) {
    return evaluator.outputs(path_masks(order, deletion), e.target, e.output);
  };

  MetricResult result;
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
  result.extra["evaluations"] = evaluator.requests() - requests_before;
  return result;
}

}  // namespace hearsay::metrics
