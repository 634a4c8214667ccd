#include "metrics/fidelity.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/random.h"
#include "metrics/rank_correlation.h"

namespace hearsay::metrics {

MetricResult Fidelity::run(const MetricInput& input) const {
  const methods::Explanation& e = *input.explanation;
  methods::Evaluator& evaluator = *input.evaluator;
  const int64_t m = input.factorization->size();
  if (m < 2) return MetricResult::not_applicable("one component: no subset to remove");
  const FidelityOptions& o = settings();
  if (o.subset_size >= m)
    return MetricResult::not_applicable(
        message("subset_size ", o.subset_size, " leaves nothing kept of the ", m, " components"));
  const int64_t requests_before = evaluator.requests();

  // Row 0 keeps everything; then one row per subset, then the top-k rows (without, only).
  const auto n = static_cast<int64_t>(o.subsets);
  const auto ks = static_cast<int64_t>(o.top_k.size());
  Matrix<uint8_t> masks(1 + n + 2 * ks, m, uint8_t{1});
  std::vector<double> phi(static_cast<size_t>(n), 0.0);
  Rng rng(o.seed);
  std::vector<int64_t> order(static_cast<size_t>(m));
  for (int64_t s = 0; s < n; ++s) {
    std::iota(order.begin(), order.end(), int64_t{0});
    rng.shuffle(order);
    const int64_t size = o.subset_size > 0 ? o.subset_size : rng.uniform_int(1, m - 1);
    for (int64_t j = 0; j < size; ++j) {
      const int64_t i = order[static_cast<size_t>(j)];
      masks(1 + s, i) = 0;
      phi[static_cast<size_t>(s)] += e.scores[static_cast<size_t>(i)];
    }
  }
  const std::vector<int64_t> ranking = e.ranking();
  for (int64_t q = 0; q < ks; ++q) {
    const int64_t k = std::min<int64_t>(o.top_k[static_cast<size_t>(q)], m);
    std::fill(masks.row(1 + n + ks + q), masks.row(1 + n + ks + q) + m, uint8_t{0});
    for (int64_t j = 0; j < k; ++j) {
      masks(1 + n + q, ranking[static_cast<size_t>(j)]) = 0;
      masks(1 + n + ks + q, ranking[static_cast<size_t>(j)]) = 1;
    }
  }
  const std::vector<double> f = evaluator.outputs(masks, e.target, e.output);

  std::vector<double> drop(static_cast<size_t>(n));
  double squared = 0.0;
  for (int64_t s = 0; s < n; ++s) {
    drop[static_cast<size_t>(s)] = f[0] - f[static_cast<size_t>(1 + s)];
    const double gap = phi[static_cast<size_t>(s)] - drop[static_cast<size_t>(s)];
    squared += gap * gap;
  }
  MetricResult result;
  result.value = pearson(phi, drop);
  if (!result.value) result.reason = "no correlation: the subsets' score sums or their output drops are all equal";
  result.extra["infidelity"] = squared / static_cast<double>(n);
  nlohmann::json comprehensiveness = nlohmann::json::object(), sufficiency = nlohmann::json::object();
  for (int64_t q = 0; q < ks; ++q) {
    const std::string k = std::to_string(o.top_k[static_cast<size_t>(q)]);
    comprehensiveness[k] = f[0] - f[static_cast<size_t>(1 + n + q)];
    sufficiency[k] = f[0] - f[static_cast<size_t>(1 + n + ks + q)];
  }
  result.extra["comprehensiveness"] = comprehensiveness;
  result.extra["sufficiency"] = sufficiency;
  result.extra["evaluations"] = evaluator.requests() - requests_before;
  return result;
}

}  // namespace hearsay::metrics
